/**
 * Capture writers: classic pcap (PcapWriter) and a minimal pcapng (PcapngWriter: one SHB, one IDB, EPBs).
 * Guarantees: output is buffered in ONE reusable buffer and written with fs.writeSync (no allocation per
 * record); timestamps are whole seconds + nanoseconds; nothing is written after close().
 */
import { OutputFile, type OutputOptions } from "./output-file.js";

const DEFAULT_BUF = 1024 * 1024;

/** Options of PcapWriter. */
export interface PcapWriterOptions {
  /** LINKTYPE_* of every record (default 1, Ethernet). */
  linktype?: number;
  /** Snapshot length written in the header (default 262144). */
  snaplen?: number;
  /** Nanosecond magic a1b23c4d (default true); false writes microsecond a1b2c3d4 (ns truncated to us). */
  nanosecond?: boolean;
  /** Write big-endian (default little-endian). */
  bigEndian?: boolean;
  /** Size of the output buffer (default 1 MiB). */
  bufferSize?: number;
  /** How the file is opened (default: atomic, temporary name renamed at close; see output-file.ts). */
  output?: OutputOptions;
  /** An output already opened (then `output` and the path's opening are skipped). */
  file?: OutputFile;
}

/** Base: buffered output to a file descriptor. */
abstract class BufferedFile {
  protected out: OutputFile;
  protected buf: Buffer;
  protected len = 0;
  protected closed = false;
  /** Records written. */
  records = 0;

  protected constructor(path: string, bufferSize: number, output: OutputOptions = {}, file?: OutputFile) {
    this.out = file ?? new OutputFile(path, output);
    this.buf = Buffer.alloc(Math.max(bufferSize, 4096));
  }

  /** Make room for n header bytes in the buffer (throws after close()). */
  protected room(n: number): void {
    if (this.closed) throw new Error("capture writer is closed");
    if (this.len + n > this.buf.length) this.flush();
  }

  /** Append n bytes of src from off (buffered, or written through when they do not fit). */
  protected put(src: Uint8Array, off: number, n: number): void {
    if (n <= this.buf.length - this.len) {
      this.buf.set(n === src.length && off === 0 ? src : src.subarray(off, off + n), this.len);
      this.len += n;
      return;
    }
    this.flush();
    // larger than the free buffer: straight to the file
    this.out.write(src, off, n);
  }

  /** Write buffered bytes to the file. */
  flush(): void {
    this.out.write(this.buf, 0, this.len);
    this.len = 0;
  }

  /** The first write error as a sentence naming the file, or null. */
  get errorMessage(): string | null {
    return this.out.errorMessage();
  }

  /** Flush and close the file (atomic: move it under its final name unless a write failed). */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.out.commit();
  }

  /** Close without committing: an atomic file never appears under its final name. */
  abandon(): void {
    this.closed = true;
    this.out.abandon();
  }
}

/** Writes a classic pcap file. */
export class PcapWriter extends BufferedFile {
  private readonly nsec: boolean;
  private readonly be: boolean;

  /** Create (truncate) path and write the pcap file header. */
  constructor(path: string, opts: PcapWriterOptions = {}) {
    super(path, opts.bufferSize ?? DEFAULT_BUF, opts.output, opts.file);
    this.nsec = opts.nanosecond ?? true;
    this.be = opts.bigEndian ?? false;
    const b = this.buf;
    this.u32(0, this.nsec ? 0xa1b23c4d : 0xa1b2c3d4);
    if (this.be) {
      b.writeUInt16BE(2, 4);
      b.writeUInt16BE(4, 6);
    } else {
      b.writeUInt16LE(2, 4);
      b.writeUInt16LE(4, 6);
    }
    this.u32(8, 0);
    this.u32(12, 0);
    this.u32(16, opts.snaplen ?? 262144);
    this.u32(20, opts.linktype ?? 1);
    this.len = 24;
  }

  private u32(at: number, v: number): void {
    if (this.be) this.buf.writeUInt32BE(v >>> 0, at);
    else this.buf.writeUInt32LE(v >>> 0, at);
  }

  /** Append one record: caplen bytes of buf from off; tsSec must fit in 32 bits unsigned. */
  writeRecord(
    buf: Uint8Array,
    off: number,
    caplen: number,
    origLen: number,
    tsSec: number,
    tsNsec: number,
  ): void {
    this.room(16);
    const h = this.len;
    this.u32(h, tsSec);
    this.u32(h + 4, this.nsec ? tsNsec : Math.floor(tsNsec / 1000));
    this.u32(h + 8, caplen);
    this.u32(h + 12, origLen);
    this.len = h + 16;
    this.put(buf, off, caplen);
    this.records++;
  }
}

/** Options of PcapngWriter. */
export interface PcapngWriterOptions {
  /** LINKTYPE_* of the single interface (default 1). */
  linktype?: number;
  /** Snapshot length of the interface (default 262144). */
  snaplen?: number;
  /** if_tsresol exponent of 10 (default 6 = microseconds; 9 = nanoseconds). */
  tsresol?: number;
  /** Size of the output buffer (default 1 MiB). */
  bufferSize?: number;
  /** How the file is opened (default: atomic, temporary name renamed at close; see output-file.ts). */
  output?: OutputOptions;
  /** An output already opened (then `output` and the path's opening are skipped). */
  file?: OutputFile;
}

/** Writes a little-endian pcapng file with one section and one interface (EPB records). */
export class PcapngWriter extends BufferedFile {
  private readonly unitsPerSec: number;

  /** Create (truncate) path and write SHB + IDB. */
  constructor(path: string, opts: PcapngWriterOptions = {}) {
    super(path, opts.bufferSize ?? DEFAULT_BUF, opts.output, opts.file);
    const res = opts.tsresol ?? 6;
    if (res < 0 || res > 9) throw new RangeError("tsresol must be 0..9");
    this.unitsPerSec = 10 ** res;
    const b = this.buf;
    // SHB: type, len 28, BOM, version 1.0, section length -1
    b.writeUInt32LE(0x0a0d0d0a, 0);
    b.writeUInt32LE(28, 4);
    b.writeUInt32LE(0x1a2b3c4d, 8);
    b.writeUInt16LE(1, 12);
    b.writeUInt16LE(0, 14);
    b.writeInt32LE(-1, 16);
    b.writeInt32LE(-1, 20);
    b.writeUInt32LE(28, 24);
    // IDB with if_tsresol option when not the default
    const idbLen = res === 6 ? 20 : 32;
    let p = 28;
    b.writeUInt32LE(1, p);
    b.writeUInt32LE(idbLen, p + 4);
    b.writeUInt16LE(opts.linktype ?? 1, p + 8);
    b.writeUInt16LE(0, p + 10);
    b.writeUInt32LE(opts.snaplen ?? 262144, p + 12);
    p += 16;
    if (res !== 6) {
      b.writeUInt16LE(9, p);
      b.writeUInt16LE(1, p + 2);
      b.writeUInt32LE(res, p + 4); // value byte + 3 padding bytes
      b.writeUInt32LE(0, p + 8); // opt_endofopt
      p += 12;
    }
    b.writeUInt32LE(idbLen, p);
    this.len = p + 4;
  }

  /** Append one Enhanced Packet Block. */
  writeRecord(
    buf: Uint8Array,
    off: number,
    caplen: number,
    origLen: number,
    tsSec: number,
    tsNsec: number,
  ): void {
    const pad = (4 - (caplen & 3)) & 3;
    const total = 32 + caplen + pad;
    this.room(28);
    const b = this.buf;
    const h = this.len;
    // exact 64-bit tsSec * U + frac with plain numbers (16-bit limbs keep every product < 2^53)
    const u = this.unitsPerSec;
    const frac = Math.floor((tsNsec * u) / 1e9);
    const sl = tsSec % 65536;
    const y = ((tsSec - sl) / 65536) * u;
    const low = (y % 65536) * 65536 + sl * u + frac;
    const hi = Math.floor(y / 65536) + Math.floor(low / 4294967296);
    b.writeUInt32LE(6, h);
    b.writeUInt32LE(total, h + 4);
    b.writeUInt32LE(0, h + 8);
    b.writeUInt32LE(hi >>> 0, h + 12);
    b.writeUInt32LE(low % 4294967296, h + 16);
    b.writeUInt32LE(caplen, h + 20);
    b.writeUInt32LE(origLen, h + 24);
    this.len = h + 28;
    this.put(buf, off, caplen);
    this.room(pad + 4);
    for (let i = 0; i < pad; i++) b[this.len++] = 0;
    b.writeUInt32LE(total, this.len);
    this.len += 4;
    this.records++;
  }
}
