/**
 * Linux "cooked" capture headers: SLL (link type 113, 16 bytes) and SLL2 (link type 276, 20 bytes).
 * See https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and ..._SLL2.html.
 * Hot path, allocation-free, never throws, reads only inside [off, end).
 */
import { ArpHrd } from "../net/linktypes.js";
import { u16be } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { decodeEtherType, ETHER_MAX_LEN_FIELD } from "./ethertype.js";
import { decodeLlcSnap } from "./llc.js";
import { Layer, type DecodedPacket } from "./packet.js";
import { decodeRadiotap } from "./radiotap.js";

/** SLL header length. */
export const SLL_HDR_LEN = 16;
/** SLL2 header length. */
export const SLL2_HDR_LEN = 20;
const SLL_OFF_HATYPE = 2;
const SLL_OFF_PROTO = 14;
const SLL2_OFF_PROTO = 0;
const SLL2_OFF_HATYPE = 8;
/** Protocol value for an IEEE 802.2 LLC frame. */
const LINUX_SLL_P_802_2 = 0x0004;

/** Decode a Linux SLL frame at off. */
export function decodeSll(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  if (end - off < SLL_HDR_LEN) {
    pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
    return;
  }
  pkt.layers |= Layer.SLL;
  cooked(buf, off + SLL_HDR_LEN, end, pkt, u16be(buf, off + SLL_OFF_HATYPE), u16be(buf, off + SLL_OFF_PROTO));
}

/** Decode a Linux SLL2 frame at off. */
export function decodeSll2(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  if (end - off < SLL2_HDR_LEN) {
    pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
    return;
  }
  pkt.layers |= Layer.SLL;
  cooked(
    buf,
    off + SLL2_HDR_LEN,
    end,
    pkt,
    u16be(buf, off + SLL2_OFF_HATYPE),
    u16be(buf, off + SLL2_OFF_PROTO),
  );
}

function cooked(
  buf: Uint8Array,
  off: number,
  end: number,
  pkt: DecodedPacket,
  hatype: number,
  proto: number,
): void {
  if (hatype === ArpHrd.IEEE80211_RADIOTAP) {
    // A monitor-mode interface captured through the "any" device (Wireshark does the same).
    decodeRadiotap(buf, off, end, pkt);
    return;
  }
  if (hatype === ArpHrd.NETLINK) {
    pkt.setEvent(DecodeEvent.LINK_PROTO_UNSUPPORTED, off);
    return;
  }
  if (proto > ETHER_MAX_LEN_FIELD) {
    decodeEtherType(buf, off, end, pkt, proto);
    return;
  }
  if (proto === LINUX_SLL_P_802_2) {
    const next = decodeLlcSnap(buf, off, end, pkt);
    if (next >= 0) decodeEtherType(buf, next, end, pkt, pkt.etherType);
    return;
  }
  pkt.setEvent(DecodeEvent.LINK_PROTO_UNSUPPORTED, off);
}
