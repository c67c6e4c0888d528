/** Where pfw's own files are (package root, default rules) and where reports go by default. */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "./errors.js";

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

/** pfw's version from package.json. */
export function packageVersion(): string {
  const text = fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8");
  return (JSON.parse(text) as { version: string }).version;
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
