/**
 * IEEE 802.11 data frames (link type 105, and inside radiotap) with LLC/SNAP to IP/ARP.
 * IEEE 802.11-2020 section 9.2.4 / 9.3.2.1. Hot path, allocation-free, never throws,
 * reads only inside [off, end). The caller removes any FCS from end (for link type 105
 * Wireshark assumes no FCS by default, and so do we).
 * Management/control frames and data frames without a body (Null, QoS Null, CF-*) set
 * WLAN_NOT_DATA; protected (encrypted) data frames set WLAN_PROTECTED. Of an A-MSDU, the first
 * subframe is decoded (as Wireshark's first ip.src is).
 */
import { u8 } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { decodeEtherType } from "./ethertype.js";
import { decodeLlcSnap } from "./llc.js";
import { Layer, type DecodedPacket } from "./packet.js";

/** 802.11 data header without Address 4, QoS and HT control. */
export const WLAN_DATA_HDR_LEN = 24;
const WLAN_ADDR4_LEN = 6;
const WLAN_QOS_LEN = 2;
const WLAN_HTC_LEN = 4;
const WLAN_FC_MIN = 2;
const FC_TYPE_DATA = 2;
const FC_SUBTYPE_QOS = 0x8;
const FC_SUBTYPE_NODATA = 0x4;
const FC_FLAG_TODS = 0x01;
const FC_FLAG_FROMDS = 0x02;
const FC_FLAG_PROTECTED = 0x40;
const FC_FLAG_ORDER = 0x80;
const QOS_AMSDU_PRESENT = 0x80;
const AMSDU_SUBFRAME_HDR_LEN = 14;

/**
 * Decode the 802.11 frame at off. dataPad: 1 if radiotap says the header is padded to a
 * 32-bit boundary (radiotap flags 0x20), else 0.
 */
export function decodeWlan(
  buf: Uint8Array,
  off: number,
  end: number,
  pkt: DecodedPacket,
  dataPad: number,
): void {
  if (end - off < WLAN_FC_MIN) {
    pkt.setEvent(DecodeEvent.WLAN_TRUNCATED, off);
    return;
  }
  pkt.layers |= Layer.WLAN;
  const fc0 = u8(buf, off);
  const flags = u8(buf, off + 1);
  const subtype = fc0 >> 4;
  if (((fc0 >> 2) & 3) !== FC_TYPE_DATA || (subtype & FC_SUBTYPE_NODATA) !== 0) {
    pkt.setEvent(DecodeEvent.WLAN_NOT_DATA, off);
    return;
  }
  let hlen = WLAN_DATA_HDR_LEN;
  if ((flags & (FC_FLAG_TODS | FC_FLAG_FROMDS)) === (FC_FLAG_TODS | FC_FLAG_FROMDS)) hlen += WLAN_ADDR4_LEN;
  const qosOff = off + hlen;
  const qos = subtype & FC_SUBTYPE_QOS;
  if (qos) {
    hlen += WLAN_QOS_LEN;
    // 9.2.4.1.10: +HTC is present in QoS data frames with the Order bit set.
    if (flags & FC_FLAG_ORDER) hlen += WLAN_HTC_LEN;
  }
  if (dataPad) hlen = (hlen + 3) & ~3;
  if (end - off < hlen) {
    pkt.setEvent(DecodeEvent.WLAN_TRUNCATED, off);
    return;
  }
  if (flags & FC_FLAG_PROTECTED) {
    pkt.setEvent(DecodeEvent.WLAN_PROTECTED, off);
    return;
  }
  let body = off + hlen;
  // 9.2.4.5.9: an A-MSDU body starts with a subframe header (DA, SA, length); decode the first subframe.
  if (qos && u8(buf, qosOff) & QOS_AMSDU_PRESENT) {
    if (end - body < AMSDU_SUBFRAME_HDR_LEN) {
      pkt.setEvent(DecodeEvent.WLAN_TRUNCATED, body);
      return;
    }
    body += AMSDU_SUBFRAME_HDR_LEN;
  }
  const next = decodeLlcSnap(buf, body, end, pkt);
  if (next >= 0) decodeEtherType(buf, next, end, pkt, pkt.etherType);
}
