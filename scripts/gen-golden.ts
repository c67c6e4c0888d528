/**
 * Golden cases of `pfw scan` (run: `npm run golden`): regenerates test/golden/<case>/expected/ from
 * test/golden/<case>/case.json. test/scan/golden.test.ts runs the same cases and compares.
 *
 * A case is `{"description": "...", "args": ["fixtures/example.pcap", "--rules", "rules/x.json", ...]}`:
 * the arguments of `pfw scan` (paths relative to the repository root, which is the working directory
 * while a case runs). The runner adds explicit report paths, so no output holds wall-clock data:
 *   --out report.csv --json report.json --log report.log --jsonl events.jsonl --no-progress
 * and records stdout (the table and summary) as stdout.txt and the exit code as exit-code.txt.
 * The case runs in-process through the real command-line parser (src/cli/scan.ts).
 */
import { Command } from "commander";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { registerScanCommand } from "../src/cli/scan.js";

/** Repository root: parent of scripts/, or of dist/scripts/ when run compiled. */
export function goldenRepoRoot(): string {
  let root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  if (path.basename(root) === "dist") root = path.dirname(root);
  return root;
}

/** Folder of the golden cases. */
export const GOLDEN_DIR = path.join(goldenRepoRoot(), "test", "golden");

/** Files a case produces, in expected/. */
export const GOLDEN_FILES = [
  "report.csv",
  "report.json",
  "report.log",
  "events.jsonl",
  "stdout.txt",
  "exit-code.txt",
] as const;

/** A case description (case.json). */
export interface GoldenCase {
  description: string;
  args: string[];
}

/** Names of the cases (folders of test/golden holding a case.json), sorted. */
export function goldenCases(): string[] {
  return fs
    .readdirSync(GOLDEN_DIR)
    .filter((n) => fs.existsSync(path.join(GOLDEN_DIR, n, "case.json")))
    .sort();
}

/** Read a case's case.json. */
export function readCase(name: string): GoldenCase {
  return JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, name, "case.json"), "utf8")) as GoldenCase;
}

/**
 * Run one case's `pfw scan` in-process with the repository root as working directory; returns the
 * content of every GOLDEN_FILES entry. The reports go to a temporary folder, whose path must not appear
 * in any output.
 */
export async function runGoldenCase(name: string): Promise<Record<string, string>> {
  const c = readCase(name);
  const root = goldenRepoRoot();
  const tmpAbs = fs.mkdtempSync(path.join(os.tmpdir(), `pfw-golden-${name}-`));
  const prevCwd = process.cwd();
  const prevExit = process.exitCode;
  const outWrite = process.stdout.write.bind(process.stdout);
  const errWrite = process.stderr.write.bind(process.stderr);
  let stdout = "";
  try {
    process.chdir(root);
    // outputs go to a temporary folder; the CLI sees them by absolute path (names are not in the outputs)
    const out = (f: string): string => path.join(tmpAbs, f);
    process.stdout.write = ((s: string | Uint8Array): boolean => {
      stdout += typeof s === "string" ? s : Buffer.from(s).toString("utf8");
      return true;
    }) as typeof process.stdout.write;
    process.stderr.write = ((): boolean => true) as typeof process.stderr.write;
    process.exitCode = 0;
    const program = new Command().exitOverride();
    registerScanCommand(program);
    await program.parseAsync([
      "node",
      "pfw",
      "scan",
      ...c.args,
      "--out",
      out("report.csv"),
      "--json",
      out("report.json"),
      "--log",
      out("report.log"),
      "--jsonl",
      out("events.jsonl"),
      "--no-progress",
    ]);
    const code = Number(process.exitCode ?? 0);
    const res: Record<string, string> = {};
    for (const f of GOLDEN_FILES) {
      if (f === "stdout.txt") res[f] = stdout;
      else if (f === "exit-code.txt") res[f] = `${code}\n`;
      else res[f] = fs.existsSync(out(f)) ? fs.readFileSync(out(f), "utf8") : "";
    }
    for (const [f, text] of Object.entries(res)) {
      if (text.includes(tmpAbs)) throw new Error(`${name}: ${f} contains the temporary output path`);
    }
    return res;
  } finally {
    process.stdout.write = outWrite;
    process.stderr.write = errWrite;
    process.exitCode = prevExit;
    process.chdir(prevCwd);
    fs.rmSync(tmpAbs, { recursive: true, force: true });
  }
}

/** Regenerate every case's expected/ folder; returns the case names. */
export async function regenerateGolden(): Promise<string[]> {
  const names = goldenCases();
  for (const name of names) {
    const res = await runGoldenCase(name);
    const dir = path.join(GOLDEN_DIR, name, "expected");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, text] of Object.entries(res)) fs.writeFileSync(path.join(dir, f), text);
  }
  return names;
}

const invoked =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  const names = await regenerateGolden();
  for (const n of names) console.log(`test/golden/${n}/expected/  (${readCase(n).description})`);
}
