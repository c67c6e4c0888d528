/**
 * The one pipeline that `pfw scan` and `pfw live` both run:
 *   record -> decode -> rules -> flow table -> sinks (packet log, JSON lines, flagged pcap, CSV/JSON/table).
 * The two commands differ only in their source. Hot path (handle): no allocation per packet except
 * for flagged packets' log lines. Packets of a flow direction already seen, in the common shape, take the
 * per-flow fast path (fast-path.ts) past the decoder, the rules and the flow lookup, with the same results;
 * `fastPath: false` (pfw scan --no-fast-path) sends every packet the full way.
 *
 * Rule reloads (live): every loaded ruleset gets its own range of global rule indexes, so flows and
 * reports keep naming the rule that really decided, even after the file changed.
 */
import type { CaptureRecord } from "../capture/types.js";
import { PcapWriter } from "../capture/writer.js";
import { decodeFrame } from "../decode/frame.js";
import { DecodedPacket } from "../decode/packet.js";
import { FastPath } from "./fast-path.js";
import { FlowTable, type FlowRecord } from "../flows/table.js";
import { FlowCsvWriter } from "../report/csv.js";
import { FlowReports } from "../report/flow-reports.js";
import { JsonReportWriter } from "../report/json.js";
import { PacketLog } from "../report/packet-log.js";
import type { ReportContext } from "../report/flow-row.js";
import type { RuleLookup } from "../report/rule-lookup.js";
import { Summary } from "../report/summary.js";
import { FlaggedFlowTable, renderSummary } from "../report/table.js";
import { compileRules, type CompiledRules } from "../rules/compile.js";
import { ACTION_VERDICT, VERDICT_RANK, type Cidr, type Ruleset, type Severity } from "../rules/types.js";

/** Where the engine writes. Every path is optional. */
export interface EngineOutputs {
  csvPath?: string | null;
  jsonPath?: string | null;
  logPath?: string | null;
  jsonlPath?: string | null;
  writeFlaggedPath?: string | null;
  /** Report every flow in CSV/JSON, not only flagged ones. */
  allFlows?: boolean;
  /** Rows of the terminal table (default 50). */
  tableRows?: number;
}

export interface EngineOptions {
  ruleset: Ruleset;
  homeNet?: Cidr[];
  outputs: EngineOutputs;
  maxFlows?: number;
  idleTimeoutSec?: { tcp: number; udp: number; other: number };
  /** Called for each packet with a verdict rank >= minRank (live console). */
  onVerdict?: (pkt: DecodedPacket, rec: CaptureRecord, rank: number, ruleIndex: number) => void;
  /** Lowest rank passed to onVerdict (0 = ALLOWED too, 1 = flagged only). */
  onVerdictMinRank?: number;
  /**
   * Per-flow fast path (fast-path.ts; default true). false: every packet goes through the full decoder,
   * the rules and the flow table's lookup (the reference; results are identical, only slower).
   */
  fastPath?: boolean;
}

/** Final state of a run, for the CLI. */
export interface EngineResult {
  summary: Summary;
  tableText: string;
  summaryText: string;
  flaggedFlows: number;
  flaggedPackets: number;
  flaggedWritten: number;
  flaggedSkipped: number;
}

interface Generation {
  base: number;
  ruleset: Ruleset;
}

/** The shared scan/live pipeline. */
export class Engine {
  readonly summary = new Summary();
  readonly pkt = new DecodedPacket();
  private compiled: CompiledRules;
  /** Rank of each local match index + 1 (index 0 = default action). */
  private ranks: Int8Array;
  private base = 0;
  private readonly generations: Generation[] = [];
  private readonly flows: FlowTable;
  private readonly csv: FlowCsvWriter | null;
  private readonly json: JsonReportWriter | null;
  private readonly table: FlaggedFlowTable;
  private readonly log: PacketLog | null;
  private readonly reports: FlowReports;
  private flaggedPcap: PcapWriter | null = null;
  private flaggedLinktype = -1;
  private flaggedWritten = 0;
  private flaggedSkipped = 0;
  private readonly ctx: ReportContext;
  private readonly homeNet: Cidr[];
  private finished = false;
  private readonly fast: FastPath | null;
  /** Lowest verdict rank that needs the decoded packet (log, flagged pcap, onVerdict). */
  private readonly needPktRank: number;
  /**
   * Flagged packets need nothing but the text log (and the flagged pcap): those of a known flow direction are
   * logged from the line middle (PacketLog.middleFor) kept with their fast-path entry, without decoding.
   */
  private readonly cachedLines: boolean;

  constructor(private readonly opts: EngineOptions) {
    this.homeNet = opts.homeNet ?? [];
    this.compiled = compileRules(opts.ruleset, { homeNet: this.homeNet });
    this.ranks = ranksOf(opts.ruleset);
    this.generations.push({ base: 0, ruleset: opts.ruleset });
    this.ctx = { files: this.summary.files, rules: this.lookup() };
    const o = opts.outputs;
    this.csv = o.csvPath ? new FlowCsvWriter(o.csvPath, this.ctx, { allFlows: o.allFlows ?? false }) : null;
    this.json = o.jsonPath
      ? new JsonReportWriter(o.jsonPath, this.ctx, { allFlows: o.allFlows ?? false })
      : null;
    this.table = new FlaggedFlowTable(this.ctx, o.tableRows ?? 50);
    this.log =
      o.logPath || o.jsonlPath
        ? new PacketLog({ textPath: o.logPath ?? null, jsonlPath: o.jsonlPath ?? null }, this.ctx)
        : null;
    this.reports = new FlowReports(this.ctx, {
      summary: this.summary,
      csv: this.csv,
      json: this.json,
      table: this.table,
      allFlows: o.allFlows ?? false,
    });
    this.fast = opts.fastPath === false ? null : new FastPath();
    this.needPktRank = opts.onVerdict ? Math.min(1, opts.onVerdictMinRank ?? 1) : 1;
    this.cachedLines =
      this.fast !== null && this.log?.hasText === true && !this.log.hasJsonl && !opts.onVerdict;
    this.flows = new FlowTable({
      maxFlows: opts.maxFlows ?? 1_000_000,
      idleTimeoutSec: opts.idleTimeoutSec ?? { tcp: 3600, udp: 120, other: 120 },
      onEvict: (f) => this.onEvict(f),
    });
  }

  /** The ruleset now in force. */
  get ruleset(): Ruleset {
    return this.compiled.ruleset;
  }

  /** Flows in the table now. */
  get liveFlows(): number {
    return this.flows.size;
  }

  /** Replace the rules (live reload). Already-decided packets and flows keep their rule names. */
  setRules(ruleset: Ruleset): void {
    const compiled = compileRules(ruleset, { homeNet: this.homeNet });
    this.base += this.compiled.ruleset.rules.length;
    this.compiled = compiled;
    this.ranks = ranksOf(ruleset);
    this.generations.push({ base: this.base, ruleset });
    this.fast?.clear();
  }

  /** Packets that took the per-flow fast path so far. */
  get fastPathPackets(): number {
    return this.fast?.hits ?? 0;
  }

  /** Start a new input file; returns its index. */
  addFile(name: string): number {
    return this.summary.addFile(name);
  }

  /** Process one record. Hot path. */
  handle(rec: CaptureRecord, fileIndex: number): void {
    const fp = this.fast;
    if (fp !== null && fp.admit() && fp.parse(rec.buf, rec.off, rec.caplen, rec.linktype)) {
      const e = fp.lookup();
      if (e >= 0) {
        const flow = this.flows.updateKnown(
          fp.flowOf(e),
          fp.genOf(e),
          fp.fromOrigOf(e),
          fp.proto,
          rec.tsSec,
          rec.tsNsec,
          rec.origLen,
          fp.l3Rel,
          fp.ipTotalLen,
          fp.tcpFlags,
          fp.payloadLen,
        );
        if (flow !== null) {
          fp.hits++;
          const rank = fp.rankOf(e);
          this.summary.addPacket(rec.tsSec, rec.tsNsec, rec.hasTs, rank, 0);
          if (rank >= this.needPktRank) {
            if (this.cachedLines) {
              // flagged, text log only: the line from its cached middle, no decode
              const m = fp.attached[e];
              if (m && this.log!.writeWithMiddle(m, rec.tsSec, rec.tsNsec, rec.hasTs, rec.frame, fileIndex)) {
                if (this.opts.outputs.writeFlaggedPath) this.writeFlagged(rec);
                return;
              }
            }
            const pkt = this.pkt;
            decodeFrame(pkt, rec.buf, rec.off, rec.off + rec.caplen, rec.linktype);
            this.after(pkt, rec, fileIndex, rank, fp.ruleOf(e), flow);
            if (this.cachedLines && rank >= 1) fp.attached[e] = this.log!.middleFor(pkt, rank, fp.ruleOf(e));
          }
          return;
        }
      }
      // First packet of this flow direction (or the cached flow is gone): the full path, then remember.
      const flow = this.slow(rec, fileIndex);
      const pkt = this.pkt;
      if (flow !== null && pkt.event === 0 && pkt.l4Off >= 0) {
        const local = this.lastLocal;
        fp.insert(
          flow.index,
          this.flows.genOf(flow.index),
          this.flows.lastFromOrig,
          local >= -1 ? (this.ranks[local + 1] ?? -1) : -1,
          local >= 0 ? local + this.base : local,
        );
      }
      return;
    }
    this.slow(rec, fileIndex);
  }

  /** Rule match result (local index) of the last slow-path packet. */
  private lastLocal = -2;

  /** The full path: decode, rules, flow table lookup. Returns the packet's flow (or null). */
  private slow(rec: CaptureRecord, fileIndex: number): FlowRecord | null {
    const pkt = this.pkt;
    decodeFrame(pkt, rec.buf, rec.off, rec.off + rec.caplen, rec.linktype);
    const local = this.compiled.match(pkt);
    this.lastLocal = local;
    const rank = local >= -1 ? (this.ranks[local + 1] ?? -1) : -1;
    const ruleIndex = local >= 0 ? local + this.base : local;
    this.summary.addPacket(rec.tsSec, rec.tsNsec, rec.hasTs, rank, pkt.event);
    const flow = this.flows.update(
      pkt,
      rec.tsSec,
      rec.tsNsec,
      rec.origLen,
      rank,
      ruleIndex,
      rec.frame,
      fileIndex,
    );
    if (rank >= this.needPktRank) this.after(pkt, rec, fileIndex, rank, ruleIndex, flow);
    return flow;
  }

  /** Log, flagged pcap and onVerdict for a decoded packet with a verdict of rank >= needPktRank. */
  private after(
    pkt: DecodedPacket,
    rec: CaptureRecord,
    fileIndex: number,
    rank: number,
    ruleIndex: number,
    flow: FlowRecord | null,
  ): void {
    if (rank >= 1) {
      this.log?.log(pkt, rec.tsSec, rec.tsNsec, rec.hasTs, rank, ruleIndex, rec.frame, fileIndex, flow);
      if (this.opts.outputs.writeFlaggedPath) this.writeFlagged(rec);
    }
    if (this.opts.onVerdict && rank >= (this.opts.onVerdictMinRank ?? 1))
      this.opts.onVerdict(pkt, rec, rank, ruleIndex);
  }

  /** Expire idle flows against a clock (live: wall time). */
  expire(nowSec: number): void {
    this.flows.expire(nowSec);
  }

  /** Rule id / reason / severity of a global rule index. */
  lookup(): RuleLookup {
    const gens = this.generations;
    const find = (i: number): { rs: Ruleset; local: number } => {
      if (i < 0) return { rs: this.compiled.ruleset, local: i };
      for (let g = gens.length - 1; g >= 0; g--) {
        const gen = gens[g]!;
        if (i >= gen.base) return { rs: gen.ruleset, local: i - gen.base };
      }
      return { rs: this.compiled.ruleset, local: i };
    };
    // A global index >= 0 names one rule of one generation forever: its texts and severity are looked up
    // once (the packet log asks for them per flagged packet). The default action (-1) follows the current rules.
    const ids: string[] = [];
    const reasons: string[] = [];
    const severities: Severity[] = [];
    return {
      id: (i) => {
        if (i === -1) return "default";
        const hit = i >= 0 ? ids[i] : undefined;
        if (hit !== undefined) return hit;
        const { rs, local } = find(i);
        const rule = rs.rules[local];
        if (rule === undefined) return `rule#${i}`;
        if (i >= 0) ids[i] = rule.id;
        return rule.id;
      },
      reason: (i) => {
        const hit = i >= 0 ? reasons[i] : undefined;
        if (hit !== undefined) return hit;
        const { rs, local } = find(i);
        if (local === -1) return rs.defaultReason;
        const rule = rs.rules[local];
        if (rule === undefined) return "";
        if (i >= 0) reasons[i] = rule.reason;
        return rule.reason;
      },
      severity: (i): Severity | "" => {
        if (i < 0) return "";
        const hit = severities[i];
        if (hit !== undefined) return hit;
        const { rs, local } = find(i);
        const rule = rs.rules[local];
        if (rule === undefined) return "";
        severities[i] = rule.severity;
        return rule.severity;
      },
    };
  }

  /** Flush every flow, close every output, and return the result. Idempotent. */
  finish(): EngineResult {
    if (!this.finished) {
      this.finished = true;
      this.flows.flushAll();
      this.csv?.close();
      this.json?.close(this.summary);
      this.log?.close();
      this.flaggedPcap?.close();
    }
    const s = this.summary;
    return {
      summary: s,
      tableText: this.table.render(),
      summaryText: renderSummary(s),
      flaggedFlows: this.table.flagged,
      flaggedPackets:
        (s.packetVerdicts[VERDICT_RANK.BLOCKED] ?? 0) +
        (s.packetVerdicts[VERDICT_RANK.ALERT] ?? 0) +
        (s.packetVerdicts[VERDICT_RANK.UNKNOWN] ?? 0),
      flaggedWritten: this.flaggedWritten,
      flaggedSkipped: this.flaggedSkipped,
    };
  }

  private onEvict(f: FlowRecord): void {
    this.reports.addFlow(f);
  }

  /** Flagged packets go to one classic pcap; it has one link type, so frames of another are counted, not written. */
  private writeFlagged(rec: CaptureRecord): void {
    if (!this.flaggedPcap) {
      this.flaggedLinktype = rec.linktype;
      this.flaggedPcap = new PcapWriter(this.opts.outputs.writeFlaggedPath!, { linktype: rec.linktype });
    }
    if (rec.linktype !== this.flaggedLinktype || rec.tsSec > 0xffffffff) {
      this.flaggedSkipped++;
      return;
    }
    this.flaggedPcap.writeRecord(rec.buf, rec.off, rec.caplen, rec.origLen, rec.tsSec, rec.tsNsec);
    this.flaggedWritten++;
  }
}

/** rank per match index + 1 (slot 0: default action). */
function ranksOf(rs: Ruleset): Int8Array {
  const ranks = new Int8Array(rs.rules.length + 1);
  ranks[0] = VERDICT_RANK[ACTION_VERDICT[rs.defaultAction]];
  rs.rules.forEach((r, i) => (ranks[i + 1] = VERDICT_RANK[ACTION_VERDICT[r.action]]));
  return ranks;
}
