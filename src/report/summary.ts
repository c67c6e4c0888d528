/**
 * The report summary shared by scan and live: the engine's per-packet counters (engine/counters.ts) and
 * what is counted per flow at eviction (flows, flow verdicts, top talkers), rendered by the table, JSON
 * and live reports.
 *
 * Top talkers: IP bytes sent + received per address, accumulated from flows as they leave the flow
 * table (so per flow, not per packet), in a bounded TopTalkers table (talkers.ts): when it holds
 * maxTalkers addresses it keeps those heavier than the median, so light addresses seen early may be lost.
 */
import { DECODE_EVENT_NAMES } from "../decode/events.js";
import type { EngineCounters, RunError } from "../engine/counters.js";
import type { FlowRecord } from "../flows/table.js";
import type { Verdict } from "../rules/types.js";
import { RANK_VERDICT } from "./flow-row.js";
import { TopTalkers } from "./talkers.js";

/** A problem met while reading a capture (the report is still written). */
export type SummaryError = RunError;

/** The `summary` object of the --json document (keys are stable). */
export interface SummaryJson {
  files: number;
  packets: number;
  flows: number;
  packet_verdicts: Record<Verdict, number>;
  flow_verdicts: Record<Verdict, number>;
  decode_events: Record<string, number>;
  errors: SummaryError[];
  /** False when the run was interrupted (a signal) before its inputs ended; then `interrupted` says why. */
  complete: boolean;
  interrupted?: string;
  /** pfw live only: packets captured and the kernel's drop count (-1: the backend cannot know). */
  captured?: number;
  kernel_drops?: number;
}

/**
 * The report summary of one scan / live session: the engine's counters (packets, verdicts, decode events,
 * time span, errors) plus what reports count per flow (flows, flow verdicts, top talkers).
 */
export class Summary {
  /** Flows that left the flow table. */
  flows = 0;
  /** Flows per worst-verdict rank. */
  readonly flowVerdicts = new Float64Array(4);
  private readonly talkers: TopTalkers;

  constructor(
    readonly counters: EngineCounters,
    maxTalkers = 65536,
  ) {
    this.talkers = new TopTalkers(maxTalkers);
  }

  /** Input names by file index. */
  get files(): readonly string[] {
    return this.counters.files;
  }
  /** Frames read. */
  get packets(): number {
    return this.counters.packets;
  }
  /** Packets per verdict rank. */
  get packetVerdicts(): Float64Array {
    return this.counters.packetVerdicts;
  }
  /** Packets per first decode event code. */
  get decodeEvents(): Float64Array {
    return this.counters.decodeEvents;
  }
  /** Problems met while reading. */
  get errors(): readonly RunError[] {
    return this.counters.errors;
  }
  /** Live capture counters, if any. */
  get live(): { captured: number; kernel_drops: number } | undefined {
    return this.counters.live;
  }
  get firstSec(): number {
    return this.counters.firstSec;
  }
  get firstNsec(): number {
    return this.counters.firstNsec;
  }
  get lastSec(): number {
    return this.counters.lastSec;
  }
  get lastNsec(): number {
    return this.counters.lastNsec;
  }

  /** Count a flow leaving the flow table (call from onEvict). */
  addFlow(f: FlowRecord): void {
    this.flows++;
    const rank = f.verdict;
    if (rank >= 0 && rank < 4) this.flowVerdicts[rank] = (this.flowVerdicts[rank] ?? 0) + 1;
    const bytes = f.origBytes + f.respBytes;
    const v = f.ipVersion;
    this.talkers.add(v, f.addrWord(0, 0), f.addrWord(0, 1), f.addrWord(0, 2), f.addrWord(0, 3), bytes);
    this.talkers.add(v, f.addrWord(1, 0), f.addrWord(1, 1), f.addrWord(1, 2), f.addrWord(1, 3), bytes);
  }

  /** The n addresses with the most IP bytes (sent + received), heaviest first, ties by address. */
  topTalkers(n: number): { addr: string; bytes: number }[] {
    return this.talkers.top(n);
  }

  /** Decode events by name with their packet counts (non-zero only), by code order. */
  decodeEventCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 1; i < this.decodeEvents.length; i++) {
      const n = this.decodeEvents[i] ?? 0;
      if (n > 0) out[DECODE_EVENT_NAMES[i] ?? `EVENT_${i}`] = n;
    }
    return out;
  }

  /** The `summary` object of the --json document. */
  toJSON(): SummaryJson {
    return {
      files: this.files.length,
      packets: this.packets,
      flows: this.flows,
      packet_verdicts: byVerdict(this.packetVerdicts),
      flow_verdicts: byVerdict(this.flowVerdicts),
      decode_events: this.decodeEventCounts(),
      errors: this.errors.slice(),
      complete: this.counters.interrupted === null,
      ...(this.counters.interrupted !== null ? { interrupted: this.counters.interrupted } : {}),
      ...(this.live ? { captured: this.live.captured, kernel_drops: this.live.kernel_drops } : {}),
    };
  }
}

/** {"BLOCKED", "ALLOWED", "ALERT", "UNKNOWN"} counts from a by-rank array (that key order). */
function byVerdict(a: Float64Array): Record<Verdict, number> {
  const out = { BLOCKED: 0, ALLOWED: 0, ALERT: 0, UNKNOWN: 0 };
  RANK_VERDICT.forEach((v, i) => (out[v] = a[i] ?? 0));
  return out;
}
