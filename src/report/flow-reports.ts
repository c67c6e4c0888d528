/**
 * Fans every flow leaving the flow table out to the report sinks (summary, CSV, JSON, terminal table),
 * building the flow's row (uid, Community ID, address text) at most once. Use as the table's onEvict:
 *   new FlowTable({ ..., onEvict: (f) => reports.addFlow(f) })
 */
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

/** One onEvict handler for all report sinks. */
export class FlowReports {
  constructor(
    private readonly ctx: ReportContext,
    private readonly sinks: FlowReportSinks,
  ) {}

  /** Account one flow leaving the flow table. */
  addFlow(f: FlowRecord): void {
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
}
