/**
 * The flow reports as one engine sink: every flow leaving the flow table goes to the summary, the CSV,
 * the JSON document and the terminal table, with the flow's row (uid, Community ID, address text) built
 * at most once. close() finishes the CSV and then the JSON document (which needs the final summary).
 */
import type { Sink } from "../engine/sink.js";
import type { FlowRecord } from "../flows/table.js";
import type { FlowCsvWriter } from "./csv.js";
import { flowRow, isFlagged, type FlowRow, type ReportContext } from "./flow-row.js";
import type { JsonReportWriter } from "./json.js";
import type { Summary } from "./summary.js";
import type { FlaggedFlowTable } from "./table.js";

export interface FlowReportSinks {
  summary?: Summary | null;
  /** CSV writers (a file, and stdout with --format csv). */
  csv?: FlowCsvWriter | readonly FlowCsvWriter[] | null;
  /** JSON documents (a file, and stdout with --format json). */
  json?: JsonReportWriter | readonly JsonReportWriter[] | null;
  table?: FlaggedFlowTable | null;
  /** CSV and JSON get every flow, not only flagged ones (--all-flows). The table shows flagged flows only. */
  allFlows?: boolean;
}

/** Summary, CSV, JSON and terminal table fed from flow ends. */
export class FlowReports implements Sink {
  private readonly csvs: readonly FlowCsvWriter[];
  private readonly jsons: readonly JsonReportWriter[];

  constructor(
    private readonly ctx: ReportContext,
    private readonly sinks: FlowReportSinks,
  ) {
    this.csvs = list(sinks.csv);
    this.jsons = list(sinks.json);
  }

  /** Account one flow leaving the flow table. */
  onFlowEnd(f: FlowRecord): void {
    const s = this.sinks;
    s.summary?.addFlow(f);
    const flagged = isFlagged(f.verdict);
    let row: FlowRow | undefined;
    if ((this.csvs.length > 0 || this.jsons.length > 0) && (flagged || s.allFlows)) {
      row = flowRow(f, this.ctx);
      for (const c of this.csvs) c.addRow(row);
      for (const j of this.jsons) j.addRow(row);
    }
    if (flagged) s.table?.addFlow(f, row);
  }

  /** Finish the CSVs, then the JSON documents with the final summary. */
  close(): void {
    const errors: unknown[] = [];
    for (const c of this.csvs) {
      try {
        c.close();
      } catch (e) {
        errors.push(e);
      }
    }
    const summary = this.sinks.summary;
    for (const j of this.jsons) {
      try {
        if (summary) j.close(summary);
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}

function list<T>(x: T | readonly T[] | null | undefined): readonly T[] {
  if (x === null || x === undefined) return [];
  return Array.isArray(x) ? (x as readonly T[]) : [x as T];
}
