/**
 * Reference interpreter: the plain, obviously-correct reading of a Ruleset, for tests only.
 * Walks the rules in order and checks every field directly; the compiled matcher
 * (./compile.ts) must return exactly what this returns for every ruleset and packet.
 * Return contract (same as CompiledRules.match): index of the first matching rule,
 * -1 when none matched (the default action applies), -2 when the packet gets no verdict
 * (not IP, or an IP version the ruleset does not judge).
 */

import { Layer, type DecodedPacket } from "../decode/packet.js";
import { cidrContains4, cidrContains6 } from "../net/addr.js";
import { IpProto } from "../net/protocols.js";
import {
  MATCH_DEFAULT,
  MATCH_NO_VERDICT,
  type Cidr,
  type PortRange,
  type Rule,
  type Ruleset,
} from "./types.js";

export { MATCH_DEFAULT, MATCH_NO_VERDICT };

/** Layer bits of the transport headers the rules' transportHeader field looks at. */
export const TRANSPORT_LAYERS = Layer.TCP | Layer.UDP | Layer.ICMP | Layer.ICMPV6;

function inAny(cidrs: readonly Cidr[], pkt: DecodedPacket, src: boolean): boolean {
  for (const c of cidrs) {
    if (pkt.ipVersion === 4) {
      if (cidrContains4(c, src ? pkt.src4 : pkt.dst4)) return true;
    } else if (src) {
      if (cidrContains6(c, pkt.src6a, pkt.src6b, pkt.src6c, pkt.src6d)) return true;
    } else if (cidrContains6(c, pkt.dst6a, pkt.dst6b, pkt.dst6c, pkt.dst6d)) return true;
  }
  return false;
}

function portIn(ranges: readonly PortRange[], port: number): boolean {
  return port >= 0 && ranges.some((r) => r.lo <= port && port <= r.hi);
}

/** Whether the packet's TCP / UDP / ICMP / ICMPv6 header was decoded (rule field transportHeader). */
export function hasTransportHeader(pkt: DecodedPacket): boolean {
  return (pkt.layers & TRANSPORT_LAYERS) !== 0;
}

/** Whether one rule matches the packet (the packet is IPv4 or IPv6). */
export function ruleMatches(rule: Rule, pkt: DecodedPacket, homeNet: readonly Cidr[]): boolean {
  if (rule.src && !inAny(rule.src, pkt, true)) return false;
  if (rule.dst && !inAny(rule.dst, pkt, false)) return false;
  if (rule.proto && !rule.proto.includes(pkt.ipProto)) return false;
  if (rule.transportHeader !== undefined && rule.transportHeader !== hasTransportHeader(pkt)) return false;
  // Ports exist only for TCP and UDP (and not in non-first fragments: the decoder leaves -1).
  const hasPorts = pkt.ipProto === IpProto.TCP || pkt.ipProto === IpProto.UDP;
  const sp = hasPorts ? pkt.srcPort : -1;
  const dp = hasPorts ? pkt.dstPort : -1;
  if (rule.sport && !portIn(rule.sport, sp)) return false;
  if (rule.dport && !portIn(rule.dport, dp)) return false;
  if (rule.port && !portIn(rule.port, sp) && !portIn(rule.port, dp)) return false;
  if (rule.direction !== "any") {
    const srcHome = inAny(homeNet, pkt, true);
    const dstHome = inAny(homeNet, pkt, false);
    if (rule.direction === "in" && !(dstHome && !srcHome)) return false;
    if (rule.direction === "out" && !(srcHome && !dstHome)) return false;
  }
  return true;
}

/**
 * Decide one packet the slow, plain way. `homeNet` are extra home networks (e.g. --home-net),
 * added to the ruleset's own home_net exactly like compileRules' opts.homeNet.
 */
export function interpretRules(ruleset: Ruleset, pkt: DecodedPacket, homeNet: readonly Cidr[] = []): number {
  const home = [...ruleset.homeNet, ...homeNet];
  if (pkt.ipVersion !== 4 && pkt.ipVersion !== 6) return MATCH_NO_VERDICT;
  if (!ruleset.ipVersions.includes(pkt.ipVersion)) return MATCH_NO_VERDICT;
  for (let i = 0; i < ruleset.rules.length; i++) {
    const rule = ruleset.rules[i];
    if (rule !== undefined && ruleMatches(rule, pkt, home)) return i;
  }
  return MATCH_DEFAULT;
}
