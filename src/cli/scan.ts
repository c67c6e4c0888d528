/** `pfw scan`: argument parsing and printing only; the work is src/app/scan.ts. */
import { Command, Option } from "commander";
import type { ScanOptions } from "../app/scan.js";
import { abandonAllOutputs, terminalSafeLines } from "../app/terminal.js";

/** Options of `pfw scan` after parsing. */
export type ScanCliOptions = ScanOptions;

/** Register `pfw scan FILE...`. */
export function registerScanCommand(program: Command): void {
  program
    .command("scan")
    .description(
      "read captures (files or folders; pcap, pcapng, gzip), apply the rules, follow flows and report flagged flows",
    )
    .argument("<file...>", "capture files or folders (- reads a capture from standard input)")
    .option("-r, --rules <file>", "rule file, legacy allow/block or native (default: rules/default.json)")
    .option(
      "--home-net <cidrs>",
      "comma-separated home networks for rule directions, e.g. 192.168.1.0/24,fd00::/8",
    )
    .addOption(
      new Option("-f, --format <format>", "what to print on stdout")
        .choices(["table", "csv", "json"])
        .default("table"),
    )
    .option("-o, --out <path>", "flagged-flow CSV report path (default: reports/<capture>-<time>.csv)")
    .option("--all-flows", "report every flow, not only flagged ones")
    .option("--json <path>", "also write the machine-readable result (summary + flows) as JSON")
    .option("--jsonl <path>", "write flagged packets as JSON lines (EVE-like)")
    .option("--log <path>", "suspicious-packets log path (default: next to the CSV report, .log)")
    .option("--write-flagged <path>", "save the flagged packets as a pcap capture")
    .option("--max-flows <n>", "flow table size; older flows are written out when full", "1000000")
    .option("--no-progress", "no progress bar on stderr")
    .option(
      "--no-fast-path",
      "decode every packet fully, without the per-flow fast path (slower; for verification)",
    )
    .addHelpText(
      "after",
      "\nExit codes: 0 nothing flagged, 1 something flagged, 2 error (bad input, truncated capture; 2 wins over 1).",
    )
    .action(async (files: string[], opts: ScanCliOptions) => {
      process.exitCode = await runScanCli(files, opts);
    });
}

/** Columns of the terminal the table is printed to: $COLUMNS, else the TTY's width, else no limit (0). */
export function terminalWidth(): number {
  const env = Number(process.env.COLUMNS);
  if (Number.isInteger(env) && env > 0) return env;
  return process.stdout.isTTY ? (process.stdout.columns ?? 0) : 0;
}

/** Run `pfw scan` with parsed options: print the table / CSV / JSON and what was written; returns the exit code. */
export async function runScanCli(inputs: string[], opts: ScanCliOptions): Promise<number> {
  const err = (s: string): void => void process.stderr.write(`pfw: ${terminalSafeLines(s)}\n`);
  const [{ runScan }, { UsageError }, { EXIT_ERROR, EXIT_INTERRUPTED, EXIT_TERMINATED }, { Progress }] =
    await Promise.all([
      import("../app/scan.js"),
      import("../app/errors.js"),
      import("../app/exit.js"),
      import("./progress.js"),
    ]);
  // Ctrl-C / SIGTERM: stop reading, end every flow, write the reports marked interrupted, exit 130 / 143.
  // A second signal exits at once; files not yet committed are removed (none is left half-written).
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (sig: "SIGINT" | "SIGTERM") => (): void => {
    if (++signals > 1) {
      abandonAllOutputs();
      err(`${sig} again: exiting at once, reports not written`);
      process.exit(sig === "SIGINT" ? EXIT_INTERRUPTED : EXIT_TERMINATED);
    }
    stop.abort(sig);
  };
  const onInt = onSignal("SIGINT");
  const onTerm = onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    const o = await runScan(
      inputs,
      { ...opts, tableWidth: terminalWidth() },
      {
        warn: err,
        progress: (file) => new Progress(file, true),
        signal: stop.signal,
      },
    );
    const result = o.result;
    // -f csv and -f json were streamed to stdout by their sinks; -o - makes the CSV the whole stdout
    if (opts.format === "table" && o.csvPath !== "-")
      process.stdout.write(result.tableText + "\n" + result.summaryText);
    const failed = (p: string): boolean => result.writeErrors.some((w) => w.startsWith(`${p}: `));
    const written: string[] = [];
    if (o.csvPath !== "-" && !failed(o.csvPath)) written.push(`CSV report: ${o.csvPath}`);
    if (o.logPath !== "-" && !failed(o.logPath)) written.push(`log: ${o.logPath}`);
    if (o.jsonPath && o.jsonPath !== "-" && !failed(o.jsonPath)) written.push(`JSON: ${o.jsonPath}`);
    if (o.jsonlPath && o.jsonlPath !== "-" && !failed(o.jsonlPath))
      written.push(`JSON lines: ${o.jsonlPath}`);
    if (o.writeFlaggedPath) {
      written.push(`flagged packets: ${o.writeFlaggedPath} (${result.flaggedWritten} written)`);
      if (result.flaggedSkipped)
        err(
          `${result.flaggedSkipped} flagged packets of a second link type were not written to ${o.writeFlaggedPath}`,
        );
    }
    for (const w of result.writeErrors) err(w);
    process.stderr.write(terminalSafeLines(written.join("\n")) + "\n");
    if (o.interrupted !== null) {
      err(
        `${o.interrupted}: stopped early; the reports hold the ${result.summary.packets} packets read before it (marked "complete": false)`,
      );
      return o.interrupted === "SIGTERM" ? EXIT_TERMINATED : EXIT_INTERRUPTED;
    }
    return o.exitCode;
  } catch (e) {
    if (e instanceof UsageError) {
      err(e.message);
      return EXIT_ERROR;
    }
    throw e;
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
}
