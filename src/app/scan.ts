/**
 * The scan use case (`pfw scan`, and `pfw ui capture.pcap` later): read captures (files, folders, gzip)
 * through the one Engine with the standard report sinks. Prints nothing itself: problems go to
 * `hooks.warn` as they happen, the result says what was written. Nothing already processed is lost: a
 * broken capture is read up to the break, the reports are still written, and the exit code says 2.
 */
import fs from "node:fs";
import path from "node:path";
import { readCaptureFile, readCaptureStream } from "../capture/reader.js";
import type { CaptureRecord } from "../capture/types.js";
import os from "node:os";
import { Engine, type EngineOptions } from "../engine/engine.js";
import type { EngineContext, Sink } from "../engine/sink.js";
import { UsageError } from "./errors.js";
import { runExitCode } from "./exit.js";
import { ReportSet, type ReportOutputs, type ReportResult } from "./outputs.js";
import { OutputError } from "../capture/output-file.js";
import { ioReason } from "./errno.js";
import {
  checkOutputs,
  reportStamp,
  reserveReportStem,
  resolveDefaultRules,
  type OutputSpec,
} from "./paths.js";
import { loadRulesOrExplain, parseHomeNet } from "./rules-file.js";

/** Options of a scan (the CLI's options after parsing). */
export interface ScanOptions {
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
  /** Fit the terminal table to this many columns (0: no limit). */
  tableWidth?: number;
  /** false with --no-fast-path: every packet through the full decoder, rules and flow table (reference). */
  fastPath?: boolean;
}

/** A progress display for one file. */
export interface ScanProgress {
  update(done: number, total: number): void;
  done(): void;
}

/** How a scan talks to its front end. */
export interface ScanHooks {
  /** A problem (the scan goes on). */
  warn(message: string): void;
  /** A progress display for a file (called only when opts.progress is not false). */
  progress?(file: string): ScanProgress;
  /** Aborted (Ctrl-C, SIGTERM): stop reading, end every flow, write the reports marked interrupted. */
  signal?: AbortSignal;
  /** Extra sinks (a test's, the dashboard's), attached after the standard ones. */
  sinks?: (ctx: EngineContext) => Sink[];
}

/** What a scan did. */
export interface ScanOutcome {
  exitCode: number;
  /** Why the scan stopped early (e.g. "SIGTERM"), or null. */
  interrupted: string | null;
  reports: ReportSet;
  result: ReportResult;
  csvPath: string;
  logPath: string;
  jsonPath: string | null;
  jsonlPath: string | null;
  writeFlaggedPath: string | null;
}

/** Expand folders (one level, sorted) into the capture files inside them. */
export function expandInputs(inputs: string[]): {
  files: string[];
  errors: { input: string; message: string }[];
} {
  const files: string[] = [];
  const errors: { input: string; message: string }[] = [];
  for (const input of inputs) {
    let st: fs.Stats;
    try {
      st = fs.statSync(input);
    } catch (e) {
      errors.push({ input, message: `${input}: cannot read capture: ${ioReason(e)}` });
      continue;
    }
    if (!st.isDirectory()) {
      files.push(input);
      continue;
    }
    const inside = fs
      .readdirSync(input)
      .sort()
      .map((n) => path.join(input, n))
      .filter((p) => fs.statSync(p).isFile() && looksLikeCapture(p));
    if (inside.length === 0)
      errors.push({ input, message: `${input}: folder holds no pcap, pcapng or gzip capture` });
    files.push(...inside);
  }
  return { files, errors };
}

/** By magic, never by name: pcap (all variants), pcapng, or gzip. */
export function looksLikeCapture(p: string): boolean {
  const fd = fs.openSync(p, "r");
  try {
    const b = Buffer.alloc(4);
    if (fs.readSync(fd, b, 0, 4, 0) < 4) return false;
    const be = b.readUInt32BE(0);
    const le = b.readUInt32LE(0);
    const magics = [0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34, 0x0a0d0d0a];
    return magics.includes(be) || magics.includes(le) || (b[0] === 0x1f && b[1] === 0x8b);
  } finally {
    fs.closeSync(fd);
  }
}

/** Bytes of flow table per flow of --max-flows, allocated up front (src/flows/store.ts: about 130). */
const FLOW_TABLE_BYTES_PER_FLOW = 130;

/** The engine, or a UsageError when the flow table of maxFlows flows cannot be allocated. */
function makeEngine(opts: EngineOptions, maxFlowsText: string): Engine {
  const need = (opts.maxFlows ?? 0) * FLOW_TABLE_BYTES_PER_FLOW;
  const gb = (n: number): string => `${(n / 1e9).toFixed(1)} GB`;
  const refuse = (): UsageError =>
    new UsageError(
      `--max-flows ${maxFlowsText}: a flow table that size needs about ${gb(need)} of memory, which cannot be had ` +
        `here (this machine has ${gb(os.totalmem())}); use a smaller number (the default 1000000 needs about 130 MB)`,
    );
  if (need > os.totalmem() * 0.75) throw refuse();
  try {
    return new Engine(opts);
  } catch (e) {
    if (e instanceof RangeError) throw refuse();
    throw e;
  }
}

/** Standard input as a capture: `pfw scan -`. */
const STDIN = "-";

/** Run a scan. Throws UsageError for bad options, rules or outputs (then nothing is written). */
export async function runScan(inputs: string[], opts: ScanOptions, hooks: ScanHooks): Promise<ScanOutcome> {
  const rulesPath = opts.rules ?? resolveDefaultRules();
  const ruleset = loadRulesOrExplain(rulesPath);
  const homeNet = parseHomeNet(opts.homeNet);
  const maxFlows = Number(opts.maxFlows);
  if (!Number.isInteger(maxFlows) || maxFlows < 1)
    throw new UsageError(`--max-flows: "${opts.maxFlows}" is not a positive integer`);
  if (inputs.filter((i) => i === STDIN).length > 1)
    throw new UsageError(`"-" (standard input) can be given only once`);

  // the flow table is allocated first: a --max-flows too big for memory is refused before anything is written
  const engine = makeEngine({ ruleset, homeNet, maxFlows, fastPath: opts.fastPath !== false }, opts.maxFlows);
  const { files, errors: inputErrors } = expandInputs(inputs.filter((i) => i !== STDIN));
  if (inputs.includes(STDIN)) files.splice(inputs.slice(0, inputs.indexOf(STDIN)).length, 0, STDIN);

  // Outputs: the explicit ones are checked before anything is read or created; default names in reports/
  // are reserved (created empty, exclusively) so no two runs share them.
  const first = files[0] ?? inputs[0] ?? "capture";
  const base =
    first === STDIN
      ? "stdin"
      : path
          .basename(first)
          .replace(/\.(gz)$/, "")
          .replace(/\.[^.]+$/, "");
  const csvDefault = opts.out === undefined;
  // the log goes beside -o, except beside "-" or a device (/dev/null, /dev/full): then in reports/
  const logDefault = opts.log === undefined && (csvDefault || opts.out === "-" || isDevice(opts.out!));
  const explicit: OutputSpec[] = [];
  if (!csvDefault) explicit.push({ option: "-o", path: opts.out! });
  if (opts.log !== undefined) explicit.push({ option: "--log", path: opts.log });
  else if (!logDefault) explicit.push({ option: "--log (beside -o)", path: logBeside(opts.out!) });
  if (opts.json !== undefined) explicit.push({ option: "--json", path: opts.json });
  if (opts.jsonl !== undefined) explicit.push({ option: "--jsonl", path: opts.jsonl });
  if (opts.writeFlagged !== undefined) explicit.push({ option: "--write-flagged", path: opts.writeFlagged });
  if (opts.writeFlagged === "-") throw new UsageError(`--write-flagged: give a file name (not "-")`);
  checkOutputs(explicit);
  const exts = [...(csvDefault ? [".csv"] : []), ...(logDefault ? [".log"] : [])];
  const stem =
    exts.length > 0 ? reserveReportStem(path.join("reports", `${base}-${reportStamp()}`), exts) : "";
  const csvPath = csvDefault ? `${stem}.csv` : opts.out!;
  const logPath = opts.log ?? (logDefault ? `${stem}.log` : logBeside(csvPath));
  const jsonPath = opts.json ?? null;
  for (const e of inputErrors) hooks.warn(e.message);

  let firstLinktype = -1;
  const reports = openReports(
    engine,
    explicit,
    exts.map((e) => `${stem}${e}`),
    {
      csvPath,
      jsonPath,
      logPath,
      jsonlPath: opts.jsonl ?? null,
      writeFlaggedPath: opts.writeFlagged ?? null,
      allFlows: opts.allFlows ?? false,
      stdoutCsv: opts.format === "csv",
      stdoutJson: opts.format === "json",
      flaggedLinktype: () => (firstLinktype >= 0 ? firstLinktype : 1),
    },
  );
  for (const s of hooks.sinks?.(engine.context) ?? []) engine.addSink(s);
  for (const e of inputErrors)
    engine.addError({ file: e.input, code: "INPUT", offset: null, message: e.message });

  let hadError = inputErrors.length > 0;
  const signal = hooks.signal;
  for (const file of files) {
    if (signal?.aborted) break;
    const fileIndex = engine.addFile(file);
    const progress =
      opts.progress !== false && file !== STDIN && hooks.progress ? hooks.progress(file) : null;
    try {
      const onRecord = (rec: CaptureRecord): void => {
        if (firstLinktype < 0) firstLinktype = rec.linktype;
        engine.handle(rec, fileIndex);
      };
      const res =
        file === STDIN
          ? await readCaptureStream(file, process.stdin, onRecord, signal ? { signal } : {})
          : await readCaptureFile(file, onRecord, {
              onProgress: (done, total) => progress?.update(done, total),
              ...(signal ? { signal } : {}),
            });
      progress?.done();
      if (res.error) {
        hadError = true;
        hooks.warn(`${res.error.message} (${res.packets} packets before it were read and reported)`);
        engine.addError({ file, code: res.error.code, offset: res.error.offset, message: res.error.message });
      }
    } catch (e) {
      progress?.done();
      if (file === STDIN) process.stdin.destroy(); // a pending read must not keep the process alive
      if (signal?.aborted) break;
      hadError = true;
      const code = (e as NodeJS.ErrnoException).code;
      const msg = code ? `${file}: cannot read capture: ${ioReason(e)}` : (e as Error).message;
      hooks.warn(msg);
      engine.addError({ file, code: code ?? "IO", offset: null, message: msg });
    }
  }

  if (signal?.aborted) engine.counters.interrupted = abortReason(signal);
  engine.finish();
  const result = reports.result(opts.tableWidth ?? 0);
  return {
    interrupted: engine.counters.interrupted,
    reports,
    exitCode: runExitCode(
      hadError || result.writeErrors.length > 0,
      result.flaggedFlows > 0 || result.flaggedPackets > 0,
    ),
    result,
    csvPath,
    logPath,
    jsonPath,
    jsonlPath: opts.jsonl ?? null,
    writeFlaggedPath: opts.writeFlagged ?? null,
  };
}

/** The reason an abort signal carries ("SIGINT", "SIGTERM"), or "interrupted". */
function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return typeof r === "string" ? r : "interrupted";
}

/**
 * Open the report files (every one now, under temporary names) or throw a UsageError that names the
 * option and path of the one that cannot be written; reserved default names are released then.
 */
function openReports(
  engine: Engine,
  explicit: readonly OutputSpec[],
  reserved: readonly string[],
  o: ReportOutputs,
): ReportSet {
  try {
    return new ReportSet(engine, o);
  } catch (e) {
    for (const r of reserved) fs.rmSync(r, { force: true });
    if (e instanceof OutputError) {
      const spec = explicit.find((x) => x.path === e.file);
      const reason = e.message.replace(/^.*?: cannot write: /, "");
      throw new UsageError(`${spec ? `${spec.option} ` : ""}${e.file}: cannot write there: ${reason}`);
    }
    throw e;
  }
}

/** True for an existing character device or FIFO (written directly, nothing is put beside it). */
function isDevice(p: string): boolean {
  try {
    const st = fs.statSync(p);
    return st.isCharacterDevice() || st.isFIFO();
  } catch {
    return false;
  }
}

/** The log beside a CSV path: x/r.csv -> x/r.log. */
function logBeside(csvPath: string): string {
  return csvPath.replace(/\.csv$/, "") + ".log";
}
