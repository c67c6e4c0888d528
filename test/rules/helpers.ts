/** Test helpers: build DecodedPacket objects directly (no bytes) for rule tests. */
import { DecodedPacket } from "../../src/decode/packet.js";
import { parseCidr, parseIpv4, parseIpv6 } from "../../src/rules/addr.js";
import type { Cidr } from "../../src/rules/types.js";

export interface PacketSpec {
  src: string;
  dst: string;
  proto: number;
  sport?: number;
  dport?: number;
}

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
  p.srcPort = spec.sport ?? -1;
  p.dstPort = spec.dport ?? -1;
  return p;
}

/** parseCidr that throws (for test literals). */
export function cidr(text: string): Cidr {
  const c = parseCidr(text);
  if (!c) throw new Error(`bad cidr ${text}`);
  return c;
}
