/**
 * The live console as an engine sink: each flagged packet (and ALLOWED ones with -v) as the log's text
 * line, at most `linesPerSec` lines a second (the log gets every one); the budget refills on each onStats
 * (the live session's one-second tick). Lines not shown are counted.
 *
 * Passive mode (`pfw live` without --enforce: nothing is blocked) words the console line as what the rules
 * would do: the verdict BLOCKED reads WOULD-BLOCK (one word, so the line keeps its fields). Only the console
 * changes: the log file and JSON lines keep BLOCKED, as `pfw scan` writes them.
 */
import type { PacketEvent, RuleLookup, Sink } from "../engine/sink.js";
import { formatPacketLine } from "./packet-log.js";
import { terminalSafeLines } from "./terminal-text.js";

/** Most flagged-packet lines printed per second by default (the log gets all of them). */
export const CONSOLE_LINES_PER_SEC = 50;

/** The console's verdict word for BLOCKED when nothing is enforced. */
export const WOULD_BLOCK = "WOULD-BLOCK";

const BLOCKED_RANK = 3;

/** Prints packet lines through `write`, rate-limited. */
export class ConsoleSink implements Sink {
  readonly packetRank: number;
  /** Lines not printed because of the rate limit. */
  suppressed = 0;
  /** False once the output is gone (e.g. stdout closed): nothing more is written. */
  open = true;
  private budget: number;
  private readonly passive: boolean;

  constructor(
    private readonly rules: RuleLookup,
    private readonly fileName: string,
    private readonly write: (line: string) => void,
    opts: { verbose?: boolean; linesPerSec?: number; passive?: boolean } = {},
  ) {
    this.packetRank = opts.verbose ? 0 : 1;
    this.passive = opts.passive === true;
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
    const line = formatPacketLine(
      ev.pkt,
      rec.tsSec,
      rec.tsNsec,
      rec.hasTs,
      ev.rank,
      l.id(ev.ruleIndex),
      l.reason(ev.ruleIndex),
      rec.frame,
      this.fileName,
    );
    this.write(terminalSafeLines(this.passive && ev.rank === BLOCKED_RANK ? wouldBlock(line) : line) + "\n");
  }

  onStats(): void {
    this.budget = this.linesPerSec;
  }
}

/** "<ts> BLOCKED ..." -> "<ts> WOULD-BLOCK ..." (the time stamp has no space; the verdict is the 2nd field). */
function wouldBlock(line: string): string {
  const sp = line.indexOf(" ");
  return sp >= 0 && line.startsWith("BLOCKED ", sp + 1)
    ? `${line.slice(0, sp + 1)}${WOULD_BLOCK}${line.slice(sp + 1 + "BLOCKED".length)}`
    : line;
}
