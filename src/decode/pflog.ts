/**
 * OpenBSD/FreeBSD pf log header (link type 117, https://www.tcpdump.org/linktypes/LINKTYPE_PFLOG.html):
 * length (byte 0, the header length before padding), address family (byte 1), action, reason,
 * interface and ruleset names, rule numbers, ... The packet starts after the length rounded up
 * to a multiple of 4 (BPF_WORDALIGN), as libpcap and Wireshark 4.0 compute it. Like Wireshark, a
 * length below the smallest real header (45) is not refused: the packet is decoded where it says.
 * Hot path, allocation-free, never throws, reads only inside [off, end).
 */
import { EtherType } from "../net/ethertypes.js";
import { AddrFamily } from "../net/linktypes.js";
import { u8 } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { decodeIpv4 } from "./ipv4.js";
import { decodeIpv6 } from "./ipv6.js";
import { Layer, type DecodedPacket } from "./packet.js";

/** Bytes needed to read the length and family. */
export const PFLOG_MIN_READ = 2;

/** Decode a pflog header at off and the IPv4/IPv6 packet after it. */
export function decodePflog(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  if (end - off < PFLOG_MIN_READ) {
    pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
    return;
  }
  const hlen = (u8(buf, off) + 3) & ~3;
  if (end - off < hlen) {
    pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
    return;
  }
  pkt.layers |= Layer.PFLOG;
  const ip = off + hlen;
  switch (u8(buf, off + 1)) {
    case AddrFamily.INET:
      pkt.etherType = EtherType.IPV4;
      decodeIpv4(buf, ip, end, pkt);
      return;
    case AddrFamily.INET6_BSD:
    case AddrFamily.INET6_FREEBSD:
    case AddrFamily.INET6_DARWIN:
      pkt.etherType = EtherType.IPV6;
      decodeIpv6(buf, ip, end, pkt);
      return;
    default:
      pkt.setEvent(DecodeEvent.LINK_PROTO_UNSUPPORTED, ip);
  }
}
