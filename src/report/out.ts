/** Batched synchronous writes to a file descriptor: one syscall per ~64 KiB, not per line. */
import fs from "node:fs";

export class BufferedOut {
  private parts: string[] = [];
  private size = 0;
  constructor(
    private readonly fd: number,
    private readonly limit = 1 << 16,
  ) {}

  /** Queue text; flushes when the batch is full. */
  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.limit) this.flush();
  }

  /** Write everything queued. EPIPE (reader went away, e.g. `| head`) ends output silently. */
  flush(): void {
    if (this.size === 0 && this.parts.length === 0) return;
    const data = this.parts.join("");
    this.parts = [];
    this.size = 0;
    let buf = Buffer.from(data);
    while (buf.length > 0) {
      try {
        const n = fs.writeSync(this.fd, buf);
        buf = buf.subarray(n);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") continue;
        if (code === "EPIPE") process.exit(0);
        throw e;
      }
    }
  }
}
