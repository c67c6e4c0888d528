/**
 * PPPoE session stage (RFC 2516 section 4) carrying PPP (RFC 1661) IPv4 (0x0021) or IPv6 (0x0057).
 * Hot path, allocation-free, never throws, reads only inside [off, end).
 */
import { u16be, u8 } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { Layer, type DecodedPacket } from "./packet.js";

/** PPPoE header (6) plus the PPP protocol field (2). */
export const PPPOE_HDR_LEN = 8;
const PPPOE_VER_TYPE = 0x11;
const PPPOE_CODE_SESSION = 0x00;
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

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
  const proto = u16be(buf, off + 6);
  if (proto === PPP_IPV4) pkt.etherType = 0x0800;
  else if (proto === PPP_IPV6) pkt.etherType = 0x86dd;
  else {
    pkt.setEvent(DecodeEvent.PPP_PROTO_UNSUPPORTED, off + 6);
    return -1;
  }
  return off + PPPOE_HDR_LEN;
}
