/** Test helpers: build DecodedPacket objects directly (no bytes) for rule tests. */
import { DecodedPacket, Layer } from "../../src/decode/packet.js";
import { parseCidr, parseIpv4, parseIpv6 } from "../../src/rules/addr.js";
import type { Cidr } from "../../src/rules/types.js";

export interface PacketSpec {
  src: string;
  dst: string;
  proto: number;
  sport?: number;
  dport?: number;
  /**
   * Where the transport header is: "header" (decoded; the default for tcp, udp, icmp, icmpv6),
   * "fragment" (a non-first fragment: Layer.FRAGMENT, no ports), "cut" (cut short before it).
   */
  l4?: "header" | "fragment" | "cut";
}

const L4_LAYER: Readonly<Record<number, number>> = {
  6: Layer.TCP,
  17: Layer.UDP,
  1: Layer.ICMP,
  58: Layer.ICMPV6,
};

/** A packet from text addresses (v4 or v6 chosen by the source address). */
export function pkt(spec: PacketSpec): DecodedPacket {
  const p = new DecodedPacket();
  if (spec.src.includes(":")) {
    const s = parseIpv6(spec.src);
    const d = parseIpv6(spec.dst);
    if (!s || !d) throw new Error(`bad v6 ${spec.src} ${spec.dst}`);
    p.ipVersion = 6;
    [p.src6a, p.src6b, p.src6c, p.src6d] = s;
    [p.dst6a, p.dst6b, p.dst6c, p.dst6d] = d;
  } else {
    p.ipVersion = 4;
    p.src4 = parseIpv4(spec.src);
    p.dst4 = parseIpv4(spec.dst);
    if (p.src4 < 0 || p.dst4 < 0) throw new Error(`bad v4 ${spec.src} ${spec.dst}`);
  }
  p.ipProto = spec.proto;
  const l4 = spec.l4 ?? "header";
  p.srcPort = l4 === "header" ? (spec.sport ?? -1) : -1;
  p.dstPort = l4 === "header" ? (spec.dport ?? -1) : -1;
  p.layers = p.ipVersion === 4 ? Layer.IPV4 : Layer.IPV6;
  if (l4 === "header") p.layers |= L4_LAYER[spec.proto] ?? 0;
  if (l4 === "fragment") p.layers |= Layer.FRAGMENT;
  return p;
}

/** parseCidr that throws (for test literals). */
export function cidr(text: string): Cidr {
  const c = parseCidr(text);
  if (!c) throw new Error(`bad cidr ${text}`);
  return c;
}
