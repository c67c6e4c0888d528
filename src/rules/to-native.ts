/**
 * Ruleset -> native rule-file JSON (what `pfw rules convert` prints): the native form of each rule and of
 * a whole ruleset, and the diff-friendly text layout (one top-level key and one rule per line).
 * Guarantees: loading the output back (src/rules/schema.ts) gives the same decisions for every packet;
 * protocol names are the native format's (src/net/protocols.ts); pure (no I/O).
 */
import { RULE_PROTO_NAMES } from "../net/protocols.js";
import { isObject } from "./problems.js";
import type { Action, Direction, PortRange, Rule, Ruleset, Severity } from "./types.js";

/** A rule in native-file JSON form (what `pfw rules convert` prints). */
export interface NativeRuleJson {
  id: string;
  action: Action;
  src?: string | string[];
  dst?: string | string[];
  sport?: number | string | (number | string)[];
  dport?: number | string | (number | string)[];
  port?: number | string | (number | string)[];
  proto?: string | number | (string | number)[];
  transport_header?: boolean;
  direction?: Direction;
  severity: Severity;
  reason: string;
}

/** A native rule file in JSON form. */
export interface NativeFileJson {
  version: 1;
  default: Action;
  default_reason: string;
  ip_versions: (4 | 6)[];
  home_net?: string[];
  rules: NativeRuleJson[];
}

/** A list of one as its element (the native format accepts both). */
function one<T>(xs: T[]): T | T[] {
  return xs.length === 1 ? (xs[0] as T) : xs;
}

const PROTO_BY_NUMBER = new Map<number, string>(Object.entries(RULE_PROTO_NAMES).map(([k, v]) => [v, k]));

/** The native JSON form of one rule (single values unwrapped from lists). */
export function ruleToNative(rule: Rule): NativeRuleJson {
  const ports = (rs: PortRange[]): number | string | (number | string)[] =>
    one(rs.map((p) => (p.lo === p.hi ? p.lo : `${p.lo}-${p.hi}`)));
  // Key order is reading order: id, action, match fields, severity, reason.
  return {
    id: rule.id,
    action: rule.action,
    ...(rule.src ? { src: one(rule.src.map((c) => c.text)) } : {}),
    ...(rule.dst ? { dst: one(rule.dst.map((c) => c.text)) } : {}),
    ...(rule.sport ? { sport: ports(rule.sport) } : {}),
    ...(rule.dport ? { dport: ports(rule.dport) } : {}),
    ...(rule.port ? { port: ports(rule.port) } : {}),
    ...(rule.proto ? { proto: one(rule.proto.map((n) => PROTO_BY_NUMBER.get(n) ?? n)) } : {}),
    ...(rule.transportHeader !== undefined ? { transport_header: rule.transportHeader } : {}),
    ...(rule.direction !== "any" ? { direction: rule.direction } : {}),
    severity: rule.severity,
    reason: rule.reason,
  };
}

/** The native JSON form of a whole ruleset; loading it back gives the same decisions for every packet. */
export function rulesetToNative(rs: Ruleset): NativeFileJson {
  return {
    version: 1,
    default: rs.defaultAction,
    default_reason: rs.defaultReason,
    ip_versions: [...rs.ipVersions],
    ...(rs.homeNet.length > 0 ? { home_net: rs.homeNet.map((c) => c.text) } : {}),
    rules: rs.rules.map(ruleToNative),
  };
}

/** Pretty JSON for a native file: one top-level key per line and one rule per line (diff-friendly). */
export function formatNativeJson(file: NativeFileJson): string {
  const compact = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(compact).join(", ")}]`;
    if (isObject(v)) {
      return `{ ${Object.entries(v)
        .map(([k, x]) => `${JSON.stringify(k)}: ${compact(x)}`)
        .join(", ")} }`;
    }
    return JSON.stringify(v);
  };
  const lines = Object.entries(file).map(([k, v]) => {
    if (k !== "rules") return `  ${JSON.stringify(k)}: ${compact(v)}`;
    const rules = v as NativeRuleJson[];
    if (rules.length === 0) return `  "rules": []`;
    return `  "rules": [\n${rules.map((r) => `    ${compact(r)}`).join(",\n")}\n  ]`;
  });
  return `{\n${lines.join(",\n")}\n}\n`;
}
