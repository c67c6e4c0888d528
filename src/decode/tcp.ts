/**
 * TCP (RFC 9293 section 3.1). Hot path, allocation-free, never throws, reads only inside [off, end).
 * Mirrors what Wireshark shows for damaged headers: ports as soon as 4 bytes are captured,
 * flags as soon as 16 bytes are captured and the data offset is at least 5.
 */
import { u16be, u32be, u8 } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { Layer, type DecodedPacket } from "./packet.js";

/** Minimal TCP header length (data offset 5). */
export const TCP_MIN_HDR_LEN = 20;
const TCP_PORTS_LEN = 4;
const TCP_OFF_SEQ = 4;
const TCP_OFF_ACK = 8;
const TCP_OFF_DATA_OFFSET = 12;
const TCP_OFF_WINDOW = 14;
const TCP_FLAGS_MASK = 0x0fff;

/** Decode the TCP header at off; end is the end of the IP payload (captured). */
export function decodeTcp(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  const len = end - off;
  if (len < TCP_PORTS_LEN) {
    pkt.setEvent(DecodeEvent.TCP_TRUNCATED, off);
    return;
  }
  pkt.layers |= Layer.TCP;
  pkt.l4Off = off;
  pkt.srcPort = u16be(buf, off);
  pkt.dstPort = u16be(buf, off + 2);
  if (len >= TCP_OFF_DATA_OFFSET) {
    pkt.tcpSeq = u32be(buf, off + TCP_OFF_SEQ);
    pkt.tcpAck = u32be(buf, off + TCP_OFF_ACK);
  }
  if (len < TCP_OFF_WINDOW + 2) {
    pkt.setEvent(DecodeEvent.TCP_TRUNCATED, off);
    return;
  }
  const hlen = (u8(buf, off + TCP_OFF_DATA_OFFSET) >> 4) * 4;
  if (hlen < TCP_MIN_HDR_LEN) {
    // Wireshark stops at a bogus data offset before showing the flags.
    pkt.setEvent(DecodeEvent.TCP_HLEN_TOO_SMALL, off);
    return;
  }
  pkt.tcpFlags = u16be(buf, off + TCP_OFF_DATA_OFFSET) & TCP_FLAGS_MASK;
  pkt.tcpWindow = u16be(buf, off + TCP_OFF_WINDOW);
  if (len < TCP_MIN_HDR_LEN) {
    pkt.setEvent(DecodeEvent.TCP_TRUNCATED, off);
    return;
  }
  if (hlen > len) {
    // Options run past the captured bytes: no payload.
    pkt.setEvent(DecodeEvent.TCP_HLEN_TOO_LARGE, off);
    return;
  }
  pkt.payloadOff = off + hlen;
  pkt.payloadLen = end - pkt.payloadOff;
}
