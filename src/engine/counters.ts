/**
 * The engine's own counters of one run (scan or live): input files, frames, packets per verdict, decode
 * events, the time span, and the problems met. Fed per packet by the engine (numbers only, no allocation);
 * read by sinks (the report summary, live status, the dashboard) at any time and at close.
 */

/** A problem met while reading a source (the run goes on and every report is still written). */
export interface RunError {
  file: string;
  /** Stable error code (e.g. the reader's error class code). */
  code: string;
  /** Byte offset in the file, null if not applicable. */
  offset: number | null;
  message: string;
}

/** Counters of one engine run. */
export class EngineCounters {
  /** Input names by file index (the fileIndex of records and flows). */
  readonly files: string[] = [];
  /** Frames handled. */
  packets = 0;
  /** Packets per verdict rank (VERDICT_RANK); packets without a verdict are not counted. */
  readonly packetVerdicts = new Float64Array(4);
  /** Packets per first decode event code. */
  readonly decodeEvents = new Float64Array(256);
  readonly errors: RunError[] = [];
  /** Why the run stopped before its inputs ended (e.g. "SIGTERM"), or null: it read everything. */
  interrupted: string | null = null;
  /** Live capture counters (pfw live only): packets captured and the kernel's drop count (-1: unknown). */
  live?: { captured: number; kernel_drops: number };
  /** Earliest / latest packet time seen (whole seconds and nanoseconds); NaN before the first. */
  firstSec = NaN;
  firstNsec = 0;
  lastSec = NaN;
  lastNsec = 0;

  /** Record an input (its index in `files` is the fileIndex used by records and flows). */
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

  /** Packets flagged so far (BLOCKED, ALERT, UNKNOWN). */
  get flaggedPackets(): number {
    const v = this.packetVerdicts;
    return (v[1] ?? 0) + (v[2] ?? 0) + (v[3] ?? 0);
  }
}
