/**
 * ICMPv6 (RFC 4443 section 2.1). Hot path, allocation-free, never throws, reads only inside [off, end).
 * Wireshark shows icmpv6.type from the first byte on, so the type is reported as soon as one byte
 * is captured; a header shorter than 4 bytes also sets ICMPV6_TRUNCATED.
 */
import { u8 } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { Layer, type DecodedPacket } from "./packet.js";

/** ICMPv6 header length (type, code, checksum). */
export const ICMPV6_HDR_LEN = 4;

/** Decode the ICMPv6 header at off. */
export function decodeIcmpv6(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  const len = end - off;
  if (len < 1) {
    pkt.setEvent(DecodeEvent.ICMPV6_TRUNCATED, off);
    return;
  }
  pkt.layers |= Layer.ICMPV6;
  pkt.l4Off = off;
  pkt.icmpType = u8(buf, off);
  if (len >= 2) pkt.icmpCode = u8(buf, off + 1);
  if (len < ICMPV6_HDR_LEN) {
    pkt.setEvent(DecodeEvent.ICMPV6_TRUNCATED, off);
    return;
  }
  pkt.payloadOff = off + ICMPV6_HDR_LEN;
  pkt.payloadLen = end - pkt.payloadOff;
}
