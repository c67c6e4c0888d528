/**
 * Push parser of pcapng streams (the chunk loop, carry buffer and error rules are parser-base.ts's).
 *
 * Guarantees:
 * - The stream starts with a Section Header Block (0a0d0d0a), else BAD_MAGIC at byte 0. Several sections,
 *   each in its own byte order (byte-order magic checked: BAD_BYTE_ORDER), SHB versions 1.0 and 1.2 only
 *   (as tshark). Interfaces are numbered per section; rec.ifIndex is section-qualified (interfaces of
 *   earlier sections first).
 * - Packets from EPB, the obsolete PB and SPB (no timestamp: hasTs false; caplen bounded by the block, the
 *   original length and the snap length of interface 0). IDB options if_tsresol and if_tsoffset are applied;
 *   options of SHB/IDB are validated (BAD_OPTION). NRB, ISB, custom and unknown blocks are skipped (without
 *   buffering when they span chunks, up to 16 MiB as Wireshark); block lengths are checked at both ends.
 * - Timestamps: 64-bit values are split with plain-number arithmetic (exact for power-of-ten resolutions up
 *   to 10^-11 and power-of-two up to 2^-23; BigInt only for more exotic if_tsresol values), so times beyond
 *   2106 work; if_tsoffset is added to the seconds.
 * - Hot path: consecutive well-formed EPBs are delivered by one loop over the chunk through a DataView made
 *   once per chunk; no allocation and no closure per record (BigInt only for the exotic resolutions).
 */

import { StreamParser, hex32, u32be, u32le } from "./parser-base.js";
import type { CaptureFormatError } from "./errors.js";

/** Largest pcapng block that is skipped (unknown/NRB/ISB/custom), as Wireshark's MAX_BLOCK_SIZE. */
const MAX_SKIP_BLOCK = 16 * 1024 * 1024;
/** Largest number of interfaces per pcapng section (memory cap). */
const MAX_INTERFACES = 65536;

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_PB = 0x00000002;
const BT_SPB = 0x00000003;
const BT_EPB = 0x00000006;
const BOM = 0x1a2b3c4d;

/* Timestamp conversion modes per pcapng interface. */
const TS_FAST = 0; // units per second <= 2^21: two exact divisions
const TS_LONGDIV = 1; // units per second < 2^37: base-2^16 long division
const TS_BIGINT = 2; // anything else (rare): BigInt
const TS_IMUL = 3; // 2^21 < units per second <= 2^30 (ns, 2^-22..2^-23): float estimate + exact 32-bit fix-up

const TWO32 = 4294967296;

/** True when the first 4 bytes (read big-endian) are the pcapng Section Header Block type. */
export function isPcapngMagic(m: number): boolean {
  return m === BT_SHB;
}

/** Incremental pcapng parser: push() chunks, end() at end of stream. */
export class PcapngParser extends StreamParser {
  // interfaces of the current section
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
  private readonly linktypeSeen = new Uint8Array(65536);

  /**
   * Hot path for pcapng Enhanced Packet Blocks of the current section: delivers consecutive complete,
   * well-formed EPBs; returns at the first other/incomplete/suspect block, which the generic path handles
   * (and reports, with the same checks, if it is broken).
   */
  protected fast(b: Uint8Array, pos: number, end: number, base: number): number {
    if (!this.started) return pos;
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

  protected need(b: Uint8Array, off: number, avail: number, fileOff: number): number {
    if (!this.started) {
      // the section header that starts the stream
      if (avail < 4) return -4;
      const m = u32be(b, off);
      if (m !== BT_SHB) throw this.err("BAD_MAGIC", 0, `magic ${hex32(m)}`);
    }
    return this.needBlock(b, off, avail, fileOff);
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
  protected skippable(b: Uint8Array, off: number): boolean {
    if (b[off] === 0x0a && b[off + 1] === 0x0d && b[off + 2] === 0x0d && b[off + 3] === 0x0a) return false;
    const t = this.rd32(b, off);
    return !(t === BT_EPB || t === BT_SPB || t === BT_PB || t === BT_IDB);
  }

  protected process(b: Uint8Array, off: number, n: number, fileOff: number): void {
    if (!this.started) {
      this.started = true;
      this.fmtName = "pcapng";
    }
    this.processBlock(b, off, n, fileOff);
  }

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
