/**
 * PPP framing (RFC 1661 section 2, RFC 1662 section 3): link types PPP (9) and PPP_HDLC (50), and
 * Cisco HDLC (link type 104). The PPP protocol numbers for IP are shared with PPPoE (./pppoe.ts).
 * Hot path, allocation-free, never throws, reads only inside [off, end).
 */
import { EtherType } from "../net/ethertypes.js";
import { u16be, u8 } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { decodeEtherType } from "./ethertype.js";
import { Layer, type DecodedPacket } from "./packet.js";
import { pppEtherType } from "./pppoe.js";

/** Cisco HDLC header: address, control, 2-byte protocol (an EtherType). */
export const CHDLC_HDR_LEN = 4;
const HDLC_ALL_STATIONS = 0xff;
const HDLC_ADDR_CTRL_LEN = 2;
const CHDLC_ADDR_UNICAST = 0x0f;
const CHDLC_ADDR_MULTICAST = 0x8f;
/** RFC 1661 section 2: protocol numbers are odd in their last byte; an odd first byte means a compressed 1-byte field. */
const PPP_PFC_BIT = 0x01;

/**
 * Decode a PPP frame (link types 9 and 50) at off: optional FF 03 address/control, then a 1- or
 * 2-byte protocol (protocol-field compression). Frames starting 0x0F/0x8F are Cisco HDLC, as
 * Wireshark's ppp_hdlc dissector decides.
 */
export function decodePpp(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  if (end - off < 1) {
    pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
    return;
  }
  const b0 = u8(buf, off);
  if (b0 === CHDLC_ADDR_UNICAST || b0 === CHDLC_ADDR_MULTICAST) {
    decodeChdlc(buf, off, end, pkt);
    return;
  }
  let p = off;
  if (b0 === HDLC_ALL_STATIONS) p += HDLC_ADDR_CTRL_LEN;
  if (end - p < 1) {
    pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
    return;
  }
  let proto = u8(buf, p);
  if (proto & PPP_PFC_BIT) p += 1;
  else {
    if (end - p < 2) {
      pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
      return;
    }
    proto = u16be(buf, p);
    p += 2;
  }
  pkt.layers |= Layer.PPP;
  const et = pppEtherType(proto);
  if (et < 0) {
    pkt.setEvent(DecodeEvent.PPP_PROTO_UNSUPPORTED, p);
    return;
  }
  decodeEtherType(buf, p, end, pkt, et);
}

/** Decode a Cisco HDLC frame (link type 104) at off: address, control, EtherType. */
export function decodeChdlc(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  if (end - off < CHDLC_HDR_LEN) {
    pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
    return;
  }
  pkt.layers |= Layer.PPP;
  const et = u16be(buf, off + 2);
  // Wireshark's chdlc.protocol table: of the protocols pfw decodes, only IP and MPLS (no VLAN, no ARP).
  switch (et) {
    case EtherType.IPV4:
    case EtherType.IPV6:
    case EtherType.MPLS:
    case EtherType.MPLS_MC:
      decodeEtherType(buf, off + CHDLC_HDR_LEN, end, pkt, et);
      return;
    default:
      pkt.setEvent(DecodeEvent.LINK_PROTO_UNSUPPORTED, off + CHDLC_HDR_LEN);
  }
}
