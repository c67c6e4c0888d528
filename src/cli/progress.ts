/**
 * Progress bar on stderr for files that take more than a second; nothing when stderr is not a TTY.
 */
import { terminalSafe } from "../app/terminal.js";

export class Progress {
  private readonly start = Date.now();
  private shown = false;
  private lastDraw = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    enabled: boolean,
  ) {
    this.enabled = enabled && process.stderr.isTTY === true;
  }

  /** Report bytes done of total. Draws at most 10 times a second, only after the first second. */
  update(done: number, total: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.start < 1000 || now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.shown = true;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const width = 30;
    const fill = Math.round(frac * width);
    const secs = (now - this.start) / 1000;
    const mbs = done / 1e6 / secs;
    const eta = frac > 0 ? secs / frac - secs : 0;
    const label = terminalSafe(this.label);
    const name = label.length > 30 ? "…" + label.slice(-29) : label;
    process.stderr.write(
      `\r${name} [${"#".repeat(fill)}${".".repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}% ${mbs.toFixed(0)} MB/s ETA ${eta.toFixed(0)}s `,
    );
  }

  /** Clear the bar. */
  done(): void {
    if (this.shown) process.stderr.write("\r\x1b[K");
    this.shown = false;
  }
}
