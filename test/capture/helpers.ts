/**
 * Test helpers for src/capture: byte builders for classic pcap and pcapng (either byte order), a record
 * collector that copies the reused record, and corpus location/walking.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseCaptureBuffer, type ReadResult } from "../../src/capture/reader.js";
import type { CaptureRecord } from "../../src/capture/types.js";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CORPUS = process.env.PFW_CORPUS ?? path.resolve(REPO, "../shared/corpus");
export const FIXTURES = path.join(REPO, "fixtures");

/**
 * Every file under the corpus (recursively), except the truth folders (truth/, truth-dpi/, ...) and the
 * top-level docs. Files of case folders (suricata-verify/) are included: they must be read without a
 * thrown exception too, whatever they hold.
 */
export function walkCorpus(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      const rel = path.relative(CORPUS, abs);
      if (e.isDirectory()) {
        if (!(dir === CORPUS && /^truth($|-)/.test(e.name))) walk(abs);
      } else if (rel !== "README.md" && rel !== "MANIFEST.tsv") out.push(rel);
    }
  };
  walk(CORPUS);
  return out.sort();
}

/** A plain copy of one delivered record. */
export interface Rec {
  data: string; // hex of the captured bytes
  caplen: number;
  origLen: number;
  tsSec: number;
  tsNsec: number;
  hasTs: boolean;
  linktype: number;
  ifIndex: number;
  frame: number;
  fileOffset: number;
}

/** Copy a reused record. */
export function copyRec(r: CaptureRecord): Rec {
  return {
    data: Buffer.from(r.buf.buffer, r.buf.byteOffset + r.off, r.caplen).toString("hex"),
    caplen: r.caplen,
    origLen: r.origLen,
    tsSec: r.tsSec,
    tsNsec: r.tsNsec,
    hasTs: r.hasTs,
    linktype: r.linktype,
    ifIndex: r.ifIndex,
    frame: r.frame,
    fileOffset: r.fileOffset,
  };
}

/** Parse bytes (optionally in chunks) and collect copies of every record. */
export function collect(data: Uint8Array, chunkSize?: number): { recs: Rec[]; res: ReadResult } {
  const recs: Rec[] = [];
  const opts: { fileName: string; chunkSize?: number } = { fileName: "test.cap" };
  if (chunkSize !== undefined) opts.chunkSize = chunkSize;
  const res = parseCaptureBuffer(data, (r) => recs.push(copyRec(r)), opts);
  return { recs, res };
}

/* ---------- byte builders ---------- */

/** Little helper writing numbers in a chosen byte order. */
export class Bytes {
  private parts: number[] = [];
  constructor(readonly le = true) {}
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    const b = [v & 0xff, (v >> 8) & 0xff];
    this.parts.push(...(this.le ? b : b.reverse()));
    return this;
  }
  u32(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
    this.parts.push(...(this.le ? b : b.reverse()));
    return this;
  }
  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]!);
    return this;
  }
  pad4(): this {
    while (this.parts.length % 4) this.parts.push(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  out(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export function cat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** n recognisable payload bytes. */
export function payload(n: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff);
}

export interface PcapRec {
  sec: number;
  frac: number;
  data: Uint8Array;
  orig?: number;
  /** Override the caplen field (for corrupt files). */
  caplenField?: number;
}

/** Classic pcap file bytes. magic: the numeric magic written in the chosen byte order. */
export function pcapFile(opts: {
  le?: boolean;
  magic?: number;
  major?: number;
  minor?: number;
  linktype?: number;
  snaplen?: number;
  records: PcapRec[];
}): Uint8Array {
  const b = new Bytes(opts.le ?? true);
  const magic = opts.magic ?? 0xa1b2c3d4;
  b.u32(magic)
    .u16(opts.major ?? 2)
    .u16(opts.minor ?? 4)
    .u32(0)
    .u32(0)
    .u32(opts.snaplen ?? 65535)
    .u32(opts.linktype ?? 1);
  for (const r of opts.records) {
    b.u32(r.sec)
      .u32(r.frac)
      .u32(r.caplenField ?? r.data.length)
      .u32(r.orig ?? r.data.length);
    if (magic === 0xa1b2cd34) b.u32(3).u16(0x0800).u8(0).u8(0);
    b.bytes(r.data);
  }
  return b.out();
}

/** One pcapng option. */
export function opt(le: boolean, code: number, value: Uint8Array): Uint8Array {
  return new Bytes(le).u16(code).u16(value.length).bytes(value).pad4().out();
}
export const END_OPT = (le: boolean): Uint8Array => new Bytes(le).u32(0).out();

/** A generic pcapng block: type, body (already padded), trailer = total length (override for corruption). */
export function block(le: boolean, type: number, body: Uint8Array, trailer?: number): Uint8Array {
  const total = 12 + body.length;
  return new Bytes(le)
    .u32(type)
    .u32(total)
    .bytes(body)
    .u32(trailer ?? total)
    .out();
}

export function shb(
  le: boolean,
  opts: { major?: number; minor?: number; options?: Uint8Array } = {},
): Uint8Array {
  const body = new Bytes(le)
    .u32(0x1a2b3c4d)
    .u16(opts.major ?? 1)
    .u16(opts.minor ?? 0)
    .u32(0xffffffff)
    .u32(0xffffffff)
    .bytes(opts.options ?? new Uint8Array(0))
    .out();
  return block(le, 0x0a0d0d0a, body);
}

export function idb(le: boolean, linktype: number, snaplen = 0, options?: Uint8Array): Uint8Array {
  const body = new Bytes(le)
    .u16(linktype)
    .u16(0)
    .u32(snaplen)
    .bytes(options ?? new Uint8Array(0))
    .out();
  return block(le, 1, body);
}

export function epb(
  le: boolean,
  ifid: number,
  hi: number,
  lo: number,
  data: Uint8Array,
  orig?: number,
  options?: Uint8Array,
): Uint8Array {
  const body = new Bytes(le)
    .u32(ifid)
    .u32(hi)
    .u32(lo)
    .u32(data.length)
    .u32(orig ?? data.length)
    .bytes(data)
    .pad4()
    .bytes(options ?? new Uint8Array(0))
    .out();
  return block(le, 6, body);
}

export function pb(le: boolean, ifid: number, hi: number, lo: number, data: Uint8Array): Uint8Array {
  const body = new Bytes(le)
    .u16(ifid)
    .u16(0)
    .u32(hi)
    .u32(lo)
    .u32(data.length)
    .u32(data.length)
    .bytes(data)
    .pad4()
    .out();
  return block(le, 2, body);
}

export function spb(le: boolean, orig: number, data: Uint8Array): Uint8Array {
  const body = new Bytes(le).u32(orig).bytes(data).pad4().out();
  return block(le, 3, body);
}
