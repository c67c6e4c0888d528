/** Loading the rule file a command was given, and the --home-net option, with one-sentence errors. */
import { parseCidrDetailed } from "../rules/addr.js";
import { formatProblem, loadRuleFile } from "../rules/load.js";
import type { Cidr, Ruleset } from "../rules/types.js";
import { UsageError } from "./errors.js";

/** Load a rule file or throw a UsageError listing every problem with its JSON path. */
export function loadRulesOrExplain(file: string): Ruleset {
  const res = loadRuleFile(file);
  if (!res.ruleset || res.problems.length > 0) {
    const lines = res.problems.map((p) => `  ${formatProblem(p)}`);
    throw new UsageError(
      `${file}: ${res.problems.length} problem(s) in the rule file:\n${lines.join("\n")}`,
      {
        file,
      },
    );
  }
  return res.ruleset;
}

/** Parse "--home-net a/b,c/d". */
export function parseHomeNet(text: string | undefined): Cidr[] {
  if (!text) return [];
  const out: Cidr[] = [];
  for (const part of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const r = parseCidrDetailed(part);
    if (!r.cidr) throw new UsageError(`--home-net: "${part}": ${r.error}`);
    out.push(r.cidr);
  }
  return out;
}

/** Addresses (text) as /32 and /128 home networks; unparsable ones are left out. */
export function addressesAsHomeNet(addrs: readonly string[]): Cidr[] {
  const out: Cidr[] = [];
  for (const a of addrs) {
    const c = parseCidrDetailed(a);
    if (c.cidr) out.push(c.cidr);
  }
  return out;
}
