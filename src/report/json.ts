/**
 * The --json document, streamed to disk with bounded memory:
 *   {"summary": {"files", "packets", "flows", "packet_verdicts", "flow_verdicts", "decode_events",
 *    "errors"}, "flows": [ ...flow rows as objects (flow-row.ts rowJson)... ]}
 * Flows are written as they leave the flow table into a temporary file; close() writes PATH with the
 * summary first and the flows copied in 64 KiB chunks, then removes the temporary file. Keys and their
 * order are stable (scripts and the live report use them). Only flagged flows unless allFlows.
 * PATH "-" is standard output. The document is atomic (capture/output-file.ts): under its final name it is
 * always whole; the flows wait in a randomly named file created exclusively.
 */
import fs from "node:fs";
import crypto from "node:crypto";
import os from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import type { FlowRecord } from "../flows/table.js";
import { flowRow, isFlagged, rowJson, type FlowRow, type ReportContext } from "./flow-row.js";
import type { Summary } from "./summary.js";
import { BufferedFileWriter } from "./writer.js";

export interface JsonReportOptions {
  allFlows?: boolean;
}

/** Streams the --json document. */
export class JsonReportWriter {
  rows = 0;
  private readonly tmpPath: string;
  private tmp: BufferedFileWriter | null;
  private readonly out: BufferedFileWriter;

  constructor(
    readonly path: string,
    private readonly ctx: ReportContext,
    private readonly opts: JsonReportOptions = {},
  ) {
    // the document (atomic: under a temporary name until close), and the flows waiting for the summary in a
    // second, randomly named file created exclusively (never a fixed, guessable name): beside the document,
    // or in the system's temporary folder for stdout
    this.out = new BufferedFileWriter(path);
    const dir = path === "-" ? os.tmpdir() : dirname(resolve(path));
    const name = path === "-" ? "stdout" : basename(path);
    this.tmpPath = join(dir, `.${name}.${crypto.randomBytes(6).toString("hex")}.flows.pfw-tmp`);
    try {
      this.tmp = new BufferedFileWriter(this.tmpPath, 1 << 16, { atomic: false, mode: 0o600 });
    } catch (e) {
      this.out.abandon();
      throw e;
    }
  }

  /** The first write error (of the document or of its flows file) as a sentence, or null. */
  get errorMessage(): string | null {
    const t = this.tmp?.errorMessage ?? this.tmpError;
    return (
      this.out.errorMessage ??
      (t ? `${this.path}: cannot write: ${t.replace(/^.*?: cannot write: /, "")}` : null)
    );
  }

  private tmpError: string | null = null;

  /** Consider one flow (from onEvict). Returns true when written. */
  addFlow(f: FlowRecord): boolean {
    if (!this.opts.allFlows && !isFlagged(f.verdict)) return false;
    this.addRow(flowRow(f, this.ctx));
    return true;
  }

  /** Write an already-built row (no filtering). */
  addRow(row: FlowRow): void {
    if (!this.tmp) throw new Error("JsonReportWriter: closed");
    this.tmp.write((this.rows === 0 ? "\n" : ",\n") + rowJson(row));
    this.rows++;
  }

  /** Write the final document with the summary, commit it, and remove the flows file. */
  close(summary: Summary): void {
    if (!this.tmp) return;
    this.tmp.close();
    this.tmpError = this.tmp.errorMessage;
    this.tmp = null;
    const out = this.out;
    try {
      out.write(`{"summary":${JSON.stringify(summary.toJSON())},"flows":[`);
      const fd = fs.openSync(this.tmpPath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      try {
        const chunk = Buffer.allocUnsafe(1 << 16);
        for (;;) {
          const n = fs.readSync(fd, chunk, 0, chunk.length, null);
          if (n <= 0) break;
          out.writeBytes(chunk.subarray(0, n));
        }
      } finally {
        fs.closeSync(fd);
      }
      out.write(this.rows > 0 ? "\n]}\n" : "]}\n");
    } finally {
      fs.rmSync(this.tmpPath, { force: true });
      if (this.tmpError) out.abandon();
      else out.close();
    }
  }

  /** Remove everything (a second signal): nothing appears under the final name. */
  abandon(): void {
    this.tmp?.abandon();
    this.tmp = null;
    fs.rmSync(this.tmpPath, { force: true });
    this.out.abandon();
  }
}
