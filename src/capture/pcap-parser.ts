/**
 * Push parser of classic pcap streams (the chunk loop, carry buffer and error rules are parser-base.ts's).
 *
 * Guarantees:
 * - Magics: usec a1b2c3d4, nsec a1b23c4d and the "modified"/Kuznetzov a1b2cd34 with 24-byte record headers,
 *   in both byte orders; anything else is BAD_MAGIC at byte 0.
 * - Version checks follow tshark: major version 2 only. Versions before 2.3 have caplen and len swapped;
 *   2.3 swaps them when caplen > len. A link-type field with reserved bits (0x03FF0000) set is refused as
 *   libpcap and tshark do; the FCS bits (0xF4000000) are masked off.
 * - Timestamps: seconds are unsigned 32-bit (0xFFFFFFFF = year 2106). An invalid fraction (usec >= 1e6 or
 *   nsec >= 1e9) is NORMALISED: whole seconds carried into tsSec, tsNsec = remainder (the same instant tshark
 *   shows as "s.1000000000").
 * - Hot path: records with unswapped lengths are delivered by one loop over the chunk through a DataView
 *   made once per chunk; no allocation and no closure per record.
 */

import { hex32, StreamParser, u32be, u32le } from "./parser-base.js";

const PCAP_FILE_HDR_LEN = 24;
const PCAP_REC_HDR_LEN = 16;
const PCAP_MOD_REC_HDR_LEN = 24;

/** True for the six classic pcap magics (read big-endian from the first 4 bytes). */
export function isPcapMagic(m: number): boolean {
  return (
    m === 0xa1b2c3d4 ||
    m === 0xd4c3b2a1 ||
    m === 0xa1b23c4d ||
    m === 0x4d3cb2a1 ||
    m === 0xa1b2cd34 ||
    m === 0x34cdb2a1
  );
}

/** Incremental classic-pcap parser: push() chunks, end() at end of stream. */
export class PcapParser extends StreamParser {
  private recHdrLen = PCAP_REC_HDR_LEN;
  private nsec = false;
  /** 0 = normal, 1 = caplen/len swapped (pcap < 2.3), 2 = maybe swapped (2.3: swap when caplen > len). */
  private lenSwap = 0;
  private pcapLinktype = 0;

  /** Hot path (lengths not swapped): every complete record of the chunk from pos on. */
  protected fast(b: Uint8Array, pos: number, end: number, base: number): number {
    if (!this.started || this.lenSwap !== 0) return pos;
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

  protected need(b: Uint8Array, off: number, avail: number, fileOff: number): number {
    if (this.started) {
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
    // file header
    if (avail < 4) return -4;
    const m = u32be(b, off);
    if (!isPcapMagic(m)) throw this.err("BAD_MAGIC", 0, `magic ${hex32(m)}`);
    return avail < PCAP_FILE_HDR_LEN ? -PCAP_FILE_HDR_LEN : PCAP_FILE_HDR_LEN;
  }

  protected skippable(): boolean {
    return false;
  }

  protected process(b: Uint8Array, off: number, n: number, fileOff: number): void {
    if (this.started) this.processRecord(b, off, n, fileOff);
    else this.processHeader(b, off);
  }

  private pcapCaplen(b: Uint8Array, off: number): number {
    const a = this.rd32(b, off + 8);
    if (this.lenSwap === 0) return a;
    const c = this.rd32(b, off + 12);
    if (this.lenSwap === 1) return c;
    return a > c ? c : a;
  }

  private processHeader(b: Uint8Array, off: number): void {
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
    this.started = true;
    this.fmtName = this.nsec
      ? "pcap-nsec"
      : this.recHdrLen === PCAP_MOD_REC_HDR_LEN
        ? "pcap-modified"
        : "pcap";
  }

  private processRecord(b: Uint8Array, off: number, n: number, fileOff: number): void {
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
}
