/**
 * The standard report sinks of `pfw scan` and `pfw live`, attached to an engine from a list of paths:
 * flow reports (summary, CSV, JSON, terminal table), the suspicious-packets log and JSON lines, and the
 * flagged-packets pcap. Each is an engine sink (src/engine/sink.ts); a caller adds its own sinks beside them.
 */
import type { Engine } from "../engine/engine.js";
import { FlowCsvWriter } from "../report/csv.js";
import { FlaggedPcapSink } from "../report/flagged-pcap.js";
import { FlowReports } from "../report/flow-reports.js";
import { JsonReportWriter } from "../report/json.js";
import { PacketLog } from "../report/packet-log.js";
import { Summary } from "../report/summary.js";
import { FlaggedFlowTable, renderSummary } from "../report/table.js";

/** Where the reports go. Every path is optional. */
export interface ReportOutputs {
  csvPath?: string | null;
  jsonPath?: string | null;
  logPath?: string | null;
  jsonlPath?: string | null;
  writeFlaggedPath?: string | null;
  /** Also write the CSV report to standard output (--format csv). */
  stdoutCsv?: boolean;
  /** Also write the JSON document to standard output (--format json). */
  stdoutJson?: boolean;
  /** Link type of the --write-flagged file when nothing is flagged (default: Ethernet). */
  flaggedLinktype?: () => number;
  /** pfw live: the log and JSON lines are written at their final names as they grow, flushed each second. */
  streaming?: boolean;
  /** Report every flow in CSV/JSON, not only flagged ones. */
  allFlows?: boolean;
  /** Rows of the terminal table (default 50). */
  tableRows?: number;
}

/** What a finished run's reports say, for the CLI. */
export interface ReportResult {
  summary: Summary;
  tableText: string;
  summaryText: string;
  flaggedFlows: number;
  flaggedPackets: number;
  flaggedWritten: number;
  flaggedSkipped: number;
  /** Outputs that could not be written, one sentence each naming the file (those files are not committed). */
  writeErrors: string[];
}

/** The standard sinks of one run. */
export class ReportSet {
  readonly summary: Summary;
  readonly table: FlaggedFlowTable;
  readonly log: PacketLog | null;
  readonly flaggedPcap: FlaggedPcapSink | null;
  private readonly csvs: FlowCsvWriter[] = [];
  private readonly jsons: JsonReportWriter[] = [];

  /** Create the report files (opened now) and attach their sinks to the engine, flow reports first. */
  constructor(engine: Engine, o: ReportOutputs) {
    const ctx = engine.context;
    this.summary = new Summary(engine.counters);
    const allFlows = o.allFlows ?? false;
    const csv = this.csvs;
    const json = this.jsons;
    this.table = new FlaggedFlowTable(ctx, o.tableRows ?? 50);
    let log: PacketLog | null = null;
    try {
      // every file is opened now (under temporary names), so a bad output fails before the first packet
      if (o.csvPath) csv.push(new FlowCsvWriter(o.csvPath, ctx, { allFlows }));
      if (o.stdoutCsv && o.csvPath !== "-") csv.push(new FlowCsvWriter("-", ctx, { allFlows }));
      if (o.jsonPath) json.push(new JsonReportWriter(o.jsonPath, ctx, { allFlows }));
      if (o.stdoutJson && o.jsonPath !== "-") json.push(new JsonReportWriter("-", ctx, { allFlows }));
      log =
        o.logPath || o.jsonlPath
          ? new PacketLog(
              {
                textPath: o.logPath ?? null,
                jsonlPath: o.jsonlPath ?? null,
                streaming: o.streaming === true,
              },
              ctx,
            )
          : null;
    } catch (e) {
      for (const c of csv) c.abandon();
      for (const j of json) j.abandon();
      throw e;
    }
    this.log = log;
    try {
      this.flaggedPcap = o.writeFlaggedPath
        ? new FlaggedPcapSink(o.writeFlaggedPath, o.flaggedLinktype)
        : null;
    } catch (e) {
      for (const c of csv) c.abandon();
      for (const j of json) j.abandon();
      log?.abandon();
      throw e;
    }
    engine.addSink(new FlowReports(ctx, { summary: this.summary, csv, json, table: this.table, allFlows }));
    if (this.log) engine.addSink(this.log);
    if (this.flaggedPcap) engine.addSink(this.flaggedPcap);
  }

  /** Remove every file not yet committed (a second signal: nothing half-written under a final name). */
  abandon(): void {
    for (const c of this.csvs) c.abandon();
    for (const j of this.jsons) j.abandon();
    this.log?.abandon();
    this.flaggedPcap?.abandon();
  }

  /** Write errors of every output, one sentence each. */
  writeErrors(): string[] {
    return [
      ...this.csvs.map((c) => c.errorMessage),
      ...this.jsons.map((j) => j.errorMessage),
      ...(this.log?.errorMessages ?? []),
      this.flaggedPcap?.errorMessage ?? null,
    ].filter((m): m is string => !!m);
  }

  /** The result after engine.finish(); tableWidth > 0 fits the table to that many columns. */
  result(tableWidth = 0): ReportResult {
    const s = this.summary;
    return {
      summary: s,
      tableText: this.table.render(tableWidth),
      summaryText: renderSummary(s, 5, tableWidth),
      flaggedFlows: this.table.flagged,
      flaggedPackets: s.counters.flaggedPackets,
      flaggedWritten: this.flaggedPcap?.written ?? 0,
      flaggedSkipped: this.flaggedPcap?.skipped ?? 0,
      writeErrors: this.writeErrors(),
    };
  }
}

/** The live console sink (flagged packets as log lines, rate-limited), for a front end to attach. */
export { ConsoleSink, CONSOLE_LINES_PER_SEC } from "../report/console.js";
