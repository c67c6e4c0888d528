/**
 * 802.11 radio headers other than radiotap: Prism (link type 119), AVS (163) and PPI (192,
 * which may also wrap Ethernet). Each is skipped by its length and the frame handed to the
 * 802.11 decoder in ./wlan.ts. Hot path, allocation-free, never throws, reads only inside [off, end).
 * As in Wireshark, Prism and AVS frames are taken to carry no FCS; PPI says so in its
 * 802.11-common field (flags bit 0x0001), and a present FCS is cut off so it never counts as payload.
 */
import { LinkType } from "../net/linktypes.js";
import { u16le, u32be, u32le } from "./bytes.js";
import { decodeEthernet } from "./ethernet.js";
import { DecodeEvent } from "./events.js";
import { Layer, type DecodedPacket } from "./packet.js";
import { decodeWlan } from "./wlan.js";

/** Prism capture header (msgcode, msglen, devname[16], 10 DID items of 12 bytes). */
export const PRISM_HDR_LEN = 144;
/** AVS (wlancap) fixed part: magic/version and header length, both big-endian. */
export const AVS_MIN_LEN = 8;
/** PPI packet header: version, flags, length (LE), DLT (LE). */
export const PPI_HDR_LEN = 8;
/** Most PPI fields walked looking for the 802.11-common field. */
export const PPI_MAX_FIELDS = 32;
const PRISM_MSGCODE_1 = 0x44;
const PRISM_MSGCODE_2 = 0x41;
const AVS_MAGIC_MASK = 0xfffffff0;
const AVS_MAGIC = 0x80211000;
const PPI_OFF_LEN = 2;
const PPI_OFF_DLT = 4;
const PPI_FIELD_HDR_LEN = 4;
const PPI_FIELD_80211_COMMON = 2;
const PPI_80211_COMMON_OFF_FLAGS = 8;
const PPI_80211_FLAG_FCS = 0x0001;
const FCS_LEN = 4;

/**
 * Decode a Prism header at off and the 802.11 frame after it. As Wireshark 4.0 does, an AVS header
 * (magic 0x8021100x) is accepted here too, and a frame whose message code is neither 0x41 nor 0x44
 * in either byte order is taken to be 802.11 without a radio header.
 */
export function decodePrism(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  if (end - off < 4) {
    pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
    return;
  }
  const code = u32be(buf, off);
  if ((code & AVS_MAGIC_MASK) >>> 0 === AVS_MAGIC) {
    decodeAvs(buf, off, end, pkt);
    return;
  }
  const codeLe = u32le(buf, off);
  if (
    code !== PRISM_MSGCODE_1 &&
    code !== PRISM_MSGCODE_2 &&
    codeLe !== PRISM_MSGCODE_1 &&
    codeLe !== PRISM_MSGCODE_2
  ) {
    decodeWlan(buf, off, end, pkt, 0);
    return;
  }
  if (end - off < PRISM_HDR_LEN) {
    pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
    return;
  }
  pkt.layers |= Layer.RADIO_HDR;
  decodeWlan(buf, off + PRISM_HDR_LEN, end, pkt, 0);
}

/** Decode an AVS (wlancap) header at off and the 802.11 frame after it. */
export function decodeAvs(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  if (end - off < AVS_MIN_LEN) {
    pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
    return;
  }
  const len = u32be(buf, off + 4);
  if (len < AVS_MIN_LEN || len > end - off) {
    pkt.setEvent(DecodeEvent.LINK_HDR_INVALID, off);
    return;
  }
  pkt.layers |= Layer.RADIO_HDR;
  decodeWlan(buf, off + len, end, pkt, 0);
}

/** Decode a PPI header at off and the 802.11 (or Ethernet) frame its DLT names. */
export function decodePpi(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  if (end - off < PPI_HDR_LEN) {
    pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
    return;
  }
  // Wireshark 4.0 starts the payload after the fixed header even if the length says less.
  const len = Math.max(u16le(buf, off + PPI_OFF_LEN), PPI_HDR_LEN);
  if (len > end - off) {
    pkt.setEvent(DecodeEvent.LINK_HDR_INVALID, off);
    return;
  }
  pkt.layers |= Layer.RADIO_HDR;
  const hdrEnd = off + len;
  const dlt = u32le(buf, off + PPI_OFF_DLT);
  if (dlt === LinkType.ETHERNET) {
    decodeEthernet(buf, hdrEnd, end, pkt);
    return;
  }
  if (dlt !== LinkType.IEEE802_11) {
    pkt.setEvent(DecodeEvent.LINK_PROTO_UNSUPPORTED, hdrEnd);
    return;
  }
  let fcs = 0;
  let p = off + PPI_HDR_LEN;
  for (let n = 0; n < PPI_MAX_FIELDS && hdrEnd - p >= PPI_FIELD_HDR_LEN; n++) {
    const type = u16le(buf, p);
    const flen = u16le(buf, p + 2);
    const data = p + PPI_FIELD_HDR_LEN;
    if (flen > hdrEnd - data) {
      // A field running past the header: Wireshark reports it malformed and decodes no 802.11 frame.
      pkt.setEvent(DecodeEvent.LINK_HDR_INVALID, p);
      return;
    }
    if (type === PPI_FIELD_80211_COMMON && flen >= PPI_80211_COMMON_OFF_FLAGS + 2) {
      fcs = u16le(buf, data + PPI_80211_COMMON_OFF_FLAGS) & PPI_80211_FLAG_FCS;
    }
    p = data + flen;
  }
  let wlanEnd = end;
  if (fcs && end - hdrEnd >= FCS_LEN) wlanEnd = end - FCS_LEN;
  decodeWlan(buf, hdrEnd, wlanEnd, pkt, 0);
}
