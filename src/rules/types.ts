/**
 * Typed rules after validation. Both rule-file formats (the original project's legacy
 * allow/block file and pfw's native ordered list) load into a Ruleset; everything after
 * loading (compiler, reference interpreter, enforcement) works on this shape only.
 */

import type { Cidr } from "../net/addr.js";

/** What a rule does with a matching packet. */
export type Action = "allow" | "block" | "alert" | "log";

/**
 * Packet verdicts. block -> BLOCKED, allow -> ALLOWED, alert -> ALERT,
 * log -> UNKNOWN ("not judged; record it for review", which is what the original
 * project did with packets no rule covered).
 */
export type Verdict = "BLOCKED" | "ALLOWED" | "ALERT" | "UNKNOWN";

/** Verdict of each action. */
export const ACTION_VERDICT: Readonly<Record<Action, Verdict>> = {
  block: "BLOCKED",
  allow: "ALLOWED",
  alert: "ALERT",
  log: "UNKNOWN",
};

/** Default severity of each action when a rule gives none. */
export const DEFAULT_SEVERITY: Readonly<Record<Action, Severity>> = {
  block: "medium",
  alert: "medium",
  allow: "low",
  log: "low",
};

/** Default `default_reason` of native files; legacy files use the same text. */
export const DEFAULT_REASON = "no rule matched";

/** Worst-first order used for flow verdicts (a flow takes the worst verdict of its packets). */
export const VERDICT_RANK: Readonly<Record<Verdict, number>> = {
  ALLOWED: 0,
  UNKNOWN: 1,
  ALERT: 2,
  BLOCKED: 3,
};

/** How serious a match is (reports; JSON lines map it to Suricata's 1-3). */
export type Severity = "low" | "medium" | "high" | "critical";
/** Relative to the home networks: in, out, or any (see Rule.direction). */
export type Direction = "in" | "out" | "any";

/** An address block (defined with the address parsers in src/net/addr.ts). */
export type { Cidr };

/** Inclusive port range. */
export interface PortRange {
  lo: number;
  hi: number;
}

/** One validated rule. Absent match fields match everything. All present fields must match (AND). */
export interface Rule {
  /** Unique id (given, or "rule-N" for legacy/unnamed). */
  id: string;
  action: Action;
  /** Source addresses (any of). */
  src?: Cidr[];
  /** Destination addresses (any of). */
  dst?: Cidr[];
  /** TCP/UDP source ports (any of); a packet without ports never matches a port field. */
  sport?: PortRange[];
  /** TCP/UDP destination ports (any of). */
  dport?: PortRange[];
  /** TCP/UDP port on either side (any of). */
  port?: PortRange[];
  /** IP protocol numbers (any of): tcp 6, udp 17, icmp 1, icmpv6 58, or any number. */
  proto?: number[];
  /**
   * Whether the packet carries its transport header (JSON `transport_header`): true = only
   * packets whose TCP / UDP / ICMP / ICMPv6 header was decoded; false = only packets without it
   * (non-first fragments, packets cut short before it). Absent = either. Validated native files
   * use it only with `proto` limited to tcp, udp, icmp, icmpv6. It carries the legacy format's
   * meaning: "TCP" = proto 6 with the header, "6" = proto 6 without it (as Scapy names them).
   */
  transportHeader?: boolean;
  /** Relative to the home networks: in = dst in home and src not; out = src in home and dst not. */
  direction: Direction;
  severity: Severity;
  reason: string;
  /** Where the rule came from in the file, e.g. "rules[3]" or "block.ports[1]". */
  path: string;
}

/** A loaded, validated rule file. */
export interface Ruleset {
  /** "legacy" (original allow/block file) or "native". */
  format: "legacy" | "native";
  /** Ordered: first match wins. */
  rules: Rule[];
  /** Action for packets no rule matches. */
  defaultAction: Action;
  /** Reason reported with the default action. */
  defaultReason: string;
  /** IP versions the rules judge; packets of other versions (and non-IP frames) get no verdict. */
  ipVersions: (4 | 6)[];
  /** Home networks from the file (the CLI's --home-net adds to them). */
  homeNet: Cidr[];
  /** Where the ruleset was loaded from (file path), for messages and reports. Added by the rules helper. */
  source?: string;
}

/** One problem found while validating a rule file. */
export interface RuleProblem {
  /** JSON path, e.g. ["rules", 3, "dport"]. */
  path: (string | number)[];
  message: string;
}

/** CompiledRules.match() / interpretRules() result: no rule matched, the default action applies. */
export const MATCH_DEFAULT = -1;
/** match() result: no verdict (not IP, or an IP version not in ruleset.ipVersions). */
export const MATCH_NO_VERDICT = -2;

/** Result of matching one packet: the verdict and the rule that decided (-1: the default). */
export interface MatchResult {
  verdict: Verdict;
  ruleIndex: number;
}
