/**
 * IPv6 (RFC 8200 sections 3 and 4). Hot path, allocation-free, never throws, reads only inside [off, end).
 * Extension headers hop-by-hop (0), routing (43), fragment (44), destination options (60) and
 * AH (51, RFC 4302) are walked, at most IPV6_MAX_EXTHDRS of them; 59 means no next header.
 * Hop-by-hop and destination options must each end inside the IP payload (else
 * IPV6_OPT_INVALID and, as in Wireshark, which reports a malformed packet, nothing after it).
 * The IP end is min(off + 40 + payload length, captured end); a payload length of 0 leaves no
 * payload (as in Wireshark 4.0, which shows no transport then). A non-first fragment carries no ports.
 * A header cut short after the source address (24 bytes) still fills ipVersion, ipProto (the
 * Next Header field) and the source, as tshark shows them; Layer.IPV6 means the whole fixed
 * header (both addresses) was decoded.
 */
import { IpProto } from "../net/protocols.js";
import { u16be, u32be, u8 } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { decodeIpPayload } from "./ip-payload.js";
import { Layer, type DecodedPacket } from "./packet.js";

/** Fixed IPv6 header length. */
export const IPV6_HDR_LEN = 40;
/**
 * Most extension headers walked in one packet. Each one advances at least 8 bytes, so the work is
 * bounded by the frame length anyway; 16 would be too few for real traffic that Wireshark decodes
 * (the corpus file traffic/ipv6_ext_headers.pcap chains 100 headers before its UDP header).
 */
export const IPV6_MAX_EXTHDRS = 128;
const IPV6_OFF_PLEN = 4;
const IPV6_OFF_NEXT = 6;
const IPV6_OFF_HOPS = 7;
const IPV6_OFF_SRC = 8;
const IPV6_OFF_DST = 24;
const FRAG_HDR_LEN = 8;
const OPT_PAD1 = 0;

/** Decode the IPv6 header at off, its extension headers and the transport header after them. */
export function decodeIpv6(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  if (end - off < 1) {
    pkt.setEvent(DecodeEvent.IPV6_TRUNCATED, off);
    return;
  }
  if (u8(buf, off) >> 4 !== 6) {
    pkt.setEvent(DecodeEvent.IPV6_BAD_VERSION, off);
    return;
  }
  if (end - off < IPV6_OFF_DST) {
    pkt.setEvent(DecodeEvent.IPV6_TRUNCATED, off);
    return;
  }
  const plen = u16be(buf, off + IPV6_OFF_PLEN);
  const nh = u8(buf, off + IPV6_OFF_NEXT);
  pkt.l3Off = off;
  pkt.ipVersion = 6;
  pkt.ipProto = nh;
  pkt.ipTtl = u8(buf, off + IPV6_OFF_HOPS);
  pkt.ipTotalLen = IPV6_HDR_LEN + plen;
  pkt.src6a = u32be(buf, off + IPV6_OFF_SRC);
  pkt.src6b = u32be(buf, off + IPV6_OFF_SRC + 4);
  pkt.src6c = u32be(buf, off + IPV6_OFF_SRC + 8);
  pkt.src6d = u32be(buf, off + IPV6_OFF_SRC + 12);
  if (end - off < IPV6_HDR_LEN) {
    // Wireshark shows the source address and next header of a header cut short.
    pkt.setEvent(DecodeEvent.IPV6_TRUNCATED, off);
    return;
  }
  pkt.layers |= Layer.IPV6;
  pkt.dst6a = u32be(buf, off + IPV6_OFF_DST);
  pkt.dst6b = u32be(buf, off + IPV6_OFF_DST + 4);
  pkt.dst6c = u32be(buf, off + IPV6_OFF_DST + 8);
  pkt.dst6d = u32be(buf, off + IPV6_OFF_DST + 12);
  const declaredEnd = off + IPV6_HDR_LEN + plen;
  decodeIpv6Chain(buf, off + IPV6_HDR_LEN, declaredEnd < end ? declaredEnd : end, declaredEnd, pkt, nh);
}

/**
 * Walk the extension headers from p (next header nh) up to the transport header and decode it. ipEnd:
 * end of the captured IP payload; declaredEnd: the end the IPv6 header declares.
 */
function decodeIpv6Chain(
  buf: Uint8Array,
  p: number,
  ipEnd: number,
  declaredEnd: number,
  pkt: DecodedPacket,
  nh: number,
): void {
  for (let n = 0; ; n++) {
    let hlen: number;
    switch (nh) {
      case IpProto.HOPOPTS:
      case IpProto.ROUTING:
      case IpProto.DSTOPTS:
      case IpProto.AH:
        if (ipEnd - p < 2) {
          pkt.setEvent(DecodeEvent.IPV6_EXTHDR_TRUNCATED, p);
          return;
        }
        // RFC 8200 4.3/4.4/4.6: length in 8-octet units not counting the first 8;
        // RFC 4302 2.2: AH length in 4-octet units minus 2.
        hlen = nh === IpProto.AH ? (u8(buf, p + 1) + 2) * 4 : (u8(buf, p + 1) + 1) * 8;
        break;
      case IpProto.FRAGMENT:
        hlen = FRAG_HDR_LEN;
        break;
      case IpProto.NONE:
        return;
      default:
        decodeIpPayload(buf, p, ipEnd, pkt, nh, declaredEnd);
        return;
    }
    if (n >= IPV6_MAX_EXTHDRS) {
      pkt.setEvent(DecodeEvent.IPV6_TOO_MANY_EXTHDRS, p);
      return;
    }
    if (ipEnd - p < hlen) {
      pkt.setEvent(DecodeEvent.IPV6_EXTHDR_TRUNCATED, p);
      return;
    }
    const next = u8(buf, p);
    if ((nh === IpProto.HOPOPTS || nh === IpProto.DSTOPTS) && !optionsFit(buf, p + 2, p + hlen, ipEnd)) {
      // Wireshark reports the packet as malformed there and decodes nothing after it.
      pkt.setEvent(DecodeEvent.IPV6_OPT_INVALID, p);
      return;
    }
    if (nh === IpProto.FRAGMENT) {
      // RFC 8200 4.5: offset in 8-octet units in the top 13 bits, M flag in bit 0.
      const fo = u16be(buf, p + 2);
      pkt.fragOffset = fo & 0xfff8;
      pkt.moreFragments = fo & 1;
      pkt.ipId = u32be(buf, p + 4);
      if (pkt.fragOffset !== 0) {
        pkt.ipProto = next;
        pkt.layers |= Layer.FRAGMENT;
        pkt.payloadOff = p + hlen;
        pkt.payloadLen = ipEnd - pkt.payloadOff;
        return;
      }
    }
    p += hlen;
    nh = next;
    pkt.ipProto = nh;
  }
}

/**
 * RFC 8200 4.2: walk the TLV options in [i, hdrEnd) (Pad1 is a lone byte). As in Wireshark, an
 * option may spill past its header, but not past the IP payload (ipEnd): that is malformed.
 */
function optionsFit(buf: Uint8Array, i: number, hdrEnd: number, ipEnd: number): boolean {
  while (i < hdrEnd) {
    if (u8(buf, i) === OPT_PAD1) {
      i++;
      continue;
    }
    if (i + 2 > ipEnd) return false;
    i += 2 + u8(buf, i + 1);
    if (i > ipEnd) return false;
  }
  return true;
}
