/**
 * Backend-neutral enforcement plan: which rules of a Ruleset go into the kernel, in which hook,
 * for which IP family. Both the nftables and the iptables generators render this plan, so they
 * enforce exactly the same thing.
 *
 * What is enforced (documented in README "Enforcement"):
 * - `block` rules become drops; `allow` rules that come before the last `block` become accepts
 *   (first match wins, as in `pfw scan`); allows after the last block change nothing (the chains'
 *   policy is accept) and are left out; `alert` / `log` rules and the file's `default` action are
 *   never enforced.
 * - direction `in` -> input hook, `out` -> output hook, `any` -> both. With home networks, an `in`
 *   rule only matches sources outside them (an `out` rule: destinations outside them), as in scan.
 *   `in` / `out` rules never match loopback traffic (interface lo): the machine talking to itself
 *   is neither inbound nor outbound (so "block inbound 3306" keeps a local database reachable).
 * - `transport_header` (Rule.transportHeader): false = only non-first fragments, true = only
 *   packets that are not (IPv4: fragment offset, IPv6: the fragment header's offset). In scan the
 *   field also looks at packets cut short in the capture; the kernel sees whole packets, so the
 *   fragment offset is what decides there. Note: when conntrack is active (e.g. the SSH guard's
 *   `ct state`), the kernel reassembles fragments before pfw's hooks, which then see no fragment.
 * - Field values are re-validated here (ports 0-65535, protocols 0-255, prefixes): a Ruleset built
 *   by hand cannot smuggle text into a script. Rule ids are reduced to [A-Za-z0-9._:[\]-].
 */
import { IpProto, TRANSPORT_HEADER_PROTOS } from "../net/protocols.js";
import type { Cidr, PortRange, Rule, Ruleset } from "../rules/types.js";
import { EnforceError } from "./errors.js";

/** The two hooks pfw uses. */
export type Hook = "input" | "output";

/** Verdict of an enforced rule. */
export type PlanVerdict = "accept" | "drop";

/** One enforced rule in one hook for one family (0: both families, no address match). */
export interface PlanRule {
  /** Position of the rule in the Ruleset (file order). */
  index: number;
  /** The rule id as written (not for scripts: use `label`). */
  id: string;
  /** Safe comment put into the kernel: "pfw:<index>:<sanitised id>". */
  label: string;
  verdict: PlanVerdict;
  hook: Hook;
  family: 0 | 4 | 6;
  src?: Cidr[];
  dst?: Cidr[];
  /** Only for remote peers: input -> source not in home; output -> destination not in home. */
  remoteOnly: boolean;
  /** Direction in/out: never matches loopback traffic (iif / oif "lo"): local traffic is neither. */
  notLoopback: boolean;
  proto?: number[];
  sport?: PortRange[];
  dport?: PortRange[];
  /** Either port (source or destination). */
  port?: PortRange[];
  /** true: not a non-first fragment (the transport header is there); false: a non-first fragment. */
  transportHeader?: boolean;
}

/** Options shared by both backends. */
export interface PlanOptions {
  /** Home networks added to the file's (like scan's --home-net). */
  homeNet?: Cidr[];
  /** Keep established SSH sessions (default true): accept ct established,related on sshPorts first. */
  sshGuard: boolean;
  /** Ports the SSH guard protects (default [22]). */
  sshPorts?: number[];
}

/** The full plan. */
export interface Plan {
  rules: PlanRule[];
  home4: Cidr[];
  home6: Cidr[];
  sshGuard: boolean;
  sshPorts: number[];
  /** IP families the rules judge (the ruleset's ipVersions). */
  families: (4 | 6)[];
  /** Human notes: rules left out and why (printed by the CLI as warnings). */
  notes: string[];
}

/** Comment prefix of every pfw rule in the kernel. */
export const LABEL_PREFIX = "pfw:";
/** Label of the SSH guard rules. */
export const SSH_GUARD_LABEL = "pfw:ssh-guard";
/** Label of the dynamic-block rules. */
export const DYNAMIC_LABEL = "pfw:dynamic";

/** Reduce a rule id to the characters allowed in kernel comments ([A-Za-z0-9._:[\]-], max 64). */
export function sanitizeId(id: string): string {
  const s = id.replace(/[^A-Za-z0-9._:[\]-]/g, "_").slice(0, 64);
  return s.length > 0 ? s : "_";
}

/** Parse a label back into index and sanitised id (null for labels that are not per-rule). */
export function parseLabel(label: string): { index: number; id: string } | null {
  const m = /^pfw:(\d+):(.*)$/.exec(label);
  if (!m || m[1] === undefined || m[2] === undefined) return null;
  return { index: Number(m[1]), id: m[2] };
}

function bad(rule: Rule, what: string): never {
  throw new EnforceError("BAD_RULE", `rule ${JSON.stringify(rule.id)} (${rule.path}): ${what}.`);
}

function checkCidrs(rule: Rule, list: Cidr[] | undefined, field: string): void {
  for (const c of list ?? []) {
    const max = c.version === 4 ? 32 : c.version === 6 ? 128 : -1;
    if (max < 0 || !Number.isInteger(c.prefix) || c.prefix < 0 || c.prefix > max)
      bad(rule, `${field} has a bad address`);
    const words = c.version === 4 ? [c.v4] : c.v6;
    for (const w of words)
      if (!Number.isInteger(w) || w < 0 || w > 0xffffffff) bad(rule, `${field} has a bad address`);
  }
}

function checkPorts(rule: Rule, list: PortRange[] | undefined, field: string): void {
  for (const r of list ?? []) {
    const ok = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 65535;
    if (!ok(r.lo) || !ok(r.hi) || r.lo > r.hi) bad(rule, `${field} has a bad port range`);
  }
}

/** Addresses of one family, or undefined when the field is absent. */
function ofFamily(list: Cidr[] | undefined, f: 4 | 6): Cidr[] | undefined {
  return list === undefined ? undefined : list.filter((c) => c.version === f);
}

/** Build the enforcement plan of a ruleset. Throws BAD_RULE for out-of-range field values. */
export function buildPlan(ruleset: Ruleset, opts: PlanOptions): Plan {
  const notes: string[] = [];
  const home = [...ruleset.homeNet, ...(opts.homeNet ?? [])];
  const home4 = home.filter((c) => c.version === 4);
  const home6 = home.filter((c) => c.version === 6);
  const families: (4 | 6)[] = ruleset.ipVersions.length > 0 ? [...ruleset.ipVersions].sort() : [4, 6];
  const sshPorts = opts.sshPorts ?? [22];
  for (const p of sshPorts) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) {
      throw new EnforceError("BAD_ARGUMENT", `${p} is not a valid SSH port.`);
    }
  }
  let lastBlock = -1;
  ruleset.rules.forEach((r, i) => {
    if (r.action === "block") lastBlock = i;
  });
  if (ruleset.defaultAction === "block") {
    notes.push(
      `the default action "block" is not enforced (the chains' policy stays accept, so pfw cannot lock you out).`,
    );
  }
  const rules: PlanRule[] = [];
  ruleset.rules.forEach((rule, index) => {
    checkCidrs(rule, rule.src, "src");
    checkCidrs(rule, rule.dst, "dst");
    checkPorts(rule, rule.sport, "sport");
    checkPorts(rule, rule.dport, "dport");
    checkPorts(rule, rule.port, "port");
    for (const p of rule.proto ?? [])
      if (!Number.isInteger(p) || p < 0 || p > 255) bad(rule, "proto is not 0-255");
    if (rule.transportHeader !== undefined) {
      if (typeof rule.transportHeader !== "boolean") bad(rule, "transport_header is not true or false");
      if (rule.proto === undefined || rule.proto.some((p) => !TRANSPORT_HEADER_PROTOS.includes(p)))
        bad(rule, "transport_header needs proto limited to tcp, udp, icmp, icmpv6");
    }
    if (rule.action === "alert" || rule.action === "log") {
      notes.push(`rule ${JSON.stringify(rule.id)}: "${rule.action}" rules are not enforced.`);
      return;
    }
    if (rule.action === "allow" && index > lastBlock) return; // changes nothing: policy accept
    const verdict: PlanVerdict = rule.action === "block" ? "drop" : "accept";
    const hasPorts = rule.sport !== undefined || rule.dport !== undefined || rule.port !== undefined;
    if (hasPorts && rule.transportHeader === false) {
      notes.push(
        `rule ${JSON.stringify(rule.id)}: ports with transport_header false can never match; left out.`,
      );
      return;
    }
    let proto = rule.proto;
    if (hasPorts) {
      // A packet without TCP/UDP ports never matches a port field.
      proto = (rule.proto ?? [IpProto.TCP, IpProto.UDP]).filter(
        (p) => p === IpProto.TCP || p === IpProto.UDP,
      );
      if (proto.length === 0) {
        notes.push(
          `rule ${JSON.stringify(rule.id)}: ports with no TCP/UDP protocol can never match; left out.`,
        );
        return;
      }
    }
    const hasAddr = rule.src !== undefined || rule.dst !== undefined;
    const fams: (0 | 4 | 6)[] = [];
    if (!hasAddr) {
      fams.push(families.length === 2 ? 0 : (families[0] ?? 0));
    } else {
      for (const f of families) {
        const s = ofFamily(rule.src, f);
        const d = ofFamily(rule.dst, f);
        if ((s === undefined || s.length > 0) && (d === undefined || d.length > 0)) fams.push(f);
      }
      if (fams.length === 0) {
        notes.push(`rule ${JSON.stringify(rule.id)}: no address of an enforced IP version; left out.`);
        return;
      }
    }
    const hooks: Hook[] =
      rule.direction === "in" ? ["input"] : rule.direction === "out" ? ["output"] : ["input", "output"];
    const label = `${LABEL_PREFIX}${index}:${sanitizeId(rule.id)}`;
    for (const hook of hooks) {
      for (const family of fams) {
        const pr: PlanRule = {
          index,
          id: rule.id,
          label,
          verdict,
          hook,
          family,
          remoteOnly: rule.direction !== "any" && home.length > 0,
          notLoopback: rule.direction !== "any",
        };
        if (family !== 0 && rule.src !== undefined) pr.src = ofFamily(rule.src, family);
        if (family !== 0 && rule.dst !== undefined) pr.dst = ofFamily(rule.dst, family);
        if (proto !== undefined) pr.proto = [...new Set(proto)];
        if (rule.sport !== undefined) pr.sport = rule.sport;
        if (rule.dport !== undefined) pr.dport = rule.dport;
        if (rule.port !== undefined) pr.port = rule.port;
        if (rule.transportHeader !== undefined) pr.transportHeader = rule.transportHeader;
        rules.push(pr);
      }
    }
  });
  return { rules, home4, home6, sshGuard: opts.sshGuard, sshPorts, families, notes };
}
