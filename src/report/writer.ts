/**
 * Buffered synchronous file writer for reports: text is encoded into one reusable 64 KiB Buffer and
 * written when it fills (one syscall per batch, not per line). close() flushes and commits. Writes are
 * synchronous so ordering is exact. The file is an OutputFile (capture/output-file.ts): never written
 * through a symlink, atomic (temporary name, renamed at close) unless `atomic: false`, "-" is stdout, and
 * a write error is kept (`error`), not thrown, so the other outputs of a run still complete.
 */
import { OutputFile, type OutputOptions } from "../capture/output-file.js";

const DEFAULT_SIZE = 1 << 16;

/** A file opened for writing with batched writes. */
export class BufferedFileWriter {
  /** Bytes written so far (flushed or buffered). */
  bytes = 0;
  private readonly buf: Buffer;
  private pos = 0;
  private readonly out: OutputFile;
  private closed = false;

  /** Open path for writing (see the module header). Throws OutputError if it cannot. */
  constructor(
    readonly path: string,
    size = DEFAULT_SIZE,
    opts: OutputOptions = {},
  ) {
    this.buf = Buffer.allocUnsafe(size);
    this.out = new OutputFile(path, opts);
  }

  /** True when the reader of stdout went away (EPIPE): later output is dropped silently. */
  get broken(): boolean {
    return this.out.broken;
  }

  /** The first write error as a sentence naming the file, or null. */
  get errorMessage(): string | null {
    return this.out.errorMessage();
  }

  /** Queue text (UTF-8). */
  write(text: string): void {
    const n = Buffer.byteLength(text);
    this.bytes += n;
    if (this.pos + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) {
        this.out.write(Buffer.from(text));
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
        this.out.write(bytes);
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
    if (this.pos === 0 || this.closed) return;
    this.out.write(this.buf, 0, this.pos);
    this.pos = 0;
  }

  /** Flush and push to the disk (fsync). */
  sync(): void {
    this.flush();
    this.out.sync();
  }

  /** Flush, close and commit the file (idempotent). */
  close(): void {
    if (this.closed) return;
    try {
      this.flush();
    } finally {
      this.closed = true;
      this.out.commit();
    }
  }

  /** Close without committing: an atomic file never appears under its final name. */
  abandon(): void {
    this.closed = true;
    this.out.abandon();
  }
}
