/**
 * ICMP for IPv4 (RFC 792). Hot path, allocation-free, never throws, reads only inside [off, end).
 * Type/code are reported from 6 captured bytes on, for every type (measured with tshark 4.0:
 * it shows no icmp.type below 6 bytes); a header shorter than 8 bytes also sets ICMP_TRUNCATED. The quoted datagram of an error message is payload: its
 * addresses and ports are never reported as the packet's own.
 */
import { u8 } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { Layer, type DecodedPacket } from "./packet.js";

/** ICMP header length (type, code, checksum, 4 bytes rest-of-header). */
export const ICMP_HDR_LEN = 8;
/** Wireshark reads type, code, checksum and the first 16 bits of rest-of-header before showing the type. */
const ICMP_TYPE_SHOWN_LEN = 6;

/** Decode the ICMP header at off. */
export function decodeIcmp(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  const len = end - off;
  if (len < ICMP_TYPE_SHOWN_LEN) {
    pkt.setEvent(DecodeEvent.ICMP_TRUNCATED, off);
    return;
  }
  pkt.layers |= Layer.ICMP;
  pkt.l4Off = off;
  pkt.icmpType = u8(buf, off);
  pkt.icmpCode = u8(buf, off + 1);
  if (len < ICMP_HDR_LEN) {
    pkt.setEvent(DecodeEvent.ICMP_TRUNCATED, off);
    return;
  }
  pkt.payloadOff = off + ICMP_HDR_LEN;
  pkt.payloadLen = end - pkt.payloadOff;
}
