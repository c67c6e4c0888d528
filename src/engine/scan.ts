/**
 * `pfw scan`: read captures (files, folders, gzip) through the shared Engine and write the reports.
 * Nothing already processed is lost: a broken capture is read up to the break, the reports are
 * still written, and the exit code says 2.
 */
import fs from "node:fs";
import path from "node:path";
import { readCaptureFile } from "../capture/reader.js";
import type { CaptureRecord } from "../capture/types.js";
import type { ScanCliOptions } from "../cli/scan.js";
import { Engine } from "./engine.js";
import {
  ensureParentDir,
  loadRulesOrExplain,
  parseHomeNet,
  reportStamp,
  resolveDefaultRules,
  UsageError,
} from "./common.js";
import { Progress } from "./progress.js";

/** Exit codes of scan (and live). */
export const EXIT_OK = 0;
export const EXIT_FLAGGED = 1;
export const EXIT_ERROR = 2;

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

/** Run `pfw scan` with parsed CLI options; returns the exit code. */
export async function runScanCli(inputs: string[], opts: ScanCliOptions): Promise<number> {
  const err = (s: string): void => void process.stderr.write(`pfw: ${s}\n`);
  try {
    const rulesPath = opts.rules ?? resolveDefaultRules();
    const ruleset = loadRulesOrExplain(rulesPath);
    const homeNet = parseHomeNet(opts.homeNet);
    const maxFlows = Number(opts.maxFlows);
    if (!Number.isInteger(maxFlows) || maxFlows < 1)
      throw new UsageError(`--max-flows: "${opts.maxFlows}" is not a positive integer`);

    const { files, errors: inputErrors } = expandInputs(inputs);
    for (const e of inputErrors) err(e.message);

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

    const engine = new Engine({
      ruleset,
      homeNet,
      maxFlows,
      outputs: {
        csvPath,
        jsonPath,
        logPath,
        jsonlPath: opts.jsonl ?? null,
        writeFlaggedPath: opts.writeFlagged ?? null,
        allFlows: opts.allFlows ?? false,
      },
      fastPath: opts.fastPath !== false,
    });
    for (const e of inputErrors)
      engine.summary.addError({ file: e.input, code: "INPUT", offset: null, message: e.message });

    let hadError = inputErrors.length > 0;
    for (const file of files) {
      const fileIndex = engine.addFile(file);
      const progress = new Progress(file, opts.progress !== false);
      try {
        const res = await readCaptureFile(file, (rec: CaptureRecord) => engine.handle(rec, fileIndex), {
          onProgress: (done, total) => progress.update(done, total),
        });
        progress.done();
        if (res.error) {
          hadError = true;
          err(`${res.error.message} (${res.packets} packets before it were read and reported)`);
          engine.summary.addError({
            file,
            code: res.error.code,
            offset: res.error.offset,
            message: res.error.message,
          });
        }
      } catch (e) {
        progress.done();
        hadError = true;
        const msg = (e as Error).message;
        err(msg);
        engine.summary.addError({
          file,
          code: (e as NodeJS.ErrnoException).code ?? "IO",
          offset: null,
          message: msg,
        });
      }
    }

    const result = engine.finish();
    if (opts.format === "table") {
      process.stdout.write(result.tableText + "\n" + result.summaryText);
    } else if (opts.format === "csv") {
      process.stdout.write(fs.readFileSync(csvPath));
    } else if (jsonPath) {
      process.stdout.write(fs.readFileSync(jsonPath));
    }
    const written = [`CSV report: ${csvPath}`, `log: ${logPath}`];
    if (jsonPath && opts.format !== "json") written.push(`JSON: ${jsonPath}`);
    if (opts.jsonl) written.push(`JSON lines: ${opts.jsonl}`);
    if (opts.writeFlagged) {
      written.push(`flagged packets: ${opts.writeFlagged} (${result.flaggedWritten} written)`);
      if (result.flaggedSkipped)
        err(
          `${result.flaggedSkipped} flagged packets of a second link type were not written to ${opts.writeFlagged}`,
        );
    }
    process.stderr.write(written.join("\n") + "\n");
    if (hadError) return EXIT_ERROR;
    return result.flaggedFlows > 0 || result.flaggedPackets > 0 ? EXIT_FLAGGED : EXIT_OK;
  } catch (e) {
    if (e instanceof UsageError) {
      err(e.message);
      return EXIT_ERROR;
    }
    throw e;
  }
}
