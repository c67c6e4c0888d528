/**
 * Buffered synchronous file writer for reports: text is encoded into one reusable 64 KiB Buffer and
 * written with fs.writeSync when it fills (one syscall per batch, not per line). close() flushes.
 * Writes are synchronous so a crash or exit after close() never loses lines, and ordering is exact.
 */
import fs from "node:fs";

const DEFAULT_SIZE = 1 << 16;
const WAIT = new Int32Array(new SharedArrayBuffer(4));

/** A file opened for writing with batched writes. */
export class BufferedFileWriter {
  /** Bytes written so far (flushed or buffered). */
  bytes = 0;
  private readonly buf: Buffer;
  private pos = 0;
  private fd: number;

  /** True when the reader of stdout went away (EPIPE): later output is dropped silently. */
  broken = false;
  private readonly stdout: boolean;

  /**
   * Open (create/truncate) path for writing; "-" is standard output (never closed here; EPIPE ends the
   * output silently, as for `| head`). Throws the fs error (with its code) if it cannot.
   */
  constructor(
    readonly path: string,
    size = DEFAULT_SIZE,
  ) {
    this.buf = Buffer.allocUnsafe(size);
    this.stdout = path === "-";
    this.fd = this.stdout ? 1 : fs.openSync(path, "w");
  }

  /** Queue text (UTF-8). */
  write(text: string): void {
    const n = Buffer.byteLength(text);
    this.bytes += n;
    if (this.pos + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) {
        this.writeAll(Buffer.from(text));
        return;
      }
    }
    this.pos += this.buf.write(text, this.pos);
  }

  /** Queue raw bytes. */
  writeBytes(bytes: Uint8Array): void {
    this.bytes += bytes.length;
    if (this.pos + bytes.length > this.buf.length) {
      this.flush();
      if (bytes.length > this.buf.length) {
        this.writeAll(bytes);
        return;
      }
    }
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /**
   * Make room for n bytes (n <= the buffer size) and return the buffer; write them from `pos`, then
   * call advance(). For writers that put ASCII bytes straight into the buffer (hot log lines).
   */
  room(n: number): Buffer {
    if (this.pos + n > this.buf.length) this.flush();
    return this.buf;
  }

  /** Offset in room()'s buffer where the next byte goes. */
  get pos0(): number {
    return this.pos;
  }

  /** Account bytes written into room()'s buffer up to offset end. */
  advance(end: number): void {
    this.bytes += end - this.pos;
    this.pos = end;
  }

  /** Capacity of the buffer (largest room()). */
  get capacity(): number {
    return this.buf.length;
  }

  /** Write what is buffered. */
  flush(): void {
    if (this.pos === 0 || this.fd < 0) return;
    this.writeAll(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  /** Flush and close the file (idempotent). */
  close(): void {
    if (this.fd < 0) return;
    try {
      this.flush();
    } finally {
      if (!this.stdout) fs.closeSync(this.fd);
      this.fd = -1;
    }
  }

  private writeAll(data: Uint8Array): void {
    let off = 0;
    while (off < data.length && !this.broken) {
      try {
        off += fs.writeSync(this.fd, data, off, data.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (!this.stdout) throw e;
        if (code === "EAGAIN") {
          Atomics.wait(WAIT, 0, 0, 1); // a non-blocking pipe is full: wait 1 ms for the reader
          continue;
        }
        if (code === "EPIPE") {
          this.broken = true;
          return;
        }
        throw e;
      }
    }
  }
}
