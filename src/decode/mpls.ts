/**
 * MPLS label stacks (RFC 3032 section 2.1), at most MPLS_MAX_LABELS labels.
 * Hot path, allocation-free, never throws, reads only inside [off, end).
 * After bottom of stack the payload is chosen by its first nibble, as Wireshark 4.0 does:
 * 4 = IPv4, 6 = IPv6, 0 = a pseudowire control word (RFC 4385) followed by an Ethernet frame.
 */
import { EtherType } from "../net/ethertypes.js";
import { u8 } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { Layer, type DecodedPacket } from "./packet.js";

/** Most MPLS labels decoded in one frame. */
export const MPLS_MAX_LABELS = 16;
const MPLS_LABEL_LEN = 4;
const MPLS_BOS_BIT = 0x01;
const PW_CONTROL_WORD_LEN = 4;

/**
 * Decode the label stack at off. Sets pkt.etherType to 0x0800, 0x86dd or EtherType.TEB for the
 * payload and returns its offset, or -1 after setting an event.
 */
export function decodeMpls(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): number {
  for (let n = 0; ; n++) {
    if (n >= MPLS_MAX_LABELS) {
      pkt.setEvent(DecodeEvent.MPLS_TOO_MANY_LABELS, off);
      return -1;
    }
    if (end - off < MPLS_LABEL_LEN) {
      pkt.setEvent(DecodeEvent.MPLS_TRUNCATED, off);
      return -1;
    }
    pkt.layers |= Layer.MPLS;
    pkt.mplsCount++;
    const bos = u8(buf, off + 2) & MPLS_BOS_BIT;
    off += MPLS_LABEL_LEN;
    if (bos) break;
  }
  if (end - off < 1) {
    pkt.setEvent(DecodeEvent.MPLS_TRUNCATED, off);
    return -1;
  }
  switch (u8(buf, off) >> 4) {
    case 4:
      pkt.etherType = EtherType.IPV4;
      return off;
    case 6:
      pkt.etherType = EtherType.IPV6;
      return off;
    case 0:
      if (end - off < PW_CONTROL_WORD_LEN) {
        pkt.setEvent(DecodeEvent.MPLS_TRUNCATED, off);
        return -1;
      }
      pkt.etherType = EtherType.TEB;
      return off + PW_CONTROL_WORD_LEN;
    default:
      pkt.setEvent(DecodeEvent.MPLS_PAYLOAD_UNKNOWN, off);
      return -1;
  }
}
