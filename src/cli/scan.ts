/** `pfw scan`: argument parsing only; the work is src/engine/scan.ts. */
import { Command, Option } from "commander";

/** Options of `pfw scan` after parsing. */
export interface ScanCliOptions {
  rules?: string;
  homeNet?: string;
  format: "table" | "csv" | "json";
  out?: string;
  allFlows?: boolean;
  json?: string;
  jsonl?: string;
  log?: string;
  writeFlagged?: string;
  maxFlows: string;
  progress?: boolean;
  /** false with --no-fast-path: every packet through the full decoder, rules and flow table (reference). */
  fastPath?: boolean;
}

/** Register `pfw scan FILE...`. */
export function registerScanCommand(program: Command): void {
  program
    .command("scan")
    .description(
      "read captures (files or folders; pcap, pcapng, gzip), apply the rules, follow flows and report flagged flows",
    )
    .argument("<file...>", "capture files or folders")
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
      const { runScanCli } = await import("../engine/scan.js");
      process.exitCode = await runScanCli(files, opts);
    });
}
