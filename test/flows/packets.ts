/** Test helpers: DecodedPacket objects built directly (no bytes), as the decoder would fill them. */
import { DecodedPacket, Layer } from "../../src/decode/packet.js";
import { parseIpv4, parseIpv6 } from "../../src/rules/addr.js";

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

export interface PktSpec {
  src: string;
  dst: string;
  proto: number;
  sport?: number;
  dport?: number;
  flags?: number;
  payload?: number;
  icmpType?: number;
  icmpCode?: number;
  /** IP total length (default 20/40 + 20 + payload). */
  ipLen?: number;
  /** Mark as non-first fragment (no transport header). */
  fragment?: boolean;
}

/** Fill a fresh DecodedPacket as an Ethernet frame (l3Off 14) would decode. */
export function mkPkt(s: PktSpec): DecodedPacket {
  const p = new DecodedPacket();
  const v6 = s.src.includes(":");
  const hdr = v6 ? 40 : 20;
  const l4 = s.proto === 6 ? 20 : s.proto === 17 || s.proto === 1 || s.proto === 58 ? 8 : 0;
  const payload = s.payload ?? 0;
  const total = s.ipLen ?? hdr + (s.fragment ? 0 : l4) + payload;
  p.reset(new Uint8Array(14 + total), 0, 14 + total, 1);
  p.layers = Layer.ETH | (v6 ? Layer.IPV6 : Layer.IPV4);
  p.etherType = v6 ? 0x86dd : 0x0800;
  p.l3Off = 14;
  p.ipVersion = v6 ? 6 : 4;
  if (v6) {
    const a = parseIpv6(s.src);
    const b = parseIpv6(s.dst);
    if (!a || !b) throw new Error("bad v6");
    [p.src6a, p.src6b, p.src6c, p.src6d] = a;
    [p.dst6a, p.dst6b, p.dst6c, p.dst6d] = b;
  } else {
    p.src4 = parseIpv4(s.src);
    p.dst4 = parseIpv4(s.dst);
  }
  p.ipTotalLen = total;
  p.ipTtl = 64;
  p.ipProto = s.proto;
  if (s.fragment) {
    p.layers |= Layer.FRAGMENT;
    p.fragOffset = 1480;
    return p;
  }
  p.l4Off = 14 + hdr;
  if (s.proto === 6) {
    p.layers |= Layer.TCP;
    p.srcPort = s.sport ?? 0;
    p.dstPort = s.dport ?? 0;
    p.tcpFlags = s.flags ?? ACK;
  } else if (s.proto === 17) {
    p.layers |= Layer.UDP;
    p.srcPort = s.sport ?? 0;
    p.dstPort = s.dport ?? 0;
  } else if (s.proto === 1 || s.proto === 58) {
    p.layers |= s.proto === 1 ? Layer.ICMP : Layer.ICMPV6;
    p.icmpType = s.icmpType ?? 8;
    p.icmpCode = s.icmpCode ?? 0;
  }
  p.payloadOff = payload > 0 ? 14 + hdr + l4 : -1;
  p.payloadLen = payload;
  return p;
}

/** An ARP frame (no IP). */
export function mkArp(): DecodedPacket {
  const p = new DecodedPacket();
  p.reset(new Uint8Array(42), 0, 42, 1);
  p.layers = Layer.ETH | Layer.ARP;
  p.etherType = 0x0806;
  p.l3Off = 14;
  p.arpOp = 1;
  return p;
}
