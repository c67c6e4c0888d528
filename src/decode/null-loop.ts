/**
 * BSD loopback: NULL (link type 0, 4-byte address family in the CAPTURING host's byte order)
 * and LOOP (link type 108, address family in network byte order).
 * Hot path, allocation-free, never throws, reads only inside [off, end).
 */
import { EtherType } from "../net/ethertypes.js";
import { AddrFamily } from "../net/linktypes.js";
import { u32be, u32le } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { decodeEtherType, ETHER_MAX_LEN_FIELD } from "./ethertype.js";
import { decodeIpv4 } from "./ipv4.js";
import { decodeIpv6 } from "./ipv6.js";
import { Layer, type DecodedPacket } from "./packet.js";

/** NULL/LOOP header length. */
export const NULL_HDR_LEN = 4;

/**
 * Decode a NULL frame. The header is guessed exactly as Wireshark 4.0's packet-null.c does:
 * read little-endian; if the upper 16 bits are set it is either an IRIX-style 16-bit family in
 * the first two bytes or the other byte order (swap); a value above 1500 is an EtherType.
 */
export function decodeNull(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  if (end - off < NULL_HDR_LEN) {
    pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
    return;
  }
  let h = u32le(buf, off);
  if (h & 0xffff0000) {
    if ((h & 0xff000000) === 0 && (h & 0x00ff0000) < 0x00060000) h = h >>> 16;
    else h = u32be(buf, off);
  } else if ((h & 0xff) === 0 && (h & 0xff00) < 0x0600) {
    h = h >>> 8; // byte-swapped 16-bit family
  }
  family(buf, off + NULL_HDR_LEN, end, pkt, h);
}

/** Decode a LOOP frame (family in network byte order). */
export function decodeLoop(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  if (end - off < NULL_HDR_LEN) {
    pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
    return;
  }
  family(buf, off + NULL_HDR_LEN, end, pkt, u32be(buf, off));
}

function family(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket, af: number): void {
  pkt.layers |= Layer.NULL_LOOP;
  if (af > ETHER_MAX_LEN_FIELD) {
    // Some systems put an EtherType here (Wireshark keeps its low 16 bits).
    decodeEtherType(buf, off, end, pkt, af & 0xffff);
    return;
  }
  switch (af) {
    case AddrFamily.INET:
      pkt.etherType = EtherType.IPV4;
      decodeIpv4(buf, off, end, pkt);
      return;
    case AddrFamily.INET6_LINUX:
    case AddrFamily.INET6_BSD:
    case AddrFamily.INET6_FREEBSD:
    case AddrFamily.INET6_DARWIN:
      pkt.etherType = EtherType.IPV6;
      decodeIpv6(buf, off, end, pkt);
      return;
    default:
      pkt.setEvent(DecodeEvent.LINK_PROTO_UNSUPPORTED, off);
  }
}
