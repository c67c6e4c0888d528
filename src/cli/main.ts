#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * pfw command line. Argument parsing only: every command's work lives in src/app (the use cases). Commands are imported lazily so `pfw --help` stays fast and a
 * missing optional part (e.g. libpcap for live capture) only affects the command that needs it.
 * The shebang gives V8 a 4 MB young generation (default 16 MB): pfw's hot paths allocate almost nothing,
 * so this costs no speed and keeps peak memory lower (a 1,000,000-flow scan). Needs `env -S` (coreutils
 * 8.30+, macOS, BSDs); `node dist/src/cli/main.js` runs with node's defaults.
 */
import { Command, CommanderError } from "commander";
import { terminalSafeLines } from "../app/terminal.js";

const args = process.argv.slice(2);
// commander recognises -V/--version anywhere on the line (`pfw scan --version` too); help does not show it
const wantsVersion = args.includes("-V") || args.includes("--version");

const program = new Command();
program
  .name("pfw")
  .description(
    "Personal firewall and packet-capture analysis: scan captures against rules, watch interfaces live, enforce with nftables.",
  )
  .version(wantsVersion ? (await import("../app/paths.js")).packageVersion() : "")
  .showHelpAfterError("(run with --help for usage)")
  // usage errors exit 2 (1 means "something was flagged"); see the catch below
  .exitOverride();

/** Command modules, in help order, with the command names each registers. */
const COMMANDS: [names: string[], load: () => Promise<(program: Command) => void>][] = [
  [["packets"], async () => (await import("./packets.js")).registerPacketsCommand],
  [["scan"], async () => (await import("./scan.js")).registerScanCommand],
  [["interfaces", "live"], async () => (await import("./live.js")).registerLiveCommands],
  [["rules"], async () => (await import("./rules.js")).registerRulesCommands],
  [["enforce"], async () => (await import("./enforce.js")).registerEnforceCommands],
];
// Start-up: when the first argument names a command, only that command's module is loaded (its parsing
// and help are the same either way); `pfw --version` loads none; anything else (--help, help, a typo)
// registers every command. Command modules import their work (src/engine, src/rules, src/enforce) only
// inside their actions, so registering a command costs little.
const first = args[0] ?? "";
const versionOnly = first === "-V" || first === "--version";
const known = COMMANDS.some(([names]) => names.includes(first));
for (const [names, load] of COMMANDS) {
  if (versionOnly) break;
  if (!known || names.includes(first)) (await load())(program);
}

// `pfw scan ... | head -1`: a reader that goes away must not turn into an EPIPE stack trace; the reports
// are still written and the exit code is the scan's.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e;
});

program.parseAsync(process.argv).catch((e: unknown) => {
  const err = e as Error & { code?: string; exitCode?: number };
  if (err instanceof CommanderError) {
    // commander printed the problem (unknown option, missing argument, bad choice) or the help / version
    process.exitCode = err.exitCode === 0 ? 0 : 2;
    return;
  }
  process.stderr.write(`pfw: ${terminalSafeLines(err.message)}\n`);
  if (process.env.PFW_DEBUG) process.stderr.write(`${err.stack}\n`);
  process.exitCode = 2;
});
