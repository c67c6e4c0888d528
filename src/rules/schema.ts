/**
 * The rule-file schema: JSON text (or parsed JSON) -> Ruleset + every problem found, in one pass. The two
 * dialects are told apart by shape: the original project's legacy allow/block file (./legacy.ts) and pfw's
 * native ordered list (./native.ts, documented in rules/README.md).
 * Guarantees: never throws (JSON syntax errors are problems too, with line and column); a Ruleset is
 * returned only when there are no problems; unknown keys and duplicate keys are problems (typo safety);
 * each problem carries its JSON path. No node:fs and no other I/O: a browser-side rule editor validates
 * with this module; reading a file is ./file.ts.
 */
import { jsonSyntaxMessage, lineCol, scanJson } from "./json-text.js";
import { parseLegacy } from "./legacy.js";
import { parseNative } from "./native.js";
import { describe, isObject } from "./problems.js";
import type { RuleProblem, Ruleset } from "./types.js";

/** Result of loading: a ruleset when valid, and every problem found (empty when valid). */
export interface LoadResult {
  ruleset?: Ruleset;
  problems: RuleProblem[];
}

/** Parse JSON text and validate it; a syntax error is reported with its line and column. */
export function parseRulesText(text: string, source: string): LoadResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { problems: [{ path: [], message: jsonSyntaxMessage(body) }] };
  }
  const res = parseRules(json, source);
  // JSON.parse keeps the last of duplicate keys silently; a rule file with one is a mistake.
  const dups = scanJson(body).duplicates.map((d) => ({
    path: d.path,
    message: `duplicate key at ${lineCol(body, d.pos)} (JSON keeps only the last one)`,
  }));
  if (dups.length === 0) return res;
  return { problems: [...dups, ...res.problems] };
}

/** Validate parsed JSON (either format, detected by shape) into a Ruleset; collects every problem. */
export function parseRules(json: unknown, source: string): LoadResult {
  const problems: RuleProblem[] = [];
  const add = (path: (string | number)[], message: string): void => {
    problems.push({ path, message });
  };
  if (!isObject(json)) {
    add([], `a rule file must be a JSON object, not ${describe(json)}`);
    return { problems };
  }
  let ruleset: Ruleset | undefined;
  if ("rules" in json || "version" in json) ruleset = parseNative(json, add);
  else if ("allow" in json || "block" in json) ruleset = parseLegacy(json, add);
  else {
    add(
      [],
      'not a pfw rule file: expected "version" and "rules" (native format) or "allow"/"block" (legacy format)',
    );
  }
  if (problems.length > 0 || ruleset === undefined) return { problems };
  ruleset.source = source;
  return { ruleset, problems };
}
