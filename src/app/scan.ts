/**
 * The scan use case (`pfw scan`, and `pfw ui capture.pcap` later): read captures (files, folders, gzip)
 * through the one Engine with the standard report sinks. Prints nothing itself: problems go to
 * `hooks.warn` as they happen, the result says what was written. Nothing already processed is lost: a
 * broken capture is read up to the break, the reports are still written, and the exit code says 2.
 */
import fs from "node:fs";
import path from "node:path";
import { readCaptureFile } from "../capture/reader.js";
import type { CaptureRecord } from "../capture/types.js";
import { Engine } from "../engine/engine.js";
import type { EngineContext, Sink } from "../engine/sink.js";
import { UsageError } from "./errors.js";
import { runExitCode } from "./exit.js";
import { ReportSet, type ReportResult } from "./outputs.js";
import { ensureParentDir, reportStamp, resolveDefaultRules } from "./paths.js";
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
  /** Extra sinks (a test's, the dashboard's), attached after the standard ones. */
  sinks?: (ctx: EngineContext) => Sink[];
}

/** What a scan did. */
export interface ScanOutcome {
  exitCode: number;
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
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      errors.push({ input, message: `${input}: cannot read capture: ${why}` });
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

/** Run a scan. Throws UsageError for bad options or rules (nothing written then). */
export async function runScan(inputs: string[], opts: ScanOptions, hooks: ScanHooks): Promise<ScanOutcome> {
  const rulesPath = opts.rules ?? resolveDefaultRules();
  const ruleset = loadRulesOrExplain(rulesPath);
  const homeNet = parseHomeNet(opts.homeNet);
  const maxFlows = Number(opts.maxFlows);
  if (!Number.isInteger(maxFlows) || maxFlows < 1)
    throw new UsageError(`--max-flows: "${opts.maxFlows}" is not a positive integer`);

  const { files, errors: inputErrors } = expandInputs(inputs);
  for (const e of inputErrors) hooks.warn(e.message);

  const stamp = reportStamp();
  const base = path
    .basename(files[0] ?? inputs[0] ?? "capture")
    .replace(/\.(gz)$/, "")
    .replace(/\.[^.]+$/, "");
  const reportBase = path.join("reports", `${base}-${stamp}`);
  const csvPath = opts.out ?? `${reportBase}.csv`;
  const jsonPath = opts.json ?? (opts.format === "json" ? `${reportBase}.json` : null);
  const logPath = opts.log ?? csvPath.replace(/\.csv$/, "") + ".log";
  for (const p of [csvPath, jsonPath, logPath, opts.jsonl, opts.writeFlagged]) {
    if (p) ensureParentDir(p);
  }

  const engine = new Engine({ ruleset, homeNet, maxFlows, fastPath: opts.fastPath !== false });
  const reports = new ReportSet(engine, {
    csvPath,
    jsonPath,
    logPath,
    jsonlPath: opts.jsonl ?? null,
    writeFlaggedPath: opts.writeFlagged ?? null,
    allFlows: opts.allFlows ?? false,
  });
  for (const s of hooks.sinks?.(engine.context) ?? []) engine.addSink(s);
  for (const e of inputErrors)
    engine.addError({ file: e.input, code: "INPUT", offset: null, message: e.message });

  let hadError = inputErrors.length > 0;
  for (const file of files) {
    const fileIndex = engine.addFile(file);
    const progress = opts.progress !== false && hooks.progress ? hooks.progress(file) : null;
    try {
      const res = await readCaptureFile(file, (rec: CaptureRecord) => engine.handle(rec, fileIndex), {
        onProgress: (done, total) => progress?.update(done, total),
      });
      progress?.done();
      if (res.error) {
        hadError = true;
        hooks.warn(`${res.error.message} (${res.packets} packets before it were read and reported)`);
        engine.addError({ file, code: res.error.code, offset: res.error.offset, message: res.error.message });
      }
    } catch (e) {
      progress?.done();
      hadError = true;
      const msg = (e as Error).message;
      hooks.warn(msg);
      engine.addError({ file, code: (e as NodeJS.ErrnoException).code ?? "IO", offset: null, message: msg });
    }
  }

  engine.finish();
  const result = reports.result();
  return {
    exitCode: runExitCode(hadError, result.flaggedFlows > 0 || result.flaggedPackets > 0),
    result,
    csvPath,
    logPath,
    jsonPath,
    jsonlPath: opts.jsonl ?? null,
    writeFlaggedPath: opts.writeFlagged ?? null,
  };
}
