/** The rule-file use cases (`pfw rules check|convert`): validate and convert, printing nothing. */
import { formatNativeJson, formatProblem, loadRuleFile, rulesetToNative } from "../rules/load.js";

/** The outcome of checking one rule file. */
export interface RuleCheck {
  file: string;
  /** Problems with their JSON paths (empty: the file is valid). */
  problems: string[];
  rules: number;
  format: string;
  /** Notes that are not problems. */
  notes: string[];
}

/** Validate one rule file. */
export function checkRuleFile(file: string): RuleCheck {
  const res = loadRuleFile(file);
  if (res.ruleset === undefined)
    return { file, problems: res.problems.map(formatProblem), rules: 0, format: "", notes: [] };
  const rs = res.ruleset;
  const notes: string[] = [];
  if (rs.homeNet.length === 0 && rs.rules.some((r) => r.direction !== "any"))
    notes.push(
      `rules use "direction" but the file has no "home_net"; give --home-net (or run live) or they never match`,
    );
  return { file, problems: [], rules: rs.rules.length, format: rs.format, notes };
}

/** The native-format text of a rule file, or its problems. */
export function convertRuleFile(file: string): { text: string } | { problems: string[] } {
  const res = loadRuleFile(file);
  if (res.ruleset === undefined) return { problems: res.problems.map(formatProblem) };
  return { text: formatNativeJson(rulesetToNative(res.ruleset)) };
}
