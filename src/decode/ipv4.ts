/**
 * IPv4 (RFC 791 section 3.1). Hot path, allocation-free, never throws, reads only inside [off, end).
 *
 * Behaviour on damaged headers follows Wireshark 4.0 (checked with tshark), which shows every
 * field it could read before a problem:
 * - version != 4, IHL < 5 or total length < header length: no IPv4 fields at all (event).
 * - total length 0 is taken as TCP segmentation offload: the IP end is the captured end.
 * - fewer than 20 bytes captured: IPV4_TRUNCATED; if at least the source address (16 bytes) is
 *   there, ipVersion/ipProto/src4 are filled (as tshark shows ip.proto and ip.src), Layer.IPV4 is not.
 * - IHL longer than the captured bytes: IPV4_HLEN_TOO_LARGE, no transport; the destination is
 *   shown only if Wireshark's walk of the options (below) does not run past the captured bytes.
 * - with a loose/strict source route option (RFC 791 "Loose/Strict Source and Record Route")
 *   dst4 is the final destination, the last address of the route, as Wireshark's ip.dst (the
 *   header's destination field is then only the current hop).
 * - a malformed option (length < 2 or running past the header) stops the option walk with
 *   IPV4_OPT_INVALID, but the transport header is still decoded (Wireshark flags the option
 *   with an expert info and still dissects TCP/UDP, so its ports are shown).
 * - an IPv6 header under an IPv4 EtherType (version 6) is decoded as IPv6, as Wireshark does.
 * - the IP end is min(off + total length, captured end); only the first fragment (offset 0)
 *   carries the transport header.
 * Layer.IPV4 means both addresses were decoded (src4 and dst4 valid).
 */
import { u16be, u32be, u8 } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { decodeIpPayload } from "./ip-payload.js";
import { decodeIpv6 } from "./ipv6.js";
import { Layer, type DecodedPacket } from "./packet.js";

/** Minimal IPv4 header length (IHL 5). */
export const IPV4_MIN_HDR_LEN = 20;
const IPV4_OFF_TOTAL_LEN = 2;
const IPV4_OFF_ID = 4;
const IPV4_OFF_FRAG = 6;
const IPV4_OFF_TTL = 8;
const IPV4_OFF_PROTO = 9;
const IPV4_OFF_SRC = 12;
const IPV4_OFF_DST = 16;
const IPV4_FLAG_MF = 0x2000;
const IPV4_FRAG_OFFSET_MASK = 0x1fff;
const IPOPT_EOL = 0;
const IPOPT_NOP = 1;
const IPOPT_LSRR = 131;
const IPOPT_SSRR = 137;
const IPOPT_ROUTE_PTR_MIN = 4;

/** Decode the IPv4 header at off and the transport header after it. */
export function decodeIpv4(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  const caplen = end - off;
  if (caplen < 1) {
    pkt.setEvent(DecodeEvent.IPV4_TRUNCATED, off);
    return;
  }
  const vihl = u8(buf, off);
  if (vihl >> 4 === 6) {
    // Wireshark hands an IPv6 packet under an IPv4 EtherType to IPv6.
    decodeIpv6(buf, off, end, pkt);
    return;
  }
  if (vihl >> 4 !== 4) {
    pkt.setEvent(DecodeEvent.IPV4_BAD_VERSION, off);
    return;
  }
  // Checks in Wireshark's order, so the event names the first problem it reports.
  const hlen = (vihl & 0x0f) * 4;
  if (hlen < IPV4_MIN_HDR_LEN) {
    pkt.setEvent(DecodeEvent.IPV4_HLEN_TOO_SMALL, off);
    return;
  }
  if (caplen < IPV4_OFF_TOTAL_LEN + 2) {
    pkt.setEvent(DecodeEvent.IPV4_TRUNCATED, off);
    return;
  }
  let totalLen = u16be(buf, off + IPV4_OFF_TOTAL_LEN);
  if (totalLen === 0) {
    totalLen = caplen; // TSO: the NIC fills the length in later (Wireshark does the same).
  } else if (totalLen < hlen) {
    pkt.setEvent(DecodeEvent.IPV4_TOTAL_LEN_TOO_SMALL, off);
    return;
  }
  if (caplen < IPV4_OFF_SRC + 4) {
    pkt.setEvent(DecodeEvent.IPV4_TRUNCATED, off);
    return;
  }
  const frag = u16be(buf, off + IPV4_OFF_FRAG);
  const proto = u8(buf, off + IPV4_OFF_PROTO);
  pkt.l3Off = off;
  pkt.ipVersion = 4;
  pkt.src4 = u32be(buf, off + IPV4_OFF_SRC);
  pkt.ipTtl = u8(buf, off + IPV4_OFF_TTL);
  pkt.ipTotalLen = totalLen;
  pkt.ipId = u16be(buf, off + IPV4_OFF_ID);
  pkt.fragOffset = (frag & IPV4_FRAG_OFFSET_MASK) * 8;
  pkt.moreFragments = frag & IPV4_FLAG_MF ? 1 : 0;
  pkt.ipProto = proto;
  if (caplen < IPV4_MIN_HDR_LEN) {
    pkt.setEvent(DecodeEvent.IPV4_TRUNCATED, off);
    return;
  }
  const dstOff = hlen > IPV4_MIN_HDR_LEN ? findDst(buf, off, off + hlen, end) : off + IPV4_OFF_DST;
  if (dstOff >= 0) {
    pkt.dst4 = u32be(buf, dstOff);
    pkt.layers |= Layer.IPV4;
  }
  if (hlen > caplen) {
    pkt.setEvent(DecodeEvent.IPV4_HLEN_TOO_LARGE, off);
    return;
  }
  if (hlen > IPV4_MIN_HDR_LEN) walkOptions(buf, off + IPV4_MIN_HDR_LEN, off + hlen, pkt);
  const declaredEnd = off + totalLen;
  const ipEnd = declaredEnd < end ? declaredEnd : end;
  const l4 = off + hlen; // <= ipEnd: totalLen >= hlen and hlen <= caplen
  if (pkt.fragOffset !== 0) {
    // RFC 791: only the fragment at offset 0 holds the transport header.
    pkt.layers |= Layer.FRAGMENT;
    pkt.payloadOff = l4;
    pkt.payloadLen = ipEnd - l4;
    return;
  }
  decodeIpPayload(buf, l4, ipEnd, pkt, proto, declaredEnd);
}

/**
 * Where Wireshark takes ip.dst from (its get_dst_offset()): the header's destination, or the
 * last address of the first loose/strict source route option with a sane pointer. Returns -1
 * where Wireshark's walk would read past the captured bytes (end) and so shows no destination.
 */
function findDst(buf: Uint8Array, off: number, optEnd: number, end: number): number {
  let i = off + IPV4_MIN_HDR_LEN;
  while (i < optEnd) {
    if (i >= end) return -1;
    const t = u8(buf, i);
    if (t === IPOPT_EOL) break;
    if (t === IPOPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= optEnd) break;
    if (i + 1 >= end) return -1;
    const l = u8(buf, i + 1);
    if (l < 2 || i + l > optEnd) break;
    if (t === IPOPT_LSRR || t === IPOPT_SSRR) {
      if (l < 3) break;
      if (i + 2 >= end) return -1;
      const ptr = u8(buf, i + 2);
      if (ptr < IPOPT_ROUTE_PTR_MIN || (ptr & 3) !== 0 || ptr > l || l < 4) break;
      return i + l - 4 + 4 <= end ? i + l - 4 : -1;
    }
    i += l;
  }
  return off + IPV4_OFF_DST;
}

/** RFC 791 section 3.1 "Options": type-length-value except EOL and NOP (one byte each). */
function walkOptions(buf: Uint8Array, i: number, optEnd: number, pkt: DecodedPacket): void {
  while (i < optEnd) {
    const t = u8(buf, i);
    if (t === IPOPT_EOL) return;
    if (t === IPOPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= optEnd) {
      pkt.setEvent(DecodeEvent.IPV4_OPT_INVALID, i);
      return;
    }
    const l = u8(buf, i + 1);
    if (l < 2 || i + l > optEnd) {
      pkt.setEvent(DecodeEvent.IPV4_OPT_INVALID, i);
      return;
    }
    i += l;
  }
}
