/**
 * What the classic-pcap and the pcapng push parsers share: the chunk loop, the carry buffer for records
 * that span chunks, skipping of unneeded blocks, counters, the reused record and byte readers.
 *
 * Guarantees:
 * - Records are delivered in stream order through ONE reused CaptureRecord. A record that lies entirely in
 *   the pushed chunk is a view into that chunk (no copy); a record split across chunks is assembled in ONE
 *   reused carry buffer that never grows beyond maxRecord + 64 KiB. Blocks a format does not need
 *   (skippable(): pcapng NRB, ISB, custom, unknown) that span chunks are skipped without buffering; such a
 *   block must end with a 32-bit copy of its total length, which is checked. Memory is therefore independent
 *   of the stream length. Nothing is allocated per record and no closure is made per record.
 * - Every record is handed out as a view into a plain Uint8Array (a Node Buffer chunk is re-viewed once per
 *   chunk), so every reader of rec.buf sees one hidden class.
 * - Format errors throw CaptureFormatError (stable code, byte offset in the stream) from push()/end(), after
 *   every record before the bad one was delivered; the parser then stays failed and rethrows that error.
 *   The same input gives the same records and the same error whatever the chunking.
 * - Subclasses see the whole stream from byte 0 (the file header is their first record) and implement only
 *   need() (record length), process() (one complete record), fast() (a loop over the common records of a
 *   chunk) and skippable().
 */

import { CaptureFormatError } from "./errors.js";
import { newCaptureRecord, type CaptureRecord, type RecordSink } from "./types.js";

/** Default largest packet (captured length) accepted: 256 KiB, as tshark/libpcap. */
export const DEFAULT_MAX_RECORD = 262144;
/** Room allowed for block headers/options around a maximal packet (bounds the carry buffer). */
const BLOCK_SLACK = 65536;

/** Nothing pending: the next byte starts a record. */
const PEND_NONE = 0;
/** A record (or its header) is being assembled in the carry buffer. */
const PEND_RECORD = 1;
/** Skipping the body of an unneeded block. */
const PEND_SKIP = 2;
/** Reading the 4-byte length trailer of a skipped block into the carry buffer. */
const PEND_TRAILER = 3;

/** Empty buffer (the record's buffer before the first record). */
const EMPTY = new Uint8Array(0);

/** Options of the capture parsers. */
export interface CaptureParserOptions {
  /** Name used in error messages. */
  fileName?: string;
  /** Largest captured length accepted (default 256 KiB). */
  maxRecord?: number;
}

/** Little-endian unsigned 16-bit value at b[o]. */
export function u16le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
/** Big-endian unsigned 16-bit value at b[o]. */
export function u16be(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
/** Little-endian unsigned 32-bit value at b[o]. */
export function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
/** Big-endian unsigned 32-bit value at b[o]. */
export function u32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
/** v as "0x" and 8 hex digits (for error messages). */
export function hex32(v: number): string {
  return "0x" + v.toString(16).padStart(8, "0");
}

/** Incremental push parser of one capture format: push() chunks, end() at end of stream. */
export abstract class StreamParser {
  /** Records delivered so far (the last record's frame number). */
  protected nPackets = 0;
  private nBytes = 0;

  /** Receives every record. */
  protected readonly sink: RecordSink;
  /** Name used in error messages. */
  protected readonly fileName: string;
  /** Largest captured length accepted. */
  protected readonly maxRecord: number;
  /** Largest record/block kept in the carry buffer. */
  protected readonly carryLimit: number;
  /** The one record object handed to the sink. */
  protected readonly rec: CaptureRecord;

  /** Format name once the file header was read ("" before). */
  protected fmtName = "";
  /** Byte order of the current file / section. */
  protected le = true;
  /** True once the file header / first section header was processed. */
  protected started = false;
  /** Link types in order of appearance (subclasses add to it). */
  protected readonly linktypeList: number[] = [];

  private failed: Error | null = null;

  // carry / pending state
  private carry: Uint8Array = new Uint8Array(4096);
  private carryLen = 0;
  private carryNeed = -1;
  private pending = PEND_NONE;
  private pendingOffset = 0;
  private skipRemaining = 0;
  private skipBlockLen = 0;

  private dvSrc: Uint8Array = EMPTY;
  private dv: DataView = new DataView(new ArrayBuffer(0));

  /** Create a parser that hands every record to sink. */
  constructor(sink: RecordSink, opts: CaptureParserOptions = {}) {
    this.sink = sink;
    this.fileName = opts.fileName ?? "<capture>";
    this.maxRecord = opts.maxRecord ?? DEFAULT_MAX_RECORD;
    this.carryLimit = this.maxRecord + BLOCK_SLACK;
    this.rec = newCaptureRecord(EMPTY, 0);
  }

  /** Number of records delivered so far. */
  get packets(): number {
    return this.nPackets;
  }

  /** Bytes pushed so far (= offset reached in the decompressed stream). */
  get bytesConsumed(): number {
    return this.nBytes;
  }

  /** Detected format ("" before the header was read). */
  get formatName(): string {
    return this.fmtName;
  }

  /** True when the current section/file is big-endian. */
  get bigEndian(): boolean {
    return !this.le;
  }

  /** Distinct link types announced by the file header / IDBs, in order of appearance. */
  linktypes(): number[] {
    return this.linktypeList.slice();
  }

  /** Feed the next chunk of the stream. Records are delivered synchronously; throws CaptureFormatError. */
  push(chunk: Uint8Array): void {
    if (this.failed) throw this.failed;
    // Records are views into chunks or into the carry buffer (a plain Uint8Array). A Node Buffer is a
    // Uint8Array subclass with another hidden class: taking both would make every reader of rec.buf
    // polymorphic (V8 deoptimises the decoder and the engine's fast path on the switch). One class only.
    if (Object.getPrototypeOf(chunk) !== Uint8Array.prototype)
      chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    try {
      this.feed(chunk);
    } catch (e) {
      this.failed = e as Error;
      throw e;
    }
  }

  /** Signal end of stream; throws CaptureFormatError (TRUNCATED) if it ends inside a header or record. */
  end(): void {
    if (this.failed) throw this.failed;
    let err: CaptureFormatError | null = null;
    if (!this.started && this.pending === PEND_NONE) {
      err = this.err("TRUNCATED", 0, "empty file (no capture header)");
    } else if (this.pending === PEND_RECORD) {
      if (!this.started) {
        err = this.err("TRUNCATED", 0, `file too short for a capture header (${this.carryLen} bytes)`);
      } else if (this.carryNeed < 0) {
        err = this.err(
          "TRUNCATED",
          this.pendingOffset,
          `file ends inside a record header (${this.carryLen} bytes present)`,
        );
      } else {
        err = this.err(
          "TRUNCATED",
          this.pendingOffset,
          `record of ${this.carryNeed} bytes but only ${this.carryLen} bytes remain`,
        );
      }
    } else if (this.pending === PEND_SKIP || this.pending === PEND_TRAILER) {
      const have = this.skipBlockLen - 4 - this.skipRemaining + this.carryLen;
      err = this.err(
        "TRUNCATED",
        this.pendingOffset,
        `block of ${this.skipBlockLen} bytes but only ${have} bytes remain`,
      );
    }
    if (err) {
      this.failed = err;
      throw err;
    }
  }

  /* ---------- what a format implements ---------- */

  /**
   * Total length of the record/block starting at off, or -(header bytes needed) when fewer than that are
   * available (avail bytes are). Throws for impossible lengths. No side effects.
   */
  protected abstract need(b: Uint8Array, off: number, avail: number, fileOff: number): number;

  /** Handle one complete record/block of n bytes at off (fileOff: its offset in the stream). */
  protected abstract process(b: Uint8Array, off: number, n: number, fileOff: number): void;

  /**
   * Hot path: deliver the common, complete records of chunk b from pos on; return the offset of the first
   * record it leaves to need()/process() (pos itself when the format has no fast path in its state).
   */
  protected abstract fast(b: Uint8Array, pos: number, end: number, base: number): number;

  /** True for blocks whose content the format ignores (skipped without buffering). */
  protected abstract skippable(b: Uint8Array, off: number): boolean;

  /* ---------- helpers for formats ---------- */

  /** A CaptureFormatError of this stream. */
  protected err(code: CaptureFormatError["code"], offset: number, why: string): CaptureFormatError {
    return new CaptureFormatError(code, this.fileName, offset, why);
  }

  /** Unsigned 16-bit value at b[o] in the stream's byte order. */
  protected rd16(b: Uint8Array, o: number): number {
    return this.le ? u16le(b, o) : u16be(b, o);
  }

  /** Unsigned 32-bit value at b[o] in the stream's byte order. */
  protected rd32(b: Uint8Array, o: number): number {
    return this.le ? u32le(b, o) : u32be(b, o);
  }

  /** DataView over chunk b, created once per chunk object (never per record). */
  protected viewOf(b: Uint8Array): DataView {
    if (b !== this.dvSrc) {
      this.dvSrc = b;
      this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    return this.dv;
  }

  /* ---------- chunk loop ---------- */

  private ensureCarry(n: number): void {
    if (n <= this.carry.length) return;
    let size = this.carry.length;
    while (size < n) size *= 2;
    if (size > this.carryLimit + 64) size = Math.max(n, this.carryLimit + 64);
    const next = new Uint8Array(size);
    next.set(this.carry.subarray(0, this.carryLen));
    this.carry = next;
  }

  private appendCarry(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    this.ensureCarry(this.carryLen + n);
    this.carry.set(src.subarray(from, to), this.carryLen);
    this.carryLen += n;
  }

  private feed(chunk: Uint8Array): void {
    const end = chunk.length;
    const base = this.nBytes;
    this.nBytes = base + end;
    let pos = 0;

    // 1. finish a record/block left over from earlier chunks
    while (this.pending !== PEND_NONE) {
      if (pos >= end) return;
      pos = this.feedPending(chunk, pos, end);
    }

    // 2. records lying in this chunk: handed out as views, no copy
    while (pos < end) {
      // the format's fast loop for the common records; it stops at anything unusual, which one generic
      // step handles
      pos = this.fast(chunk, pos, end, base);
      if (pos >= end) break;
      const avail = end - pos;
      const n = this.need(chunk, pos, avail, base + pos);
      if (n > 0 && n <= avail) {
        this.process(chunk, pos, n, base + pos);
        pos += n;
        continue;
      }
      // record spans the chunk boundary (or its header is incomplete)
      this.pendingOffset = base + pos;
      this.carryLen = 0;
      if (n > 0 && this.skippable(chunk, pos)) {
        this.startSkip(n, avail);
        if ((this.pending as number) === PEND_TRAILER) this.appendCarry(chunk, pos + n - 4, end);
        return;
      }
      this.pending = PEND_RECORD;
      this.carryNeed = n > 0 ? n : -1;
      if (n > 0) this.ensureCarry(n);
      this.appendCarry(chunk, pos, end);
      return;
    }
  }

  /** Skip mode for an unneeded block of n bytes of which `have` are already consumed. */
  private startSkip(n: number, have: number): void {
    this.skipBlockLen = n;
    if (have >= n - 4) {
      this.pending = PEND_TRAILER;
      this.skipRemaining = 0;
    } else {
      this.pending = PEND_SKIP;
      this.skipRemaining = n - 4 - have;
    }
  }

  private feedPending(chunk: Uint8Array, pos: number, end: number): number {
    if (this.pending === PEND_SKIP) {
      const k = Math.min(this.skipRemaining, end - pos);
      this.skipRemaining -= k;
      pos += k;
      if (this.skipRemaining === 0) {
        this.pending = PEND_TRAILER;
        this.carryLen = 0;
      }
      return pos;
    }
    if (this.pending === PEND_TRAILER) {
      const k = Math.min(4 - this.carryLen, end - pos);
      this.appendCarry(chunk, pos, pos + k);
      pos += k;
      if (this.carryLen === 4) {
        const trailer = this.rd32(this.carry, 0);
        this.carryLen = 0;
        this.pending = PEND_NONE;
        if (trailer !== this.skipBlockLen) {
          throw this.err(
            "BLOCK_LENGTH_MISMATCH",
            this.pendingOffset,
            `pcapng block lengths disagree (first ${this.skipBlockLen}, second ${trailer})`,
          );
        }
      }
      return pos;
    }
    // PEND_RECORD
    while (this.carryNeed < 0) {
      const n = this.need(this.carry, 0, this.carryLen, this.pendingOffset);
      if (n > 0) {
        if (n > this.carryLen && this.skippable(this.carry, 0)) {
          this.startSkip(n, this.carryLen);
          this.carryLen = 0;
          return pos;
        }
        this.carryNeed = n;
        this.ensureCarry(n);
        break;
      }
      const want = -n;
      const k = Math.min(want - this.carryLen, end - pos);
      this.appendCarry(chunk, pos, pos + k);
      pos += k;
      if (this.carryLen < want) return end;
    }
    const k = Math.min(this.carryNeed - this.carryLen, end - pos);
    if (k > 0) this.appendCarry(chunk, pos, pos + k);
    pos += k;
    if (this.carryLen < this.carryNeed) return end;
    const n = this.carryNeed;
    this.pending = PEND_NONE;
    this.carryNeed = -1;
    this.carryLen = 0;
    this.process(this.carry, 0, n, this.pendingOffset);
    return pos;
  }
}
