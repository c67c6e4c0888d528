/**
 * The live console as an engine sink: each flagged packet (and ALLOWED ones with -v) as the log's text
 * line, at most `linesPerSec` lines a second (the log gets every one); the budget refills on each onStats
 * (the live session's one-second tick). Lines not shown are counted.
 */
import type { PacketEvent, RuleLookup, Sink } from "../engine/sink.js";
import { formatPacketLine } from "./packet-log.js";

/** Most flagged-packet lines printed per second by default (the log gets all of them). */
export const CONSOLE_LINES_PER_SEC = 50;

/** Prints packet lines through `write`, rate-limited. */
export class ConsoleSink implements Sink {
  readonly packetRank: number;
  /** Lines not printed because of the rate limit. */
  suppressed = 0;
  /** False once the output is gone (e.g. stdout closed): nothing more is written. */
  open = true;
  private budget: number;

  constructor(
    private readonly rules: RuleLookup,
    private readonly fileName: string,
    private readonly write: (line: string) => void,
    opts: { verbose?: boolean; linesPerSec?: number } = {},
  ) {
    this.packetRank = opts.verbose ? 0 : 1;
    this.linesPerSec = opts.linesPerSec ?? CONSOLE_LINES_PER_SEC;
    this.budget = this.linesPerSec;
  }

  private readonly linesPerSec: number;

  onPacket(ev: PacketEvent): void {
    if (!this.open) return;
    if (this.budget <= 0) {
      this.suppressed++;
      return;
    }
    this.budget--;
    const rec = ev.rec;
    const l = this.rules;
    this.write(
      formatPacketLine(
        ev.pkt,
        rec.tsSec,
        rec.tsNsec,
        rec.hasTs,
        ev.rank,
        l.id(ev.ruleIndex),
        l.reason(ev.ruleIndex),
        rec.frame,
        this.fileName,
      ) + "\n",
    );
  }

  onStats(): void {
    this.budget = this.linesPerSec;
  }
}
