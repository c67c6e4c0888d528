/** Rule index -> id / reason / severity for reports (index -1 is the ruleset's default action). */
import type { RuleLookup } from "../engine/sink.js";
import { ACTION_VERDICT, VERDICT_RANK, type Ruleset } from "../rules/types.js";

export type { RuleLookup } from "../engine/sink.js";

/** Id used for the default action in reports. */
export const DEFAULT_RULE_ID = "default";

/** A RuleLookup over a loaded ruleset. Unknown indexes give "rule#<n>" and "". */
export function ruleLookup(rs: Ruleset): RuleLookup {
  return {
    id: (i) => (i === -1 ? DEFAULT_RULE_ID : (rs.rules[i]?.id ?? `rule#${i}`)),
    reason: (i) => (i === -1 ? rs.defaultReason : (rs.rules[i]?.reason ?? "")),
    severity: (i) => (i === -1 ? "" : (rs.rules[i]?.severity ?? "")),
    rank: (i) => {
      const action = i === -1 ? rs.defaultAction : rs.rules[i]?.action;
      return action === undefined ? -1 : VERDICT_RANK[ACTION_VERDICT[action]];
    },
  };
}
