/** Test helpers for rule tests: DecodedPacket objects built directly (no bytes), rules and rulesets by hand. */
import { DecodedPacket, Layer } from "../../src/decode/packet.js";
import { IpProto } from "../../src/net/protocols.js";
import { parseCidr, parseIpv4, parseIpv6 } from "../../src/rules/addr.js";
import type { Action, Cidr, Rule, Ruleset } from "../../src/rules/types.js";

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
  [IpProto.TCP]: Layer.TCP,
  [IpProto.UDP]: Layer.UDP,
  [IpProto.ICMP]: Layer.ICMP,
  [IpProto.ICMPV6]: Layer.ICMPV6,
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

/** A rule built by hand (direction any, severity low), fields added as given. */
export function rule(action: Action, fields: Partial<Rule> = {}, id = "r"): Rule {
  return { id, action, direction: "any", severity: "low", reason: "", path: id, ...fields };
}

/** A native ruleset over both IP versions, default action allow unless given. */
export function ruleset(rules: Rule[], defaultAction: Action = "allow", homeNet: Cidr[] = []): Ruleset {
  return { format: "native", rules, defaultAction, defaultReason: "", ipVersions: [4, 6], homeNet };
}
