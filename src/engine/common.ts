/** Helpers shared by the scan and live commands: rules loading, --home-net, report names. */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseCidrDetailed } from "../rules/addr.js";
import { formatProblem, loadRuleFile } from "../rules/load.js";
import type { Cidr, Ruleset } from "../rules/types.js";

/** A user mistake: printed as one line, exit code 2, no stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The package's root folder (works from src/ under vitest and from dist/src/ when built). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dir;
}

/** rules/default.json of the package. */
export function resolveDefaultRules(): string {
  return path.join(packageRoot(), "rules", "default.json");
}

/** Load a rule file or throw a UsageError listing every problem with its JSON path. */
export function loadRulesOrExplain(file: string): Ruleset {
  const res = loadRuleFile(file);
  if (!res.ruleset || res.problems.length > 0) {
    const lines = res.problems.map((p) => `  ${formatProblem(p)}`);
    throw new UsageError(`${file}: ${res.problems.length} problem(s) in the rule file:\n${lines.join("\n")}`);
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

/** Local time stamp for report names: 20240102-030405. */
export function reportStamp(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Create the folder an output file goes into (and its missing parents), one level at a time.
 * (Node's mkdirSync({ recursive: true }) loops forever where mkdir answers ENOENT under an existing parent,
 * as in /proc.) Throws a UsageError naming the file and the folder.
 */
export function ensureParentDir(file: string): void {
  const missing: string[] = [];
  for (let d = path.dirname(path.resolve(file)); !fs.existsSync(d);) {
    missing.push(d);
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      if (code !== "EEXIST") throw new UsageError(`${file}: cannot create the folder ${d}: ${code}`);
    }
  }
}
