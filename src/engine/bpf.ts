/**
 * Kernel-side capture filter derived from the rules, so traffic no rule can flag never reaches
 * JavaScript. Sound by construction: the filter passes a SUPERSET of the packets that can get a
 * verdict other than ALLOWED; the rule engine still decides every packet it sees.
 *
 * Derived only when the default action is `allow` (otherwise every packet may be flagged) and no
 * packet must be seen for other reasons (recording with --write, printing ALLOWED with -v).
 * Escapes for what BPF cannot see the way pfw's decoder does: IPv6 with extension headers (BPF's
 * `ip6 proto` does not follow the chain), VLAN/MPLS/PPPoE encapsulations.
 * Every value is a validated number or CIDR text from the rules, so no user text reaches the filter.
 */
import type { Cidr, PortRange, Rule, Ruleset } from "../rules/types.js";

function nets(dir: "src" | "dst", list: Cidr[]): string {
  return (
    "(" +
    list
      .map((c) => `${dir} net ${c.text.includes("/") ? c.text : c.text + (c.version === 4 ? "/32" : "/128")}`)
      .join(" or ") +
    ")"
  );
}

function ports(dir: "src " | "dst " | "", list: PortRange[]): string {
  return (
    "(" +
    list.map((p) => (p.lo === p.hi ? `${dir}port ${p.lo}` : `${dir}portrange ${p.lo}-${p.hi}`)).join(" or ") +
    ")"
  );
}

function ruleFilter(r: Rule): string {
  const parts: string[] = [];
  if (r.src?.length) parts.push(nets("src", r.src));
  if (r.dst?.length) parts.push(nets("dst", r.dst));
  if (r.sport?.length) parts.push(ports("src ", r.sport));
  if (r.dport?.length) parts.push(ports("dst ", r.dport));
  if (r.port?.length) parts.push(ports("", r.port));
  if (r.proto?.length)
    parts.push("(" + r.proto.map((p) => `ip proto ${p} or ip6 proto ${p}`).join(" or ") + ")");
  return parts.length ? parts.join(" and ") : "";
}

/** The derived filter, or null when every packet may matter. */
export function deriveBpf(rs: Ruleset, opts: { seeAll: boolean }): string | null {
  if (opts.seeAll || rs.defaultAction !== "allow") return null;
  const clauses: string[] = [];
  for (const r of rs.rules) {
    if (r.action === "allow") continue;
    const f = ruleFilter(r);
    if (f === "") return null; // a rule that matches everything
    clauses.push(`(${f})`);
  }
  if (clauses.length === 0) return "less 0"; // nothing can be flagged: nothing needs to reach JavaScript
  if (clauses.length > 200) return null; // keep the BPF program small; the engine filters anyway
  const escapes =
    "(ip6 and not ip6 proto 6 and not ip6 proto 17 and not ip6 proto 58) or mpls or pppoes or vlan";
  return `${clauses.join(" or ")} or ${escapes}`;
}

/** AND the user's --filter with the derived one. */
export function combineFilters(user: string | undefined, derived: string | null): string | undefined {
  if (user && derived) return `(${user}) and (${derived})`;
  return user || derived || undefined;
}
