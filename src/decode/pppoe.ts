/**
 * PPPoE session stage (RFC 2516 section 4) carrying PPP (RFC 1661) IPv4 (0x0021), IPv6 (0x0057)
 * or MPLS (0x0281, 0x0283).
 * Hot path, allocation-free, never throws, reads only inside [off, end).
 */
import { EtherType } from "../net/ethertypes.js";
import { u16be, u8 } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { Layer, type DecodedPacket } from "./packet.js";

/** PPPoE header (6) plus the PPP protocol field (2). */
export const PPPOE_HDR_LEN = 8;
const PPPOE_VER_TYPE = 0x11;
const PPPOE_CODE_SESSION = 0x00;
/** PPP protocol number of IPv4. */
export const PPP_IPV4 = 0x0021;
/** PPP protocol number of IPv6. */
export const PPP_IPV6 = 0x0057;
/** PPP protocol numbers of MPLS unicast / multicast (RFC 3032 section 4.3). */
export const PPP_MPLS = 0x0281;
/** PPP protocol number of MPLS multicast. */
export const PPP_MPLS_MC = 0x0283;

/**
 * The EtherType for a PPP protocol number (IPv4, IPv6, MPLS), or -1 if pfw does not decode it
 * (also used by ./ppp.ts).
 */
export function pppEtherType(proto: number): number {
  switch (proto) {
    case PPP_IPV4:
      return EtherType.IPV4;
    case PPP_IPV6:
      return EtherType.IPV6;
    case PPP_MPLS:
      return EtherType.MPLS;
    case PPP_MPLS_MC:
      return EtherType.MPLS_MC;
    default:
      return -1;
  }
}

/**
 * Decode the PPPoE session header at off. Sets pkt.etherType to 0x0800 or 0x86dd and returns the
 * offset of the IP header, or -1 after setting an event.
 */
export function decodePppoe(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): number {
  if (
    end - off < PPPOE_HDR_LEN ||
    u8(buf, off) !== PPPOE_VER_TYPE ||
    u8(buf, off + 1) !== PPPOE_CODE_SESSION
  ) {
    pkt.setEvent(DecodeEvent.PPPOE_TRUNCATED, off);
    return -1;
  }
  pkt.layers |= Layer.PPPOE;
  const et = pppEtherType(u16be(buf, off + 6));
  if (et < 0) {
    pkt.setEvent(DecodeEvent.PPP_PROTO_UNSUPPORTED, off + 6);
    return -1;
  }
  pkt.etherType = et;
  return off + PPPOE_HDR_LEN;
}
