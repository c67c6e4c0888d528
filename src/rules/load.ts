/**
 * Rule files, the entry module for everyone outside src/rules: load and validate a file (./file.ts),
 * validate text or parsed JSON (./schema.ts, no fs: also for the browser), format problems
 * (./problems.ts), convert to the native format (./to-native.ts). No code of its own.
 * Guarantees (of the modules behind it): never throws; a Ruleset only when there are no problems; every
 * problem with its JSON path.
 */
export { loadRuleFile } from "./file.js";
export { scanJson, type JsonScan } from "./json-text.js";
export { formatPath, formatProblem } from "./problems.js";
export { parseRules, parseRulesText, type LoadResult } from "./schema.js";
export {
  formatNativeJson,
  ruleToNative,
  rulesetToNative,
  type NativeFileJson,
  type NativeRuleJson,
} from "./to-native.js";
export { DEFAULT_REASON, DEFAULT_SEVERITY } from "./types.js";
