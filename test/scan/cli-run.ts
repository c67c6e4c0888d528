/** Running the built CLI (`node dist/src/cli/main.js`) from the scan tests; argument arrays only, no shell. */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../helpers/corpus.js";

/** The built CLI. */
export const PFW_MAIN = path.join(REPO_ROOT, "dist", "src", "cli", "main.js");

/** src/ files whose dist/ output is missing or older than the source. */
function staleBuildFiles(): string[] {
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) {
        const js = path.join(REPO_ROOT, "dist", path.relative(REPO_ROOT, p)).replace(/\.ts$/, ".js");
        if (!fs.existsSync(js) || fs.statSync(js).mtimeMs < fs.statSync(p).mtimeMs)
          stale.push(path.relative(REPO_ROOT, p));
      }
    }
  };
  walk(path.join(REPO_ROOT, "src"));
  return stale;
}

/**
 * Compile dist/ with tsc when a src/ file is newer than its output (CI's `npm ci` already built it).
 * tsc emits even when some other file has a type error, so it fails only if dist/ stays stale.
 */
export function ensureBuilt(): void {
  if (staleBuildFiles().length === 0) return;
  const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    shell: false,
  });
  const stale = staleBuildFiles();
  if (stale.length > 0)
    throw new Error(
      `dist/ is stale after tsc (exit ${r.status}): ${stale.slice(0, 5).join(", ")}\n${r.stdout}`,
    );
}

/** Result of one CLI run. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `pfw ...args` with the repository root as working directory. */
export function pfw(args: string[], opts: { cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PFW_MAIN, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      shell: false,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Run `pfw ...args` with bytes on standard input and extra environment variables. */
export function pfwWith(
  args: string[],
  opts: { cwd?: string; stdin?: Uint8Array; env?: Record<string, string> } = {},
): Promise<CliResult & { stdoutBytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PFW_MAIN, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      shell: false,
      env: { ...process.env, ...(opts.env ?? {}) },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("error", reject);
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.stdin ?? Buffer.alloc(0));
    child.on("close", (code) => {
      const b = Buffer.concat(out);
      resolve({ code, stdout: b.toString("utf8"), stdoutBytes: b, stderr });
    });
  });
}
