/**
 * Running the built CLI as an unprivileged user (uid 65534) in tests. The repository may sit under a
 * folder that user cannot enter (CI clones into a private temporary folder), so the runnable app
 * (dist/, package.json, rules/, the native addon and the production node_modules) is copied once per
 * test process into a world-readable temporary folder, removed at exit.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureBuilt, repoRoot } from "../live/cli-helpers.js";

/** setpriv prefix: uid/gid 65534, no groups, no capabilities. */
export const NOBODY = [
  "setpriv",
  "--reuid=65534",
  "--regid=65534",
  "--clear-groups",
  "--inh-caps=-all",
  "--bounding-set=-all",
];

let cached: string | null = null;

/** Path of main.js in a copy of the app that uid 65534 can read and run. */
export function nonRootMain(): string {
  if (cached && fs.existsSync(cached)) return cached;
  ensureBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pfw-nonroot-"));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  for (const p of ["dist", "package.json", "rules", path.join("native", "build")]) {
    const src = path.join(repoRoot, p);
    if (fs.existsSync(src)) fs.cpSync(src, path.join(dir, p), { recursive: true });
  }
  const ls = spawnSync("npm", ["ls", "--omit=dev", "--parseable", "--all"], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  const prefix = path.join(repoRoot, "node_modules") + path.sep;
  for (const p of (ls.stdout ?? "").split("\n")) {
    if (!p.startsWith(prefix)) continue;
    const rel = path.relative(repoRoot, p);
    if (!fs.existsSync(path.join(dir, rel))) fs.cpSync(p, path.join(dir, rel), { recursive: true });
  }
  const chmod = spawnSync("chmod", ["-R", "a+rX", dir]);
  if (chmod.status !== 0) throw new Error(`chmod -R a+rX ${dir} failed`);
  cached = path.join(dir, "dist", "src", "cli", "main.js");
  return cached;
}
