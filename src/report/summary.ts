/**
 * Summary accumulator shared by scan and live: counters fed per packet (numbers only, no allocation)
 * and per flow at eviction (top talkers), rendered by the table, JSON and live reports.
 *
 * Top talkers: IP bytes sent + received per address, accumulated from flows as they leave the flow
 * table (so per flow, not per packet), in a bounded TopTalkers table (talkers.ts): when it holds
 * maxTalkers addresses it keeps those heavier than the median, so light addresses seen early may be lost.
 */
import { DECODE_EVENT_NAMES } from "../decode/events.js";
import type { FlowRecord } from "../flows/table.js";
import type { Verdict } from "../rules/types.js";
import { RANK_VERDICT } from "./flow-row.js";
import { TopTalkers } from "./talkers.js";

/** A problem met while reading a capture (the report is still written). */
export interface SummaryError {
  file: string;
  /** Stable error code (e.g. the reader's error class code). */
  code: string;
  /** Byte offset in the file, null if not applicable. */
  offset: number | null;
  message: string;
}

/** The `summary` object of the --json document (keys are stable). */
export interface SummaryJson {
  files: number;
  packets: number;
  flows: number;
  packet_verdicts: Record<Verdict, number>;
  flow_verdicts: Record<Verdict, number>;
  decode_events: Record<string, number>;
  errors: SummaryError[];
  /** pfw live only: packets captured and the kernel's drop count (-1: the backend cannot know). */
  captured?: number;
  kernel_drops?: number;
}

/** Counters of one scan / live session. */
export class Summary {
  readonly files: string[] = [];
  /** Frames read. */
  packets = 0;
  /** Flows that left the flow table. */
  flows = 0;
  /** Packets per verdict rank (VERDICT_RANK); packets without a verdict are not counted. */
  readonly packetVerdicts = new Float64Array(4);
  /** Flows per worst-verdict rank. */
  readonly flowVerdicts = new Float64Array(4);
  /** Packets per first decode event code. */
  readonly decodeEvents = new Float64Array(256);
  readonly errors: SummaryError[] = [];
  /** Live capture counters (pfw live only): merged into the JSON summary as "captured" and "kernel_drops". */
  live?: { captured: number; kernel_drops: number };
  /** Earliest / latest packet time seen (whole seconds and nanoseconds); NaN before the first. */
  firstSec = NaN;
  firstNsec = 0;
  lastSec = NaN;
  lastNsec = 0;
  private readonly talkers: TopTalkers;

  constructor(maxTalkers = 65536) {
    this.talkers = new TopTalkers(maxTalkers);
  }

  /** Record a capture file (its index in `files` is the fileIndex used by flows). */
  addFile(name: string): number {
    this.files.push(name);
    return this.files.length - 1;
  }

  /** Count one frame. verdictRank -1 = no verdict; event = DecodedPacket.event. Hot path: no allocation. */
  addPacket(tsSec: number, tsNsec: number, hasTs: boolean, verdictRank: number, event: number): void {
    this.packets++;
    if (verdictRank >= 0 && verdictRank < 4)
      this.packetVerdicts[verdictRank] = (this.packetVerdicts[verdictRank] ?? 0) + 1;
    if (event > 0) {
      const e = event & 0xff;
      this.decodeEvents[e] = (this.decodeEvents[e] ?? 0) + 1;
    }
    if (!hasTs) return;
    if (!(tsSec > this.firstSec || (tsSec === this.firstSec && tsNsec >= this.firstNsec))) {
      this.firstSec = tsSec;
      this.firstNsec = tsNsec;
    }
    if (!(tsSec < this.lastSec || (tsSec === this.lastSec && tsNsec <= this.lastNsec))) {
      this.lastSec = tsSec;
      this.lastNsec = tsNsec;
    }
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

  /** Record a reader / engine error. */
  addError(e: SummaryError): void {
    this.errors.push(e);
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
