/**
 * UDP (RFC 768). Hot path, allocation-free, never throws, reads only inside [off, end).
 * Ports are reported as soon as 4 bytes are captured (as Wireshark does).
 */
import { u16be } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { Layer, type DecodedPacket } from "./packet.js";

/** UDP header length. */
export const UDP_HDR_LEN = 8;
const UDP_OFF_LENGTH = 4;

/**
 * Decode the UDP header at off; end is the end of the captured IP payload, ipEnd the end the
 * IP header declares (may lie beyond the captured bytes), used to check the UDP length field.
 */
export function decodeUdp(
  buf: Uint8Array,
  off: number,
  end: number,
  pkt: DecodedPacket,
  ipEnd: number,
): void {
  const len = end - off;
  if (len < 4) {
    pkt.setEvent(DecodeEvent.UDP_TRUNCATED, off);
    return;
  }
  pkt.layers |= Layer.UDP;
  pkt.l4Off = off;
  pkt.srcPort = u16be(buf, off);
  pkt.dstPort = u16be(buf, off + 2);
  if (len < UDP_HDR_LEN) {
    pkt.setEvent(DecodeEvent.UDP_TRUNCATED, off);
    return;
  }
  const ulen = u16be(buf, off + UDP_OFF_LENGTH);
  let payEnd = end;
  // In a first fragment (more-fragments set) the UDP length covers the whole datagram.
  if (ulen < UDP_HDR_LEN || (off + ulen > ipEnd && pkt.moreFragments === 0)) {
    pkt.setEvent(DecodeEvent.UDP_BAD_LENGTH, off);
  } else if (off + ulen < end) {
    payEnd = off + ulen;
  }
  pkt.payloadOff = off + UDP_HDR_LEN;
  pkt.payloadLen = payEnd - pkt.payloadOff;
}
