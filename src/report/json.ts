/**
 * The --json document, streamed to disk with bounded memory:
 *   {"summary": {"files", "packets", "flows", "packet_verdicts", "flow_verdicts", "decode_events",
 *    "errors"}, "flows": [ ...flow rows as objects (flow-row.ts rowJson)... ]}
 * Flows are written as they leave the flow table into PATH.flows.tmp; close() writes PATH with the
 * summary first and the flows copied in 64 KiB chunks, then removes the temporary file. Keys and their
 * order are stable (scripts and the live report use them). Only flagged flows unless allFlows.
 * PATH "-" is standard output (the flows wait in a private temporary folder until close).
 */
import fs from "node:fs";
import os from "node:os";
import { join } from "node:path";
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
  private readonly tmpDir: string | null;
  private tmp: BufferedFileWriter | null;

  constructor(
    readonly path: string,
    private readonly ctx: ReportContext,
    private readonly opts: JsonReportOptions = {},
  ) {
    // stdout ("-"): the flows wait in a private temporary folder
    this.tmpDir = path === "-" ? fs.mkdtempSync(join(os.tmpdir(), "pfw-json-")) : null;
    this.tmpPath = this.tmpDir ? join(this.tmpDir, "flows.tmp") : `${path}.flows.tmp`;
    this.tmp = new BufferedFileWriter(this.tmpPath);
  }

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

  /** Write the final document with the summary, and remove the temporary file. */
  close(summary: Summary): void {
    if (!this.tmp) return;
    this.tmp.close();
    this.tmp = null;
    const out = new BufferedFileWriter(this.path);
    try {
      out.write(`{"summary":${JSON.stringify(summary.toJSON())},"flows":[`);
      const fd = fs.openSync(this.tmpPath, "r");
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
      out.close();
      fs.rmSync(this.tmpPath, { force: true });
      if (this.tmpDir) fs.rmSync(this.tmpDir, { recursive: true, force: true });
    }
  }
}
