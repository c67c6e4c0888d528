/**
 * Kernel-side capture filter derived from the rules, so traffic no rule can flag never reaches
 * JavaScript. Sound by construction: the filter passes a SUPERSET of the packets that can get a
 * verdict other than ALLOWED; the rule engine still decides every packet it sees.
 *
 * - Derived only when the default action is `allow` (otherwise every packet may be flagged), no
 *   packet must be seen for other reasons (recording with --write, printing ALLOWED with -v), and the
 *   rules are five-tuple only (./needs.ts): a rule that needs payload, flow state or counters must see
 *   every packet of every flow, so then there is no filter.
 * - Each non-allow rule becomes a clause over the fields BPF sees the way pfw does (addresses, ports,
 *   IP protocol, `direction` as "destination / source in the home networks"), in BOTH orientations, so the
 *   replies of a flagged flow reach the flow table too and its conn_state, packet and byte counts are
 *   the same as `pfw scan` of a full capture would give (e.g. REJ for a blocked SYN answered by a RST).
 *   Rule fields are constant within a flow (stateless 5-tuple rules), so every packet of a flow with one
 *   flaggable packet passes.
 * - Escapes for what BPF cannot see the way pfw's decoder does: IPv6 with extension headers (BPF's
 *   `ip6 proto` does not follow the chain) and, on Ethernet links, VLAN / MPLS / PPPoE / LLC-SNAP
 *   encapsulations. libpcap's `vlan`, `mpls` and `pppoes` keywords shift the offsets of everything after
 *   them, so MPLS and PPPoE are tested by EtherType and `vlan` comes last.
 * - A rule with a `direction` and no home network can never match, so it adds nothing.
 * - Every value is a validated number, or an address printed from the parsed numbers, so no user text
 *   reaches the filter.
 */
import { ipv4ToString, ipv6ToString } from "../net/addr.js";
import { IpProto } from "../net/protocols.js";
import { isFiveTupleOnly, rulesetNeeds } from "./needs.js";
import type { Cidr, PortRange, Rule, Ruleset } from "./types.js";

/** Options of deriveBpf. */
export interface DeriveBpfOptions {
  /** Every packet must reach JavaScript (--write, -v): no derived filter. */
  seeAll: boolean;
  /** Home networks added to the file's home_net (the CLI's --home-net or the interface's addresses). */
  homeNet?: readonly Cidr[];
  /** Add the Ethernet encapsulation escapes (default true; false for non-Ethernet link types). */
  linkEscapes?: boolean;
}

/** Most non-allow rules turned into a filter; beyond it the whole capture goes to the engine. */
export const BPF_MAX_CLAUSES = 200;
/** Longest derived filter text; libpcap's optimiser and the kernel's 4096-instruction limit need bounds. */
export const BPF_MAX_TEXT = 16_000;

/** IPv6 packets whose first next-header is not one BPF can follow the way pfw does. */
export const IPV6_ESCAPE =
  `(ip6 and not ip6 proto ${IpProto.TCP} and not ip6 proto ${IpProto.UDP}` +
  ` and not ip6 proto ${IpProto.ICMPV6} and not ip6 proto ${IpProto.ICMP})`;
/** Ethernet encapsulations pfw decodes through (MPLS, PPPoE session, 802.3 LLC/SNAP, then VLAN last). */
export const LINK_ESCAPE =
  "ether proto 0x8847 or ether proto 0x8848 or ether proto 0x8864 or ether[12:2] <= 1500 or vlan";

/** "10.0.0.0/8" from the parsed numbers (never the user's text). */
export function cidrFilterText(c: Cidr): string {
  const addr = c.version === 4 ? ipv4ToString(c.v4 >>> 0) : ipv6ToString(c.v6[0], c.v6[1], c.v6[2], c.v6[3]);
  return `${addr}/${c.prefix}`;
}

function nets(dir: "src" | "dst", list: readonly Cidr[]): string {
  return "(" + list.map((c) => `${dir} net ${cidrFilterText(c)}`).join(" or ") + ")";
}

function ports(dir: "src " | "dst " | "", list: readonly PortRange[]): string {
  return (
    "(" +
    list.map((p) => (p.lo === p.hi ? `${dir}port ${p.lo}` : `${dir}portrange ${p.lo}-${p.hi}`)).join(" or ") +
    ")"
  );
}

/** Fields of one orientation: src/dst addresses, ports and the direction's home-network side. */
function oriented(r: Rule, home: readonly Cidr[], reverse: boolean): string[] {
  const S = reverse ? "dst" : "src";
  const D = reverse ? "src" : "dst";
  const parts: string[] = [];
  if (r.src?.length) parts.push(nets(S, r.src));
  if (r.dst?.length) parts.push(nets(D, r.dst));
  if (r.sport?.length) parts.push(ports(`${S} `, r.sport));
  if (r.dport?.length) parts.push(ports(`${D} `, r.dport));
  // in = destination in home (and source not); out = source in home (and destination not). Superset: one side.
  if (r.direction === "in") parts.push(nets(D, home));
  if (r.direction === "out") parts.push(nets(S, home));
  return parts;
}

/** The clause of one rule: "" when it matches every packet, null when it can never match. */
export function ruleClause(r: Rule, home: readonly Cidr[]): string | null {
  if (r.direction !== "any" && home.length === 0) return null;
  if (r.proto?.length === 0 || r.src?.length === 0 || r.dst?.length === 0) return null;
  const common: string[] = [];
  if (r.proto?.length)
    common.push("(" + r.proto.map((p) => `ip proto ${p} or ip6 proto ${p}`).join(" or ") + ")");
  if (r.port?.length) common.push(ports("", r.port));
  const fwd = oriented(r, home, false);
  if (fwd.length) {
    const rev = oriented(r, home, true);
    common.push(`((${fwd.join(" and ")}) or (${rev.join(" and ")}))`);
  }
  return common.join(" and ");
}

/**
 * The derived filter, or null when every packet may matter: default action not allow, opts.seeAll, rules
 * that need more than the five-tuple (./needs.ts), a rule matching everything, or a filter too big.
 */
export function deriveBpf(rs: Ruleset, opts: DeriveBpfOptions): string | null {
  if (opts.seeAll || rs.defaultAction !== "allow") return null;
  if (!isFiveTupleOnly(rulesetNeeds(rs))) return null; // BPF sees headers only: every packet may matter
  const home = [...rs.homeNet, ...(opts.homeNet ?? [])];
  const clauses: string[] = [];
  for (const r of rs.rules) {
    if (r.action === "allow") continue;
    const f = ruleClause(r, home);
    if (f === null) continue;
    if (f === "") return null; // a rule that matches everything
    clauses.push(`(${f})`);
  }
  if (clauses.length === 0) return "less 0"; // nothing can be flagged: nothing needs to reach JavaScript
  if (clauses.length > BPF_MAX_CLAUSES) return null;
  const text = [...clauses, IPV6_ESCAPE, ...(opts.linkEscapes === false ? [] : [LINK_ESCAPE])].join(" or ");
  return text.length > BPF_MAX_TEXT ? null : text;
}

/** AND the user's --filter with the derived one. */
export function combineFilters(user: string | undefined, derived: string | null): string | undefined {
  if (user && derived) return `(${user}) and (${derived})`;
  return user || derived || undefined;
}
