/**
 * The one pipeline that `pfw scan`, `pfw live` and the dashboard all run:
 *   record -> decode -> rules -> flow table -> events to sinks (sink.ts).
 * The engine knows no output: reports, the console, the packet log, the flagged pcap are sinks it is given
 * (src/report/, src/app/). The commands differ only in their source. Hot path (handle): no allocation per
 * packet. Packets of a flow direction already seen, in the common shape, take the per-flow fast path
 * (fast-path.ts) past the decoder, the rules and the flow lookup, with the same results — when the compiled
 * rules say they read nothing but the 5-tuple (CompiledRules needs); `fastPath: false`
 * (pfw scan --no-fast-path) sends every packet the full way.
 *
 * Rule reloads (live): every loaded ruleset gets its own range of global rule indexes, so flows and
 * reports keep naming the rule that really decided, even after the file changed.
 */
import type { CaptureRecord } from "../capture/types.js";
import { decodeFrame } from "../decode/frame.js";
import { DecodedPacket } from "../decode/packet.js";
import { FlowTable, type FlowRecord } from "../flows/table.js";
import { compileRules, type CompiledRules } from "../rules/compile.js";
import { ACTION_VERDICT, VERDICT_RANK, type Cidr, type Ruleset, type Severity } from "../rules/types.js";
import { EngineCounters, type RunError } from "./counters.js";
import { FastPath } from "./fast-path.js";
import type { EngineContext, PacketEvent, RuleLookup, Sink } from "./sink.js";

export interface EngineOptions {
  ruleset: Ruleset;
  homeNet?: Cidr[];
  maxFlows?: number;
  idleTimeoutSec?: { tcp: number; udp: number; other: number };
  /**
   * Per-flow fast path (fast-path.ts; default true). false: every packet goes through the full decoder,
   * the rules and the flow table's lookup (the reference; results are identical, only slower).
   */
  fastPath?: boolean;
  /** Outputs, in the order they get each event (more can be added with addSink before the first packet). */
  sinks?: Sink[];
}

interface Generation {
  base: number;
  ruleset: Ruleset;
}

/** No sink wants packets of any rank at or above this. */
const NO_RANK = 1 << 30;

/** The shared scan/live pipeline. */
export class Engine {
  readonly counters = new EngineCounters();
  readonly pkt = new DecodedPacket();
  private compiled: CompiledRules;
  /** Rank of each local match index + 1 (index 0 = default action). */
  private ranks: Int8Array;
  private base = 0;
  private readonly generations: Generation[] = [];
  private readonly flows: FlowTable;
  private readonly homeNet: Cidr[];
  private finished = false;
  private readonly fast: FastPath | null;
  /**
   * The fast path reuses a flow direction's first verdict: exact only while the compiled rules read
   * nothing but the 5-tuple (CompiledRules.fiveTupleOnly). Rules that need payload, flow state or
   * counters send every packet the full way.
   */
  private fastOk: boolean;
  private readonly sinks: Sink[] = [];
  /** Sinks by event, rebuilt by addSink. */
  private packetSinks: Sink[] = [];
  private flowSinks: Sink[] = [];
  private decodeEventSinks: Sink[] = [];
  /** Lowest packetRank of any sink (packets below it are never decoded for sinks). */
  private needPktRank = NO_RANK;
  /** The one sink that needs decoded packets and can replay from a memo (see Sink.replays), or null. */
  private memoSink: Sink | null = null;
  /** Sinks other than memoSink that want packets; all rawOnly when memoSink is set. */
  private rawSinks: Sink[] = [];
  private readonly ev: PacketEvent;
  private readonly lookupFns: RuleLookup;

  constructor(opts: EngineOptions) {
    this.homeNet = opts.homeNet ?? [];
    this.compiled = compileRules(opts.ruleset, { homeNet: this.homeNet });
    this.ranks = ranksOf(opts.ruleset);
    this.generations.push({ base: 0, ruleset: opts.ruleset });
    this.lookupFns = this.makeLookup();
    this.homeNetAll = [...this.homeNet, ...opts.ruleset.homeNet];
    this.fast = opts.fastPath === false ? null : new FastPath();
    this.fastOk = this.compiled.fiveTupleOnly;
    this.ev = {
      rec: undefined as unknown as CaptureRecord,
      pkt: this.pkt,
      decoded: false,
      fileIndex: 0,
      rank: -1,
      ruleIndex: -2,
      flow: null,
    };
    this.flows = new FlowTable({
      maxFlows: opts.maxFlows ?? 1_000_000,
      idleTimeoutSec: opts.idleTimeoutSec ?? { tcp: 3600, udp: 120, other: 120 },
      onEvict: (f) => this.onEvict(f),
    });
    for (const s of opts.sinks ?? []) this.addSink(s);
  }

  /** Add an output; it gets every later event. Add sinks before the first packet to see the whole run. */
  addSink(sink: Sink): void {
    this.sinks.push(sink);
    const ss = this.sinks;
    this.packetSinks = ss.filter((s) => s.onPacket !== undefined && s.packetRank !== undefined);
    this.flowSinks = ss.filter((s) => s.onFlowEnd !== undefined);
    this.decodeEventSinks = ss.filter((s) => s.onDecodeEvent !== undefined);
    this.needPktRank = Math.min(NO_RANK, ...this.packetSinks.map((s) => s.packetRank ?? NO_RANK));
    const decoding = this.packetSinks.filter((s) => s.rawOnly !== true);
    const m = decoding.length === 1 ? decoding[0]! : null;
    this.memoSink = m !== null && m.replays === true && m.memo && m.replay ? m : null;
    this.rawSinks = this.packetSinks.filter((s) => s !== this.memoSink);
  }

  /** What report sinks need: input names by file index and the rule texts. */
  get context(): EngineContext {
    // homeNet follows rule reloads (the file's home_net may change); computed once per ruleset
    const current = (): readonly Cidr[] => this.homeNetAll;
    return {
      files: this.counters.files,
      rules: this.lookupFns,
      get homeNet(): readonly Cidr[] {
        return current();
      },
    };
  }

  /** --home-net and the current rule file's home_net. */
  private homeNetAll: readonly Cidr[] = [];

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
    this.fastOk = compiled.fiveTupleOnly;
    this.homeNetAll = [...this.homeNet, ...ruleset.homeNet];
    for (const s of this.sinks) s.onRules?.(ruleset, this.base);
  }

  /** Packets that took the per-flow fast path so far. */
  get fastPathPackets(): number {
    return this.fast?.hits ?? 0;
  }

  /** Start a new input (file or live source); returns its index. */
  addFile(name: string): number {
    const i = this.counters.addFile(name);
    for (const s of this.sinks) s.onFile?.(i, name);
    return i;
  }

  /** Record a problem of a source (the run goes on). */
  addError(e: RunError): void {
    this.counters.errors.push(e);
    for (const s of this.sinks) s.onError?.(e);
  }

  /** Process one record. Hot path. */
  handle(rec: CaptureRecord, fileIndex: number): void {
    const fp = this.fast;
    if (fp !== null && this.fastOk && fp.admit() && fp.parse(rec.buf, rec.off, rec.caplen, rec.linktype)) {
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
          this.counters.addPacket(rec.tsSec, rec.tsNsec, rec.hasTs, rank, 0);
          if (rank >= this.needPktRank) {
            const ev = this.ev;
            ev.rec = rec;
            ev.fileIndex = fileIndex;
            ev.rank = rank;
            ev.ruleIndex = fp.ruleOf(e);
            ev.flow = flow;
            const ms = this.memoSink;
            if (ms !== null) {
              // only rawOnly sinks besides the memo sink: replay from the direction's memo, no decode
              const m = fp.attached[e];
              ev.decoded = false;
              if (m && rank >= ms.packetRank! && ms.replay!(m, ev)) {
                this.emitRaw(rank);
                return;
              }
            }
            const pkt = this.pkt;
            decodeFrame(pkt, rec.buf, rec.off, rec.off + rec.caplen, rec.linktype);
            this.emitPacket(ev);
            if (ms !== null && rank >= ms.packetRank!) fp.attached[e] = ms.memo!(ev);
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
    this.counters.addPacket(rec.tsSec, rec.tsNsec, rec.hasTs, rank, pkt.event);
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
    if (rank >= this.needPktRank || (pkt.event !== 0 && this.decodeEventSinks.length > 0)) {
      const ev = this.ev;
      ev.rec = rec;
      ev.fileIndex = fileIndex;
      ev.rank = rank;
      ev.ruleIndex = ruleIndex;
      ev.flow = flow;
      if (pkt.event !== 0) for (const s of this.decodeEventSinks) s.onDecodeEvent!(ev);
      if (rank >= this.needPktRank) this.emitPacket(ev);
    }
    return flow;
  }

  /** onPacket of every sink that wants this rank (the packet is decoded). */
  private emitPacket(ev: PacketEvent): void {
    ev.decoded = true;
    const ss = this.packetSinks;
    for (let i = 0; i < ss.length; i++) {
      const s = ss[i]!;
      if (ev.rank >= s.packetRank!) s.onPacket!(ev);
    }
  }

  /** onPacket of the rawOnly sinks (after the memo sink replayed). */
  private emitRaw(rank: number): void {
    const ss = this.rawSinks;
    for (let i = 0; i < ss.length; i++) {
      const s = ss[i]!;
      if (rank >= s.packetRank!) s.onPacket!(this.ev);
    }
  }

  /** Expire idle flows against a clock (live: wall time). */
  expire(nowSec: number): void {
    this.flows.expire(nowSec);
  }

  /** Expire idle flows and send the periodic counters to the sinks (live: once a second). */
  tick(nowSec: number): void {
    this.flows.expire(nowSec);
    for (const s of this.sinks) s.onStats?.(this.counters, this.flows.size, nowSec);
  }

  /** Rule id / reason / severity of a global rule index. */
  lookup(): RuleLookup {
    return this.lookupFns;
  }

  private makeLookup(): RuleLookup {
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
      rank: (i): number => {
        if (i < -1) return -1;
        const { rs, local } = find(i);
        const action = local === -1 ? rs.defaultAction : rs.rules[local]?.action;
        return action === undefined ? -1 : VERDICT_RANK[ACTION_VERDICT[action]];
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

  /** End the run: every flow leaves the table (onFlowEnd), then every sink is closed. Idempotent. */
  finish(): EngineCounters {
    if (!this.finished) {
      this.finished = true;
      this.flows.flushAll();
      for (const s of this.sinks) s.close?.(this.counters);
    }
    return this.counters;
  }

  private onEvict(f: FlowRecord): void {
    const ss = this.flowSinks;
    for (let i = 0; i < ss.length; i++) ss[i]!.onFlowEnd!(f);
  }
}

/** rank per match index + 1 (slot 0: default action). */
function ranksOf(rs: Ruleset): Int8Array {
  const ranks = new Int8Array(rs.rules.length + 1);
  ranks[0] = VERDICT_RANK[ACTION_VERDICT[rs.defaultAction]];
  rs.rules.forEach((r, i) => (ranks[i + 1] = VERDICT_RANK[ACTION_VERDICT[r.action]]));
  return ranks;
}
