/**
 * Flagged-flow CSV (csv-stringify), streamed: each flow is written as it leaves the flow table, so
 * memory does not grow with the number of flows. Header: FLOW_COLUMNS (Zeek conn.log names + pfw's).
 * Only flagged flows (BLOCKED / ALERT / UNKNOWN) unless allFlows.
 */
import { stringify } from "csv-stringify/sync";
import type { FlowRecord } from "../flows/table.js";
import { FLOW_COLUMNS, flowRow, isFlagged, rowCells, type FlowRow, type ReportContext } from "./flow-row.js";
import { BufferedFileWriter } from "./writer.js";

/** The CSV header line. */
export function csvHeader(): string {
  return stringify([FLOW_COLUMNS as readonly string[] as string[]]);
}

/** One CSV line (with newline) of a row. */
export function csvLine(row: FlowRow): string {
  return stringify([rowCells(row)]);
}

export interface FlowCsvOptions {
  /** Write every flow, not only flagged ones (--all-flows). */
  allFlows?: boolean;
}

/** Streams flow rows to a CSV file. */
export class FlowCsvWriter {
  /** Rows written (header excluded). */
  rows = 0;
  private readonly out: BufferedFileWriter;

  constructor(
    path: string,
    private readonly ctx: ReportContext,
    private readonly opts: FlowCsvOptions = {},
  ) {
    this.out = new BufferedFileWriter(path);
    this.out.write(csvHeader());
  }

  /** Consider one flow (call from the flow table's onEvict). Returns true when written. */
  addFlow(f: FlowRecord): boolean {
    if (!this.opts.allFlows && !isFlagged(f.verdict)) return false;
    this.out.write(csvLine(flowRow(f, this.ctx)));
    this.rows++;
    return true;
  }

  /** Write an already-built row (no filtering). */
  addRow(row: FlowRow): void {
    this.out.write(csvLine(row));
    this.rows++;
  }

  close(): void {
    this.out.close();
  }
}
