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
  csv?: FlowCsvWriter | null;
  json?: JsonReportWriter | null;
  table?: FlaggedFlowTable | null;
  /** CSV and JSON get every flow, not only flagged ones (--all-flows). The table shows flagged flows only. */
  allFlows?: boolean;
}

/** Summary, CSV, JSON and terminal table fed from flow ends. */
export class FlowReports implements Sink {
  constructor(
    private readonly ctx: ReportContext,
    private readonly sinks: FlowReportSinks,
  ) {}

  /** Account one flow leaving the flow table. */
  onFlowEnd(f: FlowRecord): void {
    const s = this.sinks;
    s.summary?.addFlow(f);
    const flagged = isFlagged(f.verdict);
    let row: FlowRow | undefined;
    if ((s.csv || s.json) && (flagged || s.allFlows)) {
      row = flowRow(f, this.ctx);
      s.csv?.addRow(row);
      s.json?.addRow(row);
    }
    if (flagged) s.table?.addFlow(f, row);
  }

  /** Finish the CSV, then the JSON document with the final summary. */
  close(): void {
    const s = this.sinks;
    try {
      s.csv?.close();
    } finally {
      if (s.json && s.summary) s.json.close(s.summary);
    }
  }
}
