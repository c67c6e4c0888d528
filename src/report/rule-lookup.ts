/** Rule index -> id / reason / severity for reports (index -1 is the ruleset's default action). */
import type { Ruleset, Severity } from "../rules/types.js";

/** What reports need to know about the rule that decided a packet. */
export interface RuleLookup {
  /** Rule id ("default" for -1). */
  id(index: number): string;
  /** Reason text. */
  reason(index: number): string;
  /** Severity, "" for the default action. */
  severity(index: number): Severity | "";
}

/** Id used for the default action in reports. */
export const DEFAULT_RULE_ID = "default";

/** A RuleLookup over a loaded ruleset. Unknown indexes give "rule#<n>" and "". */
export function ruleLookup(rs: Ruleset): RuleLookup {
  return {
    id: (i) => (i === -1 ? DEFAULT_RULE_ID : (rs.rules[i]?.id ?? `rule#${i}`)),
    reason: (i) => (i === -1 ? rs.defaultReason : (rs.rules[i]?.reason ?? "")),
    severity: (i) => (i === -1 ? "" : (rs.rules[i]?.severity ?? "")),
  };
}
