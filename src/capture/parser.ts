/**
 * Incremental PUSH parser for classic pcap and pcapng capture streams (file readers and live capture).
 *
 * Guarantees:
 * - The format is detected from the magic number only: classic pcap (usec a1b2c3d4, nsec a1b23c4d, the
 *   "modified"/Kuznetzov a1b2cd34 with 24-byte record headers; both byte orders) and pcapng (0a0d0d0a).
 * - Records are delivered in file order through ONE reused CaptureRecord. A record that lies entirely in the
 *   pushed chunk is a view into that chunk (no copy); a record split across chunks is assembled in ONE reused
 *   carry buffer that never grows beyond maxRecord + 64 KiB. pcapng blocks the parser does not need (NRB, ISB,
 *   custom, unknown) that span chunks are skipped without buffering. Memory is therefore independent of the
 *   stream length.
 * - Format errors throw CaptureFormatError (stable code, byte offset in the stream) from push()/end(), after
 *   every record before the bad one was delivered; the parser then stays failed and rethrows that error.
 *   The offset is the start of the bad record/block, or of the bad header field (version, link type, byte-order
 *   magic, option) when one field is at fault. The same input gives the same records and the same error
 *   whatever the chunking.
 * - Timestamps: classic pcap seconds are unsigned 32-bit (0xFFFFFFFF = year 2106). An invalid fraction
 *   (usec >= 1e6 or nsec >= 1e9) is NORMALISED: whole seconds carried into tsSec, tsNsec = remainder (the same
 *   instant tshark shows as "s.1000000000"). pcapng 64-bit timestamps are split with plain-number arithmetic
 *   (exact for power-of-ten resolutions up to 10^-11 and power-of-two up to 2^-23; BigInt only for more exotic
 *   if_tsresol values), so times beyond 2106 work; if_tsoffset is added to the seconds.
 * - Version checks follow tshark: pcap major version 2 only; pcapng SHB 1.0 and 1.2 only. A classic pcap
 *   link-type field with reserved bits (0x03FF0000) set is refused as libpcap and tshark do; the FCS bits
 *   (0xF4000000) are masked off.
 */

import { CaptureFormatError } from "./errors.js";
import { newCaptureRecord, type CaptureRecord, type RecordSink } from "./types.js";

/** Default largest packet (captured length) accepted: 256 KiB, as tshark/libpcap. */
export const DEFAULT_MAX_RECORD = 262144;
/** Room allowed for pcapng block headers/options around a maximal packet. */
const BLOCK_SLACK = 65536;
/** Largest pcapng block that is skipped (unknown/NRB/ISB/custom), as Wireshark's MAX_BLOCK_SIZE. */
const MAX_SKIP_BLOCK = 16 * 1024 * 1024;
/** Largest number of interfaces per pcapng section (memory cap). */
const MAX_INTERFACES = 65536;

const PCAP_FILE_HDR_LEN = 24;
const PCAP_REC_HDR_LEN = 16;
const PCAP_MOD_REC_HDR_LEN = 24;

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_PB = 0x00000002;
const BT_SPB = 0x00000003;
const BT_EPB = 0x00000006;
const BOM = 0x1a2b3c4d;

const FMT_UNKNOWN = 0;
const FMT_PCAP = 1;
const FMT_PCAPNG = 2;

const PEND_NONE = 0;
const PEND_RECORD = 1;
const PEND_SKIP = 2;
const PEND_TRAILER = 3;

/* Timestamp conversion modes per pcapng interface. */
const TS_FAST = 0; // units per second <= 2^21: two exact divisions
const TS_LONGDIV = 1; // units per second < 2^37: base-2^16 long division
const TS_BIGINT = 2; // anything else (rare): BigInt
const TS_IMUL = 3; // 2^21 < units per second <= 2^30 (ns, 2^-22..2^-23): float estimate + exact 32-bit fix-up

const TWO32 = 4294967296;
const EMPTY = new Uint8Array(0);

/** Options of CaptureParser. */
export interface CaptureParserOptions {
  /** Name used in error messages. */
  fileName?: string;
  /** Largest captured length accepted (default 256 KiB). */
  maxRecord?: number;
}

function u16le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
function u16be(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
function u32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
function hex32(v: number): string {
  return "0x" + v.toString(16).padStart(8, "0");
}

/** Incremental capture parser: push() chunks, end() at end of stream. */
export class CaptureParser {
  private nPackets = 0;
  private nBytes = 0;

  private readonly sink: RecordSink;
  private readonly fileName: string;
  private readonly maxRecord: number;
  private readonly carryLimit: number;
  private readonly rec: CaptureRecord;

  private fmt = FMT_UNKNOWN;
  private fmtName = "";
  private le = true;
  private failed: Error | null = null;

  // classic pcap
  private recHdrLen = PCAP_REC_HDR_LEN;
  private nsec = false;
  /** 0 = normal, 1 = caplen/len swapped (pcap < 2.3), 2 = maybe swapped (2.3: swap when caplen > len). */
  private lenSwap = 0;
  private pcapLinktype = 0;

  // pcapng: interfaces of the current section
  private ifCount = 0;
  private sectionBase = 0;
  private ifLinktype: number[] = [];
  private ifSnaplen: number[] = [];
  private ifTsMode: number[] = [];
  private ifUnits: number[] = [];
  /** pow10 <= 9: multiplier frac -> ns; pow10 > 9: negative divisor; pow2: 0 (frac*1e9/U). */
  private ifNsMul: number[] = [];
  private ifTsOffset: number[] = [];
  private ifUnitsBig: bigint[] = [];

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
  private readonly linktypeList: number[] = [];
  private readonly linktypeSeen = new Uint8Array(65536);

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

  /** Detected format: "pcap" | "pcap-nsec" | "pcap-modified" | "pcapng" ("" before the header was read). */
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
    if (this.fmt === FMT_UNKNOWN && this.pending === PEND_NONE) {
      err = this.err("TRUNCATED", 0, "empty file (no capture header)");
    } else if (this.pending === PEND_RECORD) {
      if (this.fmt === FMT_UNKNOWN) {
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

  private err(code: CaptureFormatError["code"], offset: number, why: string): CaptureFormatError {
    return new CaptureFormatError(code, this.fileName, offset, why);
  }

  private rd16(b: Uint8Array, o: number): number {
    return this.le ? u16le(b, o) : u16be(b, o);
  }

  private rd32(b: Uint8Array, o: number): number {
    return this.le ? u32le(b, o) : u32be(b, o);
  }

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

  /* ---------- main loop (hot path) ---------- */

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
      // fast loops for the common records; they stop at anything unusual, which one generic step handles
      if (this.fmt === FMT_PCAP && this.lenSwap === 0) {
        pos = this.fastPcap(chunk, pos, end, base);
        if (pos >= end) break;
      } else if (this.fmt === FMT_PCAPNG) {
        pos = this.fastEpb(chunk, pos, end, base);
        if (pos >= end) break;
      }
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
      if (n > 0 && this.fmt === FMT_PCAPNG && this.skippable(chunk, pos)) {
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

  /**
   * Hot path for classic pcap (lengths not swapped): delivers every complete record of the chunk starting at
   * pos; returns the offset of the first incomplete (or too large) record, which the generic loop handles.
   */
  private fastPcap(b: Uint8Array, pos: number, end: number, base: number): number {
    const h = this.recHdrLen;
    const max = this.maxRecord;
    const le = this.le;
    const nsec = this.nsec;
    const rec = this.rec;
    const sink = this.sink;
    const lt = this.pcapLinktype;
    rec.buf = b;
    rec.hasTs = true;
    rec.linktype = lt;
    rec.ifIndex = 0;
    const dv = this.viewOf(b);
    while (end - pos >= h) {
      const caplen = dv.getUint32(pos + 8, le);
      if (caplen > max || end - pos - h < caplen) break;
      let sec = dv.getUint32(pos, le);
      let frac = dv.getUint32(pos + 4, le);
      if (!nsec) frac *= 1000;
      if (frac >= 1e9) {
        const c = Math.floor(frac / 1e9);
        sec += c;
        frac -= c * 1e9;
      }
      rec.buf = b;
      rec.off = pos + h;
      rec.caplen = caplen;
      rec.origLen = dv.getUint32(pos + 12, le);
      rec.tsSec = sec;
      rec.tsNsec = frac;
      rec.hasTs = true;
      rec.linktype = lt;
      rec.ifIndex = 0;
      rec.frame = ++this.nPackets;
      rec.fileOffset = base + pos;
      sink(rec);
      pos += h + caplen;
    }
    return pos;
  }

  /**
   * Hot path for pcapng Enhanced Packet Blocks of the current section: delivers consecutive complete,
   * well-formed EPBs; returns at the first other/incomplete/suspect block, which the generic path handles
   * (and reports, with the same checks, if it is broken).
   */
  private fastEpb(b: Uint8Array, pos: number, end: number, base: number): number {
    const le = this.le;
    const max = this.maxRecord;
    const rec = this.rec;
    const sink = this.sink;
    const dv = this.viewOf(b);
    while (end - pos >= 32) {
      if (dv.getUint32(pos, le) !== BT_EPB) break;
      const len = dv.getUint32(pos + 4, le);
      if (len < 32 || (len & 3) !== 0 || len > end - pos || dv.getUint32(pos + len - 4, le) !== len) break;
      const id = dv.getUint32(pos + 8, le);
      const caplen = dv.getUint32(pos + 20, le);
      if (id >= this.ifCount || caplen > max || caplen > len - 32) break;
      this.convertTs(id, dv.getUint32(pos + 12, le), dv.getUint32(pos + 16, le));
      rec.buf = b;
      rec.off = pos + 28;
      rec.caplen = caplen;
      rec.origLen = dv.getUint32(pos + 24, le);
      rec.hasTs = true;
      rec.linktype = this.ifLinktype[id]!;
      rec.ifIndex = this.sectionBase + id;
      rec.frame = ++this.nPackets;
      rec.fileOffset = base + pos;
      sink(rec);
      pos += len;
    }
    return pos;
  }

  /** DataView over chunk b, created once per chunk object (never per record). */
  private viewOf(b: Uint8Array): DataView {
    if (b !== this.dvSrc) {
      this.dvSrc = b;
      this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    return this.dv;
  }

  /** Skip mode for an unneeded pcapng block of n bytes of which `have` are already consumed. */
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
        if (this.fmt === FMT_PCAPNG && n > this.carryLen && this.skippable(this.carry, 0)) {
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

  /**
   * Total length of the record/block starting at off, or -(header bytes needed) when fewer than that are
   * available. Throws for impossible lengths. No side effects.
   */
  private need(b: Uint8Array, off: number, avail: number, fileOff: number): number {
    if (this.fmt === FMT_PCAP) {
      const h = this.recHdrLen;
      if (avail < h) return -h;
      const caplen = this.pcapCaplen(b, off);
      if (caplen > this.maxRecord) {
        throw this.err(
          "RECORD_TOO_LARGE",
          fileOff,
          `record claims ${caplen} captured bytes, more than the maximum of ${this.maxRecord}`,
        );
      }
      return h + caplen;
    }
    if (this.fmt === FMT_PCAPNG) return this.needBlock(b, off, avail, fileOff);
    // file header
    if (avail < 4) return -4;
    const m = u32be(b, off);
    if (m === BT_SHB) return this.needBlock(b, off, avail, fileOff);
    if (
      m === 0xa1b2c3d4 ||
      m === 0xd4c3b2a1 ||
      m === 0xa1b23c4d ||
      m === 0x4d3cb2a1 ||
      m === 0xa1b2cd34 ||
      m === 0x34cdb2a1
    ) {
      return avail < PCAP_FILE_HDR_LEN ? -PCAP_FILE_HDR_LEN : PCAP_FILE_HDR_LEN;
    }
    throw this.err("BAD_MAGIC", 0, `magic ${hex32(m)}`);
  }

  private needBlock(b: Uint8Array, off: number, avail: number, fileOff: number): number {
    if (avail < 8) return -8;
    let len: number;
    let type: number;
    if (b[off] === 0x0a && b[off + 1] === 0x0d && b[off + 2] === 0x0d && b[off + 3] === 0x0a) {
      if (avail < 12) return -12;
      const bom = u32le(b, off + 8);
      let le: boolean;
      if (bom === BOM) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else
        throw this.err(
          "BAD_BYTE_ORDER",
          fileOff + 8,
          `pcapng: unknown byte-order magic number ${hex32(bom)}`,
        );
      len = le ? u32le(b, off + 4) : u32be(b, off + 4);
      type = BT_SHB;
    } else {
      len = this.rd32(b, off + 4);
      type = this.rd32(b, off);
    }
    if (len < 12 || (len & 3) !== 0) {
      throw this.err(
        "BLOCK_LENGTH_MISMATCH",
        fileOff,
        `pcapng block total length ${len} is ${len < 12 ? "less than 12" : "not a multiple of 4"}`,
      );
    }
    const buffered =
      type === BT_EPB || type === BT_SPB || type === BT_PB || type === BT_IDB || type === BT_SHB;
    const limit = buffered ? this.carryLimit : MAX_SKIP_BLOCK;
    if (len > limit) {
      throw this.err(
        "RECORD_TOO_LARGE",
        fileOff,
        `pcapng block of type ${hex32(type)} claims ${len} bytes, more than the maximum of ${limit}`,
      );
    }
    return len;
  }

  /** True for pcapng blocks whose content the parser ignores (skipped without buffering). */
  private skippable(b: Uint8Array, off: number): boolean {
    if (b[off] === 0x0a && b[off + 1] === 0x0d && b[off + 2] === 0x0d && b[off + 3] === 0x0a) return false;
    const t = this.rd32(b, off);
    return !(t === BT_EPB || t === BT_SPB || t === BT_PB || t === BT_IDB);
  }

  private pcapCaplen(b: Uint8Array, off: number): number {
    const a = this.rd32(b, off + 8);
    if (this.lenSwap === 0) return a;
    const c = this.rd32(b, off + 12);
    if (this.lenSwap === 1) return c;
    return a > c ? c : a;
  }

  /** Handle one complete record/block of n bytes at off (hot path). */
  private process(b: Uint8Array, off: number, n: number, fileOff: number): void {
    if (this.fmt === FMT_PCAP) this.processPcap(b, off, n, fileOff);
    else if (this.fmt === FMT_PCAPNG) this.processBlock(b, off, n, fileOff);
    else if (u32be(b, off) === BT_SHB) {
      this.fmt = FMT_PCAPNG;
      this.fmtName = "pcapng";
      this.processBlock(b, off, n, fileOff);
    } else this.processPcapHeader(b, off);
  }

  private processPcapHeader(b: Uint8Array, off: number): void {
    const m = u32be(b, off);
    this.le = m === 0xd4c3b2a1 || m === 0x4d3cb2a1 || m === 0x34cdb2a1;
    const mm = this.le ? u32le(b, off) : m;
    this.nsec = mm === 0xa1b23c4d;
    this.recHdrLen = mm === 0xa1b2cd34 ? PCAP_MOD_REC_HDR_LEN : PCAP_REC_HDR_LEN;
    const major = this.rd16(b, off + 4);
    const minor = this.rd16(b, off + 6);
    if (major !== 2) {
      throw this.err(
        "BAD_VERSION",
        4,
        `pcap: major version ${major} unsupported (version ${major}.${minor})`,
      );
    }
    this.lenSwap = minor < 3 ? 1 : minor === 3 ? 2 : 0;
    const raw = this.rd32(b, off + 20);
    if ((raw & 0x03ff0000) !== 0) {
      throw this.err(
        "BAD_LINKTYPE",
        20,
        `pcap: network type reserved field not zero (${hex32(raw & 0x03ff0000)})`,
      );
    }
    this.pcapLinktype = raw & 0xffff;
    this.linktypeList.push(this.pcapLinktype);
    this.fmt = FMT_PCAP;
    this.fmtName = this.nsec
      ? "pcap-nsec"
      : this.recHdrLen === PCAP_MOD_REC_HDR_LEN
        ? "pcap-modified"
        : "pcap";
  }

  private processPcap(b: Uint8Array, off: number, n: number, fileOff: number): void {
    const rec = this.rec;
    let sec = this.rd32(b, off);
    let frac = this.rd32(b, off + 4);
    const caplen = n - this.recHdrLen;
    let orig = this.rd32(b, off + 12);
    if (this.lenSwap !== 0) {
      const a = this.rd32(b, off + 8);
      if (this.lenSwap === 1 || a > orig) orig = a;
    }
    if (this.nsec) {
      if (frac >= 1e9) {
        const carry = Math.floor(frac / 1e9);
        sec += carry;
        frac -= carry * 1e9;
      }
    } else {
      if (frac >= 1e6) {
        const carry = Math.floor(frac / 1e6);
        sec += carry;
        frac -= carry * 1e6;
      }
      frac *= 1000;
    }
    rec.buf = b;
    rec.off = off + this.recHdrLen;
    rec.caplen = caplen;
    rec.origLen = orig;
    rec.tsSec = sec;
    rec.tsNsec = frac;
    rec.hasTs = true;
    rec.linktype = this.pcapLinktype;
    rec.ifIndex = 0;
    rec.frame = ++this.nPackets;
    rec.fileOffset = fileOff;
    this.sink(rec);
  }

  /* ---------- pcapng ---------- */

  private processBlock(b: Uint8Array, off: number, n: number, fileOff: number): void {
    if (b[off] === 0x0a && b[off + 1] === 0x0d && b[off + 2] === 0x0d && b[off + 3] === 0x0a) {
      this.processShb(b, off, n, fileOff);
      return;
    }
    const trailer = this.rd32(b, off + n - 4);
    if (trailer !== n) {
      throw this.err(
        "BLOCK_LENGTH_MISMATCH",
        fileOff,
        `pcapng block lengths disagree (first ${n}, second ${trailer})`,
      );
    }
    const type = this.rd32(b, off);
    switch (type) {
      case BT_EPB:
        this.processEpb(b, off, n, fileOff, false);
        return;
      case BT_SPB:
        this.processSpb(b, off, n, fileOff);
        return;
      case BT_PB:
        this.processEpb(b, off, n, fileOff, true);
        return;
      case BT_IDB:
        this.processIdb(b, off, n, fileOff);
        return;
      default:
        return; // NRB, ISB, custom, unknown: skipped
    }
  }

  private tooShort(kind: string, n: number, min: number, fileOff: number): CaptureFormatError {
    return this.err(
      "BLOCK_LENGTH_MISMATCH",
      fileOff,
      `pcapng: total block length ${n} of ${kind} is less than the minimum ${min}`,
    );
  }

  private processShb(b: Uint8Array, off: number, n: number, fileOff: number): void {
    this.le = u32le(b, off + 8) === BOM;
    const trailer = this.rd32(b, off + n - 4);
    if (trailer !== n) {
      throw this.err(
        "BLOCK_LENGTH_MISMATCH",
        fileOff,
        `pcapng block lengths disagree (first ${n}, second ${trailer})`,
      );
    }
    if (n < 28) throw this.tooShort("an SHB", n, 28, fileOff);
    const major = this.rd16(b, off + 12);
    const minor = this.rd16(b, off + 14);
    if (!(major === 1 && (minor === 0 || minor === 2))) {
      throw this.err("BAD_VERSION", fileOff + 12, `pcapng: unknown SHB version ${major}.${minor}`);
    }
    this.walkOptions(b, off, off + 24, off + n - 4, fileOff, false);
    this.sectionBase += this.ifCount;
    this.ifCount = 0;
  }

  /** Walk (and validate) options in [p, end); for an IDB, apply if_tsresol / if_tsoffset to interface ifCount. */
  private walkOptions(
    b: Uint8Array,
    blockOff: number,
    p: number,
    end: number,
    fileOff: number,
    idb: boolean,
  ): void {
    while (p + 4 <= end) {
      const code = this.rd16(b, p);
      const len = this.rd16(b, p + 2);
      if (code === 0) return;
      if (p + 4 + len > end) {
        throw this.err(
          "BAD_OPTION",
          fileOff + (p - blockOff),
          `pcapng: option ${code} of length ${len} runs past the end of its block`,
        );
      }
      if (idb) {
        if (code === 9 && len >= 1) this.setTsResol(b[p + 4]!, fileOff + (p - blockOff));
        else if (code === 14 && len >= 8) {
          const hi = this.rd32(b, this.le ? p + 8 : p + 4) | 0; // signed high word
          const lo = this.rd32(b, this.le ? p + 4 : p + 8);
          this.ifTsOffset[this.ifCount] = hi * TWO32 + lo;
        }
      }
      p += 4 + ((len + 3) & ~3);
    }
  }

  private setTsResol(v: number, optOff: number): void {
    const i = this.ifCount;
    let units: number;
    if (v & 0x80) {
      const k = v & 0x7f;
      if (k > 63)
        throw this.err("BAD_OPTION", optOff, `pcapng: IDB power-of-2 time stamp resolution ${k} > 63`);
      units = 2 ** k;
      this.ifNsMul[i] = 0;
      this.ifTsMode[i] = units <= 2 ** 21 ? TS_FAST : k <= 23 ? TS_IMUL : TS_BIGINT;
    } else {
      if (v > 19)
        throw this.err("BAD_OPTION", optOff, `pcapng: IDB power-of-10 time stamp resolution ${v} > 19`);
      units = 10 ** v;
      this.ifNsMul[i] = v <= 9 ? 10 ** (9 - v) : -(10 ** (v - 9));
      this.ifTsMode[i] = units <= 2 ** 21 ? TS_FAST : v <= 9 ? TS_IMUL : v <= 11 ? TS_LONGDIV : TS_BIGINT;
    }
    this.ifUnits[i] = units;
    this.ifUnitsBig[i] = v & 0x80 ? 1n << BigInt(v & 0x7f) : 10n ** BigInt(v);
  }

  private processIdb(b: Uint8Array, off: number, n: number, fileOff: number): void {
    if (n < 20) throw this.tooShort("an IDB", n, 20, fileOff);
    const i = this.ifCount;
    if (i >= MAX_INTERFACES) {
      throw this.err(
        "BAD_INTERFACE",
        fileOff,
        `pcapng: more than ${MAX_INTERFACES} interfaces in one section`,
      );
    }
    const lt = this.rd16(b, off + 8);
    this.ifLinktype[i] = lt;
    this.ifSnaplen[i] = this.rd32(b, off + 12);
    this.ifTsOffset[i] = 0;
    this.ifUnits[i] = 1e6; // default resolution: microseconds
    this.ifNsMul[i] = 1000;
    this.ifTsMode[i] = TS_FAST;
    this.ifUnitsBig[i] = 1000000n;
    this.walkOptions(b, off, off + 16, off + n - 4, fileOff, true);
    this.ifCount = i + 1;
    if (this.linktypeSeen[lt] === 0) {
      this.linktypeSeen[lt] = 1;
      this.linktypeList.push(lt);
    }
  }

  private badInterface(id: number, fileOff: number): CaptureFormatError {
    return this.err(
      "BAD_INTERFACE",
      fileOff,
      `pcapng: interface index ${id} is not less than interface count ${this.ifCount}`,
    );
  }

  private processEpb(b: Uint8Array, off: number, n: number, fileOff: number, obsolete: boolean): void {
    if (n < 32) throw this.tooShort(obsolete ? "a PB" : "an EPB", n, 32, fileOff);
    const id = obsolete ? this.rd16(b, off + 8) : this.rd32(b, off + 8);
    if (id >= this.ifCount) throw this.badInterface(id, fileOff);
    const caplen = this.rd32(b, off + 20);
    if (caplen > this.maxRecord) {
      throw this.err(
        "RECORD_TOO_LARGE",
        fileOff,
        `record claims ${caplen} captured bytes, more than the maximum of ${this.maxRecord}`,
      );
    }
    if (caplen > n - 32) {
      throw this.err(
        "BLOCK_LENGTH_MISMATCH",
        fileOff,
        `pcapng: captured length ${caplen} does not fit in a block of ${n} bytes`,
      );
    }
    const rec = this.rec;
    this.convertTs(id, this.rd32(b, off + 12), this.rd32(b, off + 16));
    rec.buf = b;
    rec.off = off + 28;
    rec.caplen = caplen;
    rec.origLen = this.rd32(b, off + 24);
    rec.hasTs = true;
    rec.linktype = this.ifLinktype[id]!;
    rec.ifIndex = this.sectionBase + id;
    rec.frame = ++this.nPackets;
    rec.fileOffset = fileOff;
    this.sink(rec);
  }

  private processSpb(b: Uint8Array, off: number, n: number, fileOff: number): void {
    if (n < 16) throw this.tooShort("an SPB", n, 16, fileOff);
    if (this.ifCount === 0) throw this.badInterface(0, fileOff);
    const orig = this.rd32(b, off + 8);
    const snap = this.ifSnaplen[0]!;
    let caplen = n - 16;
    if (orig < caplen) caplen = orig;
    if (snap !== 0 && snap < caplen) caplen = snap;
    const rec = this.rec;
    rec.buf = b;
    rec.off = off + 12;
    rec.caplen = caplen;
    rec.origLen = orig;
    rec.tsSec = 0;
    rec.tsNsec = 0;
    rec.hasTs = false;
    rec.linktype = this.ifLinktype[0]!;
    rec.ifIndex = this.sectionBase;
    rec.frame = ++this.nPackets;
    rec.fileOffset = fileOff;
    this.sink(rec);
  }

  /** 64-bit pcapng timestamp (hi:lo units) of interface id -> rec.tsSec / rec.tsNsec (hot path). */
  private convertTs(id: number, hi: number, lo: number): void {
    const mode = this.ifTsMode[id]!;
    const u = this.ifUnits[id]!;
    let sec: number;
    let frac: number;
    if (mode === TS_FAST) {
      let hq = Math.floor(hi / u);
      let hr = hi - hq * u;
      if (hr < 0) {
        hq--;
        hr += u;
      } else if (hr >= u) {
        hq++;
        hr -= u;
      }
      const rem = hr * TWO32 + lo; // < 2^53
      let q = Math.floor(rem / u);
      frac = rem - q * u;
      if (frac < 0) {
        q--;
        frac += u;
      } else if (frac >= u) {
        q++;
        frac -= u;
      }
      sec = hq * TWO32 + q;
    } else if (mode === TS_IMUL) {
      // estimate, then the exact remainder from the low 32 bits: the double ts is off by <= 2^11 and the
      // quotient by < 1 unit (u > 2^21), so the true remainder lies in [-u, 2u), inside int32 for u <= 2^30
      sec = Math.floor((hi * TWO32 + lo) / u);
      frac = (lo - Math.imul(sec >>> 0, u)) | 0;
      while (frac < 0) {
        frac += u;
        sec--;
      }
      while (frac >= u) {
        frac -= u;
        sec++;
      }
    } else if (mode === TS_LONGDIV) {
      // base-2^16 long division: every partial dividend < u * 2^16 < 2^53
      let r = 0;
      sec = 0;
      for (let k = 0; k < 4; k++) {
        const d = k === 0 ? hi >>> 16 : k === 1 ? hi & 0xffff : k === 2 ? lo >>> 16 : lo & 0xffff;
        const x = r * 65536 + d;
        let q = Math.floor(x / u);
        r = x - q * u;
        if (r < 0) {
          q--;
          r += u;
        } else if (r >= u) {
          q++;
          r -= u;
        }
        sec = sec * 65536 + q;
      }
      frac = r;
    } else {
      const ub = this.ifUnitsBig[id]!;
      const ts = (BigInt(hi) << 32n) | BigInt(lo);
      const s = ts / ub;
      sec = Number(s);
      const f = ts - s * ub;
      this.rec.tsSec = sec + this.ifTsOffset[id]!;
      this.rec.tsNsec = Number((f * 1000000000n) / ub);
      return;
    }
    const mul = this.ifNsMul[id]!;
    let ns: number;
    if (mul > 0) ns = frac * mul;
    else if (mul < 0) ns = Math.floor(frac / -mul);
    else ns = Math.floor((frac * 1e9) / u);
    this.rec.tsSec = sec + this.ifTsOffset[id]!;
    this.rec.tsNsec = ns;
  }
}
