/**
 * Deterministic mutation fuzzer for the pfw CLI (`npm run fuzz`): hostile captures and rule files must never
 * crash it, hang it or make it print a stack trace.
 *
 *   node dist/scripts/fuzz.js [--seed N] [--captures N] [--rules N] [--out DIR] [--jobs N] [--timeout S]
 *
 * - Seeds: fixtures/ (gzip ones unpacked and packed again), rules/*.json and a few small captures of the
 *   shared corpus ($PFW_CORPUS, else ../shared/corpus; missing ones are skipped quietly).
 * - Input i of each kind is made from its own PRNG (mulberry32) seeded from (seed, kind, i), so an input
 *   does not depend on the number of jobs or on the order the runs finish in.
 * - Every input runs the real CLI (`node dist/src/cli/main.js`) as a child process, argument arrays, no shell:
 *   a capture through `pfw scan` with every output and through `pfw packets`; a rule file through
 *   `pfw rules check` and `pfw scan fixtures/example.pcap --rules FILE` with every output. Children get
 *   PFW_DEBUG=1, so an error that reaches the CLI's last handler prints its stack.
 * - `oracle()` judges one run: killed by a signal or an exit code other than 0/1/2 (crash), no exit within
 *   the timeout (hang), a stack trace, a JavaScript error name or a JavaScript / Node.js error message on
 *   stderr (trace: pfw prints an unexpected error as `pfw: <message>` only, see JS_ERROR_MESSAGES), and for
 *   a scan a CSV report that is missing or does not parse (report).
 * - Failing inputs are saved in the output folder (default reports/fuzz-<seed>/) with a one-line reason
 *   each; the run exits 1 then, 0 when every input passed, 2 on bad arguments.
 *
 * The mutators and the oracle are pure exported functions (test/fuzz/fuzz.test.ts calls them).
 */
import { FLOW_COLUMNS } from "../src/report/flow-row.js";
import { NATIVE_RULE_KEYS, NATIVE_TOP_KEYS } from "../src/rules/native.js";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

// ---------------------------------------------------------------------------------------------------------
// Repository paths

/** Repository root: parent of scripts/, or of dist/scripts/ when run compiled. */
export function repoRoot(): string {
  let root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  if (path.basename(root) === "dist") root = path.dirname(root);
  return root;
}

/** The built CLI entry. */
export function pfwMain(root = repoRoot()): string {
  return path.join(root, "dist", "src", "cli", "main.js");
}

// ---------------------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: a small seeded PRNG (32-bit state), the same sequence on every machine. */
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** Next unsigned 32-bit integer. */
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** An integer in [0, n) (0 when n <= 0). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.float() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Rng.pick: empty list");
    return items[this.int(items.length)] as T;
  }

  /** An index into weights, chosen with probability proportional to its weight. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0);
    let x = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i] ?? 0;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** A length biased to small values: mostly 1-8, sometimes up to max. */
  smallLen(max: number): number {
    if (max <= 1) return 1;
    return this.chance(0.7) ? this.range(1, Math.min(8, max)) : this.range(1, max);
  }
}

/** The PRNG seed of input `index` of one kind ("capture" / "rules") of a run with seed `seed`. */
export function inputSeed(seed: number, kind: "capture" | "rules", index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (kind === "capture" ? 0x27d4eb2f : 0x165667b1) ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ index ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------
// Byte helpers

const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80] as const;
/** Largest mutant kept; an operation that would grow a mutant beyond it is dropped. */
export const MAX_MUTANT_BYTES = 4 << 20;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function rd(b: Uint8Array, off: number, size: 1 | 2 | 4, be: boolean): number {
  if (off < 0 || off + size > b.length) return 0;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (size === 1) return v.getUint8(off);
  if (size === 2) return v.getUint16(off, !be);
  return v.getUint32(off, !be);
}

function wr(b: Uint8Array, off: number, size: 1 | 2 | 4, be: boolean, value: number): void {
  if (off < 0 || off + size > b.length) return;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const x = value >>> 0;
  if (size === 1) v.setUint8(off, x & 0xff);
  else if (size === 2) v.setUint16(off, x & 0xffff, !be);
  else v.setUint32(off, x, !be);
}

function u16be(n: number): Uint8Array {
  return Uint8Array.of((n >>> 8) & 0xff, n & 0xff);
}

const pad4 = (n: number): number => (n + 3) & ~3;

// ---------------------------------------------------------------------------------------------------------
// Generic byte mutators (captures and rule files): pure, they return a new array and never change `b`.

/** Flip 1-8 random bits. */
export function mutBitFlip(b: Uint8Array, rng: Rng): Uint8Array {
  const out = b.slice();
  if (out.length === 0) return out;
  for (let n = rng.range(1, 8); n > 0; n--) {
    const i = rng.int(out.length);
    out[i] = (out[i] ?? 0) ^ (1 << rng.int(8));
  }
  return out;
}

/** Set 1-4 random bytes to 0x00, 0xff, 0x7f or 0x80. */
export function mutInterestingByte(b: Uint8Array, rng: Rng): Uint8Array {
  const out = b.slice();
  if (out.length === 0) return out;
  for (let n = rng.range(1, 4); n > 0; n--) out[rng.int(out.length)] = rng.pick(INTERESTING_BYTES);
  return out;
}

/** Overwrite a run of 1-32 bytes with random bytes. */
export function mutRandomBytes(b: Uint8Array, rng: Rng): Uint8Array {
  const out = b.slice();
  if (out.length === 0) return rng.bytes(rng.range(1, 32));
  const at = rng.int(out.length);
  const n = Math.min(rng.smallLen(32), out.length - at);
  out.set(rng.bytes(n), at);
  return out;
}

/** Insert 1-64 random bytes at a random offset. */
export function mutInsertBytes(b: Uint8Array, rng: Rng): Uint8Array {
  const at = rng.int(b.length + 1);
  return concat([b.subarray(0, at), rng.bytes(rng.smallLen(64)), b.subarray(at)]);
}

/** Cut the input at a random offset. */
export function mutTruncate(b: Uint8Array, rng: Rng): Uint8Array {
  return b.slice(0, rng.int(b.length));
}

/** Delete a random chunk. */
export function mutDeleteChunk(b: Uint8Array, rng: Rng): Uint8Array {
  if (b.length === 0) return b.slice();
  const at = rng.int(b.length);
  const n = Math.min(rng.chance(0.5) ? rng.smallLen(64) : rng.range(1, b.length), b.length - at);
  return concat([b.subarray(0, at), b.subarray(at + n)]);
}

/** Copy a random chunk to a random offset (1-4 times). */
export function mutDuplicateChunk(b: Uint8Array, rng: Rng): Uint8Array {
  if (b.length === 0) return b.slice();
  const from = rng.int(b.length);
  const n = Math.min(rng.chance(0.5) ? rng.smallLen(64) : rng.range(1, b.length), b.length - from);
  const chunk = b.subarray(from, from + n);
  const at = rng.int(b.length + 1);
  const copies = Array.from({ length: rng.range(1, 4) }, () => chunk);
  return concat([b.subarray(0, at), ...copies, b.subarray(at)]);
}

/** The head of `a` up to a random offset, then the tail of `other` from a random offset. */
export function mutSplice(a: Uint8Array, other: Uint8Array, rng: Rng): Uint8Array {
  const i = rng.int(a.length + 1);
  const j = rng.int(other.length + 1);
  return concat([a.subarray(0, i), other.subarray(j)]);
}

export type ByteMutator = (b: Uint8Array, rng: Rng) => Uint8Array;

/** The generic byte mutators by name (splice needs a second input and is listed separately). */
export const BYTE_MUTATORS: Readonly<Record<string, ByteMutator>> = {
  bitflip: mutBitFlip,
  "byte-set": mutInterestingByte,
  "random-bytes": mutRandomBytes,
  "insert-bytes": mutInsertBytes,
  truncate: mutTruncate,
  "delete-chunk": mutDeleteChunk,
  "duplicate-chunk": mutDuplicateChunk,
};

// ---------------------------------------------------------------------------------------------------------
// Capture layout: where the header fields and packets of a pcap / pcapng file are, for aimed edits.

/** A numeric header field of a capture (file header, record/block header, or a protocol header in a packet). */
export interface Field {
  name: string;
  off: number;
  size: 1 | 2 | 4;
  be: boolean;
  /** The field is a 4-bit half of its byte (IPv4 IHL: "lo", TCP data offset: "hi"). */
  nibble?: "hi" | "lo";
}

/** A packet's bytes and the record or block that holds it. */
export interface PacketSpan {
  kind: "pcap" | "epb" | "spb" | "opb";
  /** Offset of the record header / block. */
  rec: number;
  /** Offset and length of the packet data (as far as the file holds it). */
  off: number;
  len: number;
  linktype: number;
  be: boolean;
  /** pcapng: the block's total length. */
  blockLen: number;
}

export interface CaptureLayout {
  format: "pcap" | "pcapng" | "unknown";
  fields: Field[];
  packets: PacketSpan[];
  /** Offsets where a record or block starts (and the end of the last whole one). */
  boundaries: number[];
}

const PCAP_MAGICS: Readonly<Record<number, number>> = { 0xa1b2c3d4: 16, 0xa1b23c4d: 16, 0xa1b2cd34: 24 };
const MAX_LAYOUT_PACKETS = 20_000;

/** Find the header fields and packets of a pcap or pcapng file (as far as its structure is intact). */
export function captureLayout(b: Uint8Array): CaptureLayout {
  const lay: CaptureLayout = { format: "unknown", fields: [], packets: [], boundaries: [] };
  if (b.length < 4) return lay;
  const le = rd(b, 0, 4, false);
  const be = rd(b, 0, 4, true);
  if (PCAP_MAGICS[le] !== undefined || PCAP_MAGICS[be] !== undefined)
    pcapLayout(b, lay, PCAP_MAGICS[le] === undefined);
  else if (be === 0x0a0d0d0a) pcapngLayout(b, lay);
  for (const p of lay.packets) packetFields(b, p, lay.fields);
  return lay;
}

function pcapLayout(b: Uint8Array, lay: CaptureLayout, be: boolean): void {
  lay.format = "pcap";
  const hdr = PCAP_MAGICS[rd(b, 0, 4, be)] ?? 16;
  const f = (name: string, off: number, size: 1 | 2 | 4 = 4): void => {
    if (off + size <= b.length) lay.fields.push({ name, off, size, be });
  };
  f("pcap.magic", 0);
  f("pcap.version_major", 4, 2);
  f("pcap.version_minor", 6, 2);
  f("pcap.snaplen", 16);
  f("pcap.linktype", 20);
  const linktype = rd(b, 20, 4, be) & 0xffff;
  let off = 24;
  while (off + hdr <= b.length && lay.packets.length < MAX_LAYOUT_PACKETS) {
    lay.boundaries.push(off);
    f("pcap.ts_sec", off);
    f("pcap.ts_frac", off + 4);
    f("pcap.incl_len", off + 8);
    f("pcap.orig_len", off + 12);
    const incl = rd(b, off + 8, 4, be);
    const data = off + hdr;
    const len = Math.min(incl, b.length - data);
    lay.packets.push({ kind: "pcap", rec: off, off: data, len, linktype, be, blockLen: 0 });
    if (incl > b.length - data) return;
    off = data + incl;
  }
  lay.boundaries.push(off);
}

function pcapngLayout(b: Uint8Array, lay: CaptureLayout): void {
  lay.format = "pcapng";
  let off = 0;
  let be = false;
  let ifaces: number[] = [];
  while (off + 12 <= b.length && lay.packets.length < MAX_LAYOUT_PACKETS) {
    lay.boundaries.push(off);
    if (rd(b, off, 4, true) === 0x0a0d0d0a) {
      const bom = rd(b, off + 8, 4, false);
      be = bom !== 0x1a2b3c4d;
      ifaces = [];
    }
    const type = rd(b, off, 4, be);
    const len = rd(b, off + 4, 4, be);
    const f = (name: string, at: number, size: 1 | 2 | 4 = 4): void => {
      if (at + size <= b.length) lay.fields.push({ name, off: off + at, size, be });
    };
    f("pcapng.block_type", 0);
    f("pcapng.block_len", 4);
    if (len >= 12 && off + len <= b.length) f("pcapng.block_len_trailer", len - 4);
    if (type === 0x0a0d0d0a) {
      f("pcapng.shb.bom", 8);
      f("pcapng.shb.version", 12, 2);
      f("pcapng.shb.section_len_hi", 16);
      f("pcapng.shb.section_len_lo", 20);
      f("pcapng.shb.opt_code", 24, 2);
      f("pcapng.shb.opt_len", 26, 2);
    } else if (type === 1) {
      f("pcapng.idb.linktype", 8, 2);
      f("pcapng.idb.snaplen", 12);
      f("pcapng.idb.opt_code", 16, 2);
      f("pcapng.idb.opt_len", 18, 2);
      ifaces.push(rd(b, off + 8, 2, be));
    } else if (type === 6 || type === 2) {
      const kind = type === 6 ? "epb" : "opb";
      if (type === 6) f("pcapng.epb.iface", 8);
      else f("pcapng.opb.iface", 8, 2);
      f(`pcapng.${kind}.ts_hi`, 12);
      f(`pcapng.${kind}.ts_lo`, 16);
      f(`pcapng.${kind}.cap_len`, 20);
      f(`pcapng.${kind}.orig_len`, 24);
      const iface = type === 6 ? rd(b, off + 8, 4, be) : rd(b, off + 8, 2, be);
      const cap = rd(b, off + 20, 4, be);
      const data = off + 28;
      const plen = Math.max(0, Math.min(cap, b.length - data, len >= 32 ? len - 32 : 0));
      lay.packets.push({
        kind,
        rec: off,
        off: data,
        len: plen,
        linktype: ifaces[iface] ?? -1,
        be,
        blockLen: len,
      });
      const opt = data + pad4(cap);
      if (opt + 4 <= off + len - 4) {
        f(`pcapng.${kind}.opt_code`, opt - off, 2);
        f(`pcapng.${kind}.opt_len`, opt - off + 2, 2);
      }
    } else if (type === 3) {
      f("pcapng.spb.orig_len", 8);
      const data = off + 12;
      const plen = Math.max(0, Math.min(rd(b, off + 8, 4, be), b.length - data, len >= 16 ? len - 16 : 0));
      lay.packets.push({
        kind: "spb",
        rec: off,
        off: data,
        len: plen,
        linktype: ifaces[0] ?? -1,
        be,
        blockLen: len,
      });
    } else if (type === 5) {
      f("pcapng.isb.iface", 8);
    }
    if (len < 12 || len > b.length - off) return;
    off += len;
  }
  lay.boundaries.push(off);
}

/** Ethernet-family EtherTypes that carry a tag before the next EtherType. */
const VLAN_TPIDS = [0x8100, 0x88a8, 0x9100];

/** Add the protocol header fields of one packet (link layer, VLAN/MPLS stacks, IPv4/IPv6, TCP/UDP). */
function packetFields(b: Uint8Array, p: PacketSpan, out: Field[]): void {
  const end = p.off + p.len;
  const f = (name: string, off: number, size: 1 | 2 | 4, nibble?: "hi" | "lo"): void => {
    if (off >= p.off && off + size <= end)
      out.push(nibble ? { name, off, size, be: true, nibble } : { name, off, size, be: true });
  };
  const net = networkStart(b, p, f);
  if (net === null) return;
  ipFields(b, net.off, end, net.version, f, 0);
}

type AddField = (name: string, off: number, size: 1 | 2 | 4, nibble?: "hi" | "lo") => void;

/** Where the network layer of a packet starts, adding the link-layer fields on the way. */
function networkStart(b: Uint8Array, p: PacketSpan, f: AddField): { off: number; version: number } | null {
  const end = p.off + p.len;
  let o = p.off;
  let type: number;
  switch (p.linktype) {
    case 1: {
      o += 12;
      type = rd(b, o, 2, true);
      f("eth.type", o, 2);
      for (let depth = 0; depth < 16 && o + 4 <= end; depth++) {
        if (VLAN_TPIDS.includes(type)) {
          f("vlan.tci", o + 2, 2);
          f("vlan.type", o + 4, 2);
          o += 4;
          type = rd(b, o, 2, true);
        } else if (type === 0x8847 || type === 0x8848) {
          let l = o + 2;
          for (let n = 0; n < 16 && l + 4 <= end; n++) {
            f("mpls.label", l, 4);
            const bos = (rd(b, l + 2, 1, true) & 1) === 1;
            l += 4;
            if (bos) break;
          }
          const v = rd(b, l, 1, true) >> 4;
          return v === 4 || v === 6 ? { off: l, version: v } : null;
        } else if (type === 0x8864) {
          f("pppoe.len", o + 6, 2);
          f("ppp.proto", o + 8, 2);
          const proto = rd(b, o + 8, 2, true);
          return proto === 0x21
            ? { off: o + 10, version: 4 }
            : proto === 0x57
              ? { off: o + 10, version: 6 }
              : null;
        } else break;
      }
      o += 2;
      break;
    }
    case 113:
      f("sll.proto", p.off + 14, 2);
      type = rd(b, p.off + 14, 2, true);
      o += 16;
      break;
    case 276:
      f("sll2.proto", p.off, 2);
      type = rd(b, p.off, 2, true);
      o += 20;
      break;
    case 0:
    case 108:
      f("null.family", p.off, 4);
      o += 4;
      type = rd(b, o, 1, true) >> 4 === 6 ? 0x86dd : 0x0800;
      break;
    case 12:
    case 14:
    case 101:
    case 228:
    case 229:
      type = rd(b, o, 1, true) >> 4 === 6 ? 0x86dd : 0x0800;
      break;
    default:
      return null;
  }
  if (type === 0x0800) return { off: o, version: 4 };
  if (type === 0x86dd) return { off: o, version: 6 };
  return null;
}

function ipFields(b: Uint8Array, o: number, end: number, version: number, f: AddField, depth: number): void {
  if (depth > 4 || o >= end) return;
  let proto: number;
  let t: number;
  if (version === 4) {
    f("ip4.ihl", o, 1, "lo");
    f("ip4.total_len", o + 2, 2);
    f("ip4.frag", o + 6, 2);
    f("ip4.proto", o + 9, 1);
    proto = rd(b, o + 9, 1, true);
    t = o + (rd(b, o, 1, true) & 0x0f) * 4;
    if ((rd(b, o + 6, 2, true) & 0x1fff) !== 0) return;
  } else {
    f("ip6.payload_len", o + 4, 2);
    f("ip6.next", o + 6, 1);
    proto = rd(b, o + 6, 1, true);
    t = o + 40;
    for (let n = 0; n < 8 && [0, 43, 44, 60].includes(proto) && t + 8 <= end; n++) {
      f("ip6.ext.next", t, 1);
      f("ip6.ext.len", t + 1, 1);
      const next = rd(b, t, 1, true);
      t += proto === 44 ? 8 : (rd(b, t + 1, 1, true) + 1) * 8;
      proto = next;
    }
  }
  if (t >= end) return;
  if (proto === 6) {
    f("tcp.doff", t + 12, 1, "hi");
    f("tcp.flags", t + 13, 1);
    f("tcp.opt_kind", t + 20, 1);
    f("tcp.opt_len", t + 21, 1);
  } else if (proto === 17) {
    f("udp.len", t + 4, 2);
  } else if (proto === 47) {
    f("gre.flags", t, 2);
    f("gre.proto", t + 2, 2);
  } else if (proto === 1 || proto === 58) {
    f("icmp.type", t, 1);
  } else if (proto === 4 || proto === 41) {
    ipFields(b, t, end, proto === 4 ? 4 : 6, f, depth + 1);
  }
}

/** Replace one packet's bytes, fixing the record / block lengths so the file stays well formed. */
export function replacePacket(b: Uint8Array, p: PacketSpan, data: Uint8Array): Uint8Array {
  const delta = data.length - p.len;
  if (p.kind === "pcap") {
    const hdr = b.slice(p.rec, p.off);
    wr(hdr, 8, 4, p.be, data.length);
    wr(hdr, 12, 4, p.be, Math.max(0, rd(hdr, 12, 4, p.be) + delta));
    return concat([b.subarray(0, p.rec), hdr, data, b.subarray(p.off + p.len)]);
  }
  const blockEnd = p.rec + p.blockLen;
  if (p.blockLen < 12 || blockEnd > b.length) return b.slice();
  const padded = pad4(data.length);
  const body = new Uint8Array(padded);
  body.set(data);
  if (p.kind === "spb") {
    const head = b.slice(p.rec, p.rec + 12);
    const len = 12 + padded + 4;
    wr(head, 4, 4, p.be, len);
    wr(head, 8, 4, p.be, data.length);
    const trailer = new Uint8Array(4);
    wr(trailer, 0, 4, p.be, len);
    return concat([b.subarray(0, p.rec), head, body, trailer, b.subarray(blockEnd)]);
  }
  const head = b.slice(p.rec, p.rec + 28);
  const cap = rd(head, 20, 4, p.be);
  const optStart = Math.min(p.off + pad4(cap), blockEnd - 4);
  const opts = b.subarray(optStart, Math.max(optStart, blockEnd - 4));
  const len = 28 + padded + opts.length + 4;
  wr(head, 4, 4, p.be, len);
  wr(head, 20, 4, p.be, data.length);
  wr(head, 24, 4, p.be, Math.max(0, rd(head, 24, 4, p.be) + delta));
  const trailer = new Uint8Array(4);
  wr(trailer, 0, 4, p.be, len);
  return concat([b.subarray(0, p.rec), head, body, opts, trailer, b.subarray(blockEnd)]);
}

// ---------------------------------------------------------------------------------------------------------
// Capture mutators aimed at the structure: they return null when the input has nothing to aim at.

export type CaptureMutator = (b: Uint8Array, rng: Rng, lay: CaptureLayout) => Uint8Array | null;

/** Link types pfw decodes, and a few it does not. */
const LINKTYPES = [
  0, 1, 9, 12, 14, 50, 101, 104, 105, 108, 113, 117, 119, 127, 163, 192, 228, 229, 239, 276, 2, 147, 65535,
];

/** Values worth trying in a field of `size` bytes whose value is `cur`. */
function fieldValue(rng: Rng, size: 1 | 2 | 4, cur: number): number {
  const max = size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  const half = Math.floor(max / 2);
  const choices = [
    0,
    1,
    2,
    3,
    4,
    max,
    max - 1,
    half,
    half + 1,
    cur + 1,
    cur - 1,
    cur + 4,
    cur - 4,
    cur * 2,
    cur >>> 1,
  ];
  if (size === 4) choices.push(0x10000, 0x40000, 0x7fff, 0xffff, 65536 + 24, 0x00ffffff);
  if (size === 2) choices.push(0x8100, 0x88a8, 0x8847, 0x0800, 0x86dd, 0x0806, 0x8864, 0x6558);
  if (rng.chance(0.2)) return rng.u32() & max;
  return rng.pick(choices) & max;
}

/** Set one header field to an edge value. */
export const mutHeaderField: CaptureMutator = (b, rng, lay) => {
  if (lay.fields.length === 0) return null;
  const fld = rng.pick(lay.fields);
  const out = b.slice();
  if (fld.nibble) {
    const cur = rd(out, fld.off, 1, true);
    const v = rng.pick([0, 1, 4, 5, 6, 15, rng.int(16)]);
    out[fld.off] = fld.nibble === "lo" ? (cur & 0xf0) | v : (cur & 0x0f) | (v << 4);
  } else {
    wr(out, fld.off, fld.size, fld.be, fieldValue(rng, fld.size, rd(out, fld.off, fld.size, fld.be)));
  }
  return out;
};

/** Change the link type in the file header or an interface description block. */
export const mutLinktype: CaptureMutator = (b, rng, lay) => {
  const fields = lay.fields.filter((f) => f.name === "pcap.linktype" || f.name === "pcapng.idb.linktype");
  if (fields.length === 0) return null;
  const fld = rng.pick(fields);
  const out = b.slice();
  wr(out, fld.off, fld.size, fld.be, rng.pick(LINKTYPES));
  return out;
};

/** Mutate bytes inside one packet only (the file structure stays intact, so the decoders see them). */
export const mutPacketBytes: CaptureMutator = (b, rng, lay) => {
  const pkts = lay.packets.filter((p) => p.len > 0);
  if (pkts.length === 0) return null;
  const p = rng.pick(pkts);
  const data = b.slice(p.off, p.off + p.len);
  const op = rng.int(5);
  let next: Uint8Array;
  if (op === 0) next = mutBitFlip(data, rng);
  else if (op === 1) next = mutInterestingByte(data, rng);
  else if (op === 2) next = mutRandomBytes(data, rng);
  else if (op === 3) next = mutTruncate(data, rng);
  else next = rng.chance(0.5) ? mutInsertBytes(data, rng) : mutDeleteChunk(data, rng);
  return replacePacket(b, p, next);
};

function ethernetPackets(lay: CaptureLayout): PacketSpan[] {
  return lay.packets.filter((p) => p.linktype === 1 && p.len >= 14);
}

function stackDepth(rng: Rng): number {
  return rng.pick([2, 3, 5, 16, 100, 1000, rng.range(1, 3000)]);
}

/** Insert a stack of 802.1Q / 802.1ad tags after the MAC addresses of an Ethernet frame. */
export const mutVlanStack: CaptureMutator = (b, rng, lay) => {
  const pkts = ethernetPackets(lay);
  if (pkts.length === 0) return null;
  const p = rng.pick(pkts);
  const frame = b.subarray(p.off, p.off + p.len);
  const n = stackDepth(rng);
  const tags = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    tags.set(u16be(rng.pick(VLAN_TPIDS)), i * 4);
    tags.set(u16be(rng.u32() & 0xffff), i * 4 + 2);
  }
  // sometimes the frame ends right after the tags (no inner EtherType or payload)
  const tail = rng.chance(0.15) ? new Uint8Array(0) : frame.subarray(12);
  return replacePacket(b, p, concat([frame.subarray(0, 12), tags, tail]));
};

/** Put an MPLS label stack (bottom-of-stack bit set on the last label, or never) in front of the payload. */
export const mutMplsStack: CaptureMutator = (b, rng, lay) => {
  const pkts = ethernetPackets(lay);
  if (pkts.length === 0) return null;
  const p = rng.pick(pkts);
  const frame = b.subarray(p.off, p.off + p.len);
  const n = stackDepth(rng);
  const neverBottom = rng.chance(0.3);
  const labels = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const label = rng.u32() & 0xfffff;
    const bos = !neverBottom && i === n - 1 ? 1 : 0;
    wr(labels, i * 4, 4, true, ((label << 12) | (rng.int(8) << 9) | (bos << 8) | rng.int(256)) >>> 0);
  }
  const payload = rng.chance(0.15) ? new Uint8Array(0) : frame.subarray(14);
  return replacePacket(
    b,
    p,
    concat([frame.subarray(0, 12), u16be(rng.chance(0.8) ? 0x8847 : 0x8848), labels, payload]),
  );
};

/** Wrap the IP packet of a frame in many IPv4-in-IPv4 or IPv6-in-IPv6 headers (tunnel depth). */
export const mutIpNest: CaptureMutator = (b, rng, lay) => {
  const cands: { p: PacketSpan; net: number; version: number }[] = [];
  for (const p of lay.packets) {
    const net = networkStart(b, p, () => undefined);
    if (net !== null && net.off < p.off + p.len) cands.push({ p, net: net.off, version: net.version });
  }
  if (cands.length === 0) return null;
  const { p, net, version } = rng.pick(cands);
  const inner = b.subarray(net, p.off + p.len);
  const n = rng.pick([2, 8, 50, 500, rng.range(1, 2000)]);
  const hlen = version === 4 ? 20 : 40;
  const headers = new Uint8Array(n * hlen);
  for (let i = 0; i < n; i++) {
    const h = headers.subarray(i * hlen, (i + 1) * hlen);
    const rest = (n - i) * hlen + inner.length;
    if (version === 4) {
      h[0] = 0x45;
      wr(h, 2, 2, true, rng.chance(0.8) ? rest : rng.u32());
      h[8] = 64;
      h[9] = 4;
      h.set([10, 0, 0, 1, 10, 0, 0, 2], 12);
    } else {
      h[0] = 0x60;
      wr(h, 4, 2, true, rng.chance(0.8) ? rest - 40 : rng.u32());
      h[6] = 41;
      h[7] = 64;
      h[23] = 1;
      h[39] = 2;
    }
  }
  return replacePacket(b, p, concat([b.subarray(p.off, net), headers, inner]));
};

/** A chain of IPv6 extension headers (destination options / hop-by-hop / routing) in front of the payload. */
export const mutIpv6ExtChain: CaptureMutator = (b, rng, lay) => {
  const cands: { p: PacketSpan; net: number }[] = [];
  for (const p of lay.packets) {
    const net = networkStart(b, p, () => undefined);
    if (net !== null && net.version === 6 && net.off + 40 <= p.off + p.len) cands.push({ p, net: net.off });
  }
  if (cands.length === 0) return null;
  const { p, net } = rng.pick(cands);
  const n = rng.pick([2, 10, 100, rng.range(1, 2000)]);
  const firstNext = rd(b, net + 6, 1, true);
  const chain = new Uint8Array(n * 8);
  for (let i = 0; i < n; i++) {
    chain[i * 8] = i === n - 1 ? firstNext : rng.pick([0, 60, 43, 44, 60]);
    chain[i * 8 + 1] = rng.chance(0.9) ? 0 : rng.int(256);
    if (rng.chance(0.1)) chain[i * 8 + 2] = rng.int(256);
  }
  const ip = b.slice(net, net + 40);
  ip[6] = 60;
  wr(ip, 4, 2, true, rd(ip, 4, 2, true) + chain.length);
  return replacePacket(
    b,
    p,
    concat([b.subarray(p.off, net), ip, chain, b.subarray(net + 40, p.off + p.len)]),
  );
};

/** Duplicate a whole record / block many times. */
export const mutDuplicateRecord: CaptureMutator = (b, rng, lay) => {
  if (lay.boundaries.length < 2) return null;
  const i = rng.int(lay.boundaries.length - 1);
  const s = lay.boundaries[i] ?? 0;
  const e = lay.boundaries[i + 1] ?? s;
  const rec = b.subarray(s, e);
  const n = Math.min(rng.pick([1, 2, 10, 100, 1000]), Math.floor(MAX_MUTANT_BYTES / Math.max(1, rec.length)));
  return concat([b.subarray(0, e), ...Array.from({ length: n }, () => rec), b.subarray(e)]);
};

/** Remove a whole record / block. */
export const mutDropRecord: CaptureMutator = (b, rng, lay) => {
  if (lay.boundaries.length < 2) return null;
  const i = rng.int(lay.boundaries.length - 1);
  return concat([b.subarray(0, lay.boundaries[i] ?? 0), b.subarray(lay.boundaries[i + 1] ?? 0)]);
};

/** Cut the file at a record / block boundary, or a few bytes either side of one. */
export const mutTruncateAtBoundary: CaptureMutator = (b, rng, lay) => {
  if (lay.boundaries.length === 0) return null;
  const at = (rng.pick(lay.boundaries) ?? 0) + rng.pick([0, 0, 1, -1, 2, 4, 8, 12, 15, 16, 17, 23, 27]);
  return b.slice(0, Math.max(0, Math.min(b.length, at)));
};

/** Insert a strange pcapng block (unknown type, bad lengths, a second SHB, an EPB for a missing interface). */
export const mutPcapngBlock: CaptureMutator = (b, rng, lay) => {
  if (lay.format !== "pcapng" || lay.boundaries.length === 0) return null;
  const be = lay.packets[0]?.be ?? false;
  const at = Math.min(rng.pick(lay.boundaries), b.length);
  const type = rng.pick([0, 1, 2, 3, 4, 5, 6, 0x0a0d0d0a, 0x80000001, 0x00000bad, 0x40000bad, 0xdeadbeef]);
  const bodyLen = rng.pick([0, 4, 8, 16, 20, 28, 64, rng.int(512)]);
  const body = rng.chance(0.5) ? new Uint8Array(bodyLen) : rng.bytes(bodyLen);
  if (type === 0x0a0d0d0a && body.length >= 4) wr(body, 0, 4, rng.chance(0.5) ? be : !be, 0x1a2b3c4d);
  if (type === 6 && body.length >= 20) {
    wr(body, 0, 4, be, rng.pick([1, 7, 1000, 0xffffffff]));
    wr(body, 12, 4, be, rng.pick([0, body.length - 20, 0xffffffff, 65536]));
  }
  if (type === 1 && body.length >= 4) wr(body, 0, 2, be, rng.pick(LINKTYPES));
  const rightLen = 12 + body.length;
  const len = rng.chance(0.6)
    ? rightLen
    : rng.pick([0, 4, 8, 11, 12, 13, rightLen + 1, rightLen - 4, 0xfffffff0, 0xffffffff]);
  const head = new Uint8Array(8);
  wr(head, 0, 4, be, type);
  wr(head, 4, 4, be, len);
  const trailer = new Uint8Array(4);
  wr(trailer, 0, 4, be, rng.chance(0.8) ? len : rng.u32());
  return concat([b.subarray(0, at), head, body, trailer, b.subarray(at)]);
};

/** The structure-aware capture mutators by name. */
export const CAPTURE_MUTATORS: Readonly<Record<string, CaptureMutator>> = {
  "header-field": mutHeaderField,
  linktype: mutLinktype,
  "packet-bytes": mutPacketBytes,
  "vlan-stack": mutVlanStack,
  "mpls-stack": mutMplsStack,
  "ip-nest": mutIpNest,
  "ipv6-ext-chain": mutIpv6ExtChain,
  "duplicate-record": mutDuplicateRecord,
  "drop-record": mutDropRecord,
  "truncate-at-boundary": mutTruncateAtBoundary,
  "pcapng-block": mutPcapngBlock,
};

// ---------------------------------------------------------------------------------------------------------
// gzip variants

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** A gzip variant of a capture: wrapped, wrapped and corrupted, truncated, two members, trailing garbage, twice. */
export function gzipVariant(b: Uint8Array, rng: Rng): { bytes: Uint8Array; op: string } {
  const gz = (x: Uint8Array): Uint8Array => new Uint8Array(zlib.gzipSync(x, { level: rng.range(1, 9) }));
  const op = rng.pick([
    "gzip",
    "gzip",
    "gzip",
    "gzip-corrupt",
    "gzip-truncate",
    "gzip-members",
    "gzip-trailing",
    "gzip-twice",
  ]);
  const z = gz(b);
  switch (op) {
    case "gzip-corrupt": {
      // leave the 10-byte header alone most of the time, so the damage is in the deflate stream or trailer
      const out = z.slice();
      const from = rng.chance(0.8) ? Math.min(10, out.length) : 0;
      for (let n = rng.range(1, 4); n > 0 && out.length > from; n--) {
        const i = from + rng.int(out.length - from);
        out[i] = (out[i] ?? 0) ^ (1 << rng.int(8));
      }
      return { bytes: out, op };
    }
    case "gzip-truncate":
      return { bytes: z.slice(0, rng.int(z.length)), op };
    case "gzip-members":
      return {
        bytes: concat([
          gz(b.subarray(0, Math.floor(b.length / 2))),
          gz(b.subarray(Math.floor(b.length / 2))),
        ]),
        op,
      };
    case "gzip-trailing":
      return {
        bytes: concat([z, rng.chance(0.5) ? rng.bytes(rng.range(1, 64)) : Uint8Array.of(0x1f, 0x8b)]),
        op,
      };
    case "gzip-twice":
      return { bytes: gz(z), op };
    default:
      return { bytes: z, op };
  }
}

// ---------------------------------------------------------------------------------------------------------
// One capture mutant

export interface Seed {
  /** Path shown in reasons (relative to the repository or the corpus). */
  name: string;
  bytes: Uint8Array;
}

export interface Mutant {
  bytes: Uint8Array;
  /** The seed it came from and the operations applied, for the reason line. */
  seed: string;
  ops: string[];
  gzip: boolean;
}

const CAPTURE_OPS: readonly [string, number][] = [
  ["packet-bytes", 24],
  ["header-field", 18],
  ["bitflip", 6],
  ["byte-set", 5],
  ["random-bytes", 4],
  ["insert-bytes", 2],
  ["truncate", 4],
  ["truncate-at-boundary", 5],
  ["delete-chunk", 3],
  ["duplicate-chunk", 3],
  ["splice", 4],
  ["linktype", 5],
  ["vlan-stack", 4],
  ["mpls-stack", 4],
  ["ip-nest", 3],
  ["ipv6-ext-chain", 2],
  ["duplicate-record", 3],
  ["drop-record", 2],
  ["pcapng-block", 4],
];

/** Make one capture mutant from the seeds (deterministic for a given rng state). */
export function mutateCapture(seeds: readonly Seed[], rng: Rng): Mutant {
  const seed = rng.pick(seeds);
  let bytes = seed.bytes;
  let wasGzip = false;
  if (isGzip(bytes)) {
    try {
      bytes = new Uint8Array(zlib.gunzipSync(bytes));
      wasGzip = true;
    } catch {
      // a seed that does not unpack is mutated as it is
    }
  }
  const ops: string[] = [];
  const n = rng.chance(0.55) ? 1 : rng.chance(0.6) ? 2 : rng.range(3, 5);
  const weights = CAPTURE_OPS.map(([, w]) => w);
  for (let k = 0; k < n; k++) {
    const name = (CAPTURE_OPS[rng.weighted(weights)] as [string, number])[0];
    let next: Uint8Array | null;
    if (name === "splice") {
      const other = rng.pick(seeds).bytes;
      next = mutSplice(bytes, isGzip(other) ? tryGunzip(other) : other, rng);
    } else if (BYTE_MUTATORS[name]) next = (BYTE_MUTATORS[name] as ByteMutator)(bytes, rng);
    else next = (CAPTURE_MUTATORS[name] as CaptureMutator)(bytes, rng, captureLayout(bytes));
    if (next === null) {
      next = mutBitFlip(bytes, rng);
      ops.push(`${name}->bitflip`);
    } else ops.push(name);
    if (next.length <= MAX_MUTANT_BYTES) bytes = next;
  }
  let gzip = false;
  if ((wasGzip && rng.chance(0.7)) || rng.chance(0.08)) {
    const v = gzipVariant(bytes, rng);
    bytes = v.bytes;
    ops.push(v.op);
    gzip = true;
  }
  return { bytes, seed: seed.name, ops, gzip };
}

function tryGunzip(b: Uint8Array): Uint8Array {
  try {
    return new Uint8Array(zlib.gunzipSync(b));
  } catch {
    return b;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Rule files: a JSON tree that keeps duplicate keys and raw tokens, so mutants can be invalid in chosen ways.

/** Raw JSON text or bytes (bytes for invalid UTF-8). */
export type Raw = string | Uint8Array;

export type JNode =
  | { t: "obj"; entries: { key: Raw; value: JNode }[] }
  | { t: "arr"; items: JNode[] }
  /** A scalar token as written: `"text"`, `12`, `true`, `null`, or anything else (invalid JSON on purpose). */
  | { t: "raw"; text: Raw };

/** The tree of a parsed JSON value. */
export function toTree(v: unknown): JNode {
  if (Array.isArray(v)) return { t: "arr", items: v.map(toTree) };
  if (v !== null && typeof v === "object")
    return {
      t: "obj",
      entries: Object.entries(v as Record<string, unknown>).map(([k, x]) => ({
        key: JSON.stringify(k),
        value: toTree(x),
      })),
    };
  return { t: "raw", text: JSON.stringify(v) ?? "null" };
}

/** The bytes of a tree, compact or indented. */
export function serializeTree(node: JNode, indent = 0): Uint8Array {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  const put = (r: Raw): void => {
    parts.push(typeof r === "string" ? enc.encode(r) : r);
  };
  // iterative, so that a deeply nested mutant does not overflow the fuzzer's own stack
  const stack: (JNode | Raw)[] = [node];
  const depthOf = new Map<JNode, number>([[node, 0]]);
  while (stack.length > 0) {
    const x = stack.pop() as JNode | Raw;
    if (typeof x === "string" || x instanceof Uint8Array) {
      put(x);
      continue;
    }
    const d = depthOf.get(x) ?? 0;
    if (x.t === "raw") put(x.text);
    else if (x.t === "arr") {
      if (x.items.length === 0) {
        put("[]");
        continue;
      }
      const seq: (JNode | Raw)[] = ["["];
      x.items.forEach((it, i) => {
        const pre = indent > 0 ? `\n${" ".repeat(indent * (d + 1))}` : "";
        seq.push(i === 0 ? pre : `,${pre}`, it);
        depthOf.set(it, d + 1);
      });
      seq.push(indent > 0 ? `\n${" ".repeat(indent * d)}]` : "]");
      for (let i = seq.length - 1; i >= 0; i--) stack.push(seq[i] as JNode | Raw);
    } else {
      if (x.entries.length === 0) {
        put("{}");
        continue;
      }
      const seq: (JNode | Raw)[] = ["{"];
      x.entries.forEach((e, i) => {
        const pre = indent > 0 ? `\n${" ".repeat(indent * (d + 1))}` : "";
        seq.push(i === 0 ? pre : `,${pre}`, e.key, indent > 0 ? ": " : ":", e.value);
        depthOf.set(e.value, d + 1);
      });
      seq.push(indent > 0 ? `\n${" ".repeat(indent * d)}}` : "}");
      for (let i = seq.length - 1; i >= 0; i--) stack.push(seq[i] as JNode | Raw);
    }
  }
  return concat(parts);
}

interface Slot {
  node: JNode;
  /** The key of the entry holding node ("" in arrays and at the root), unquoted when it is plain text. */
  key: string;
  set: (n: JNode) => void;
  parent: JNode | null;
  /** node is an item of a list (its key is the list's). */
  inArray: boolean;
}

/** Every node of the tree with a way to replace it (the root first). */
function slots(root: { node: JNode }): Slot[] {
  const out: Slot[] = [];
  const visit = (
    node: JNode,
    key: string,
    set: (n: JNode) => void,
    parent: JNode | null,
    depth: number,
  ): void => {
    out.push({ node, key, set, parent, inArray: parent?.t === "arr" });
    if (depth > 64) return;
    if (node.t === "obj")
      for (const e of node.entries) visit(e.value, keyText(e.key), (n) => (e.value = n), node, depth + 1);
    else if (node.t === "arr")
      node.items.forEach((_, i) =>
        visit(node.items[i] as JNode, key, (n) => (node.items[i] = n), node, depth + 1),
      );
  };
  visit(root.node, "", (n) => (root.node = n), null, 0);
  return out;
}

function keyText(k: Raw): string {
  if (typeof k !== "string") return "";
  try {
    const v: unknown = JSON.parse(k);
    return typeof v === "string" ? v : "";
  } catch {
    return "";
  }
}

const s = (x: string): JNode => ({ t: "raw", text: JSON.stringify(x) });
const raw = (x: string): JNode => ({ t: "raw", text: x });
const arr = (...items: JNode[]): JNode => ({ t: "arr", items });

const NAMES_OF_PROTOTYPE = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "prototype"];
/** Every key the rule dialects know (native top level and rules, legacy allow/block), from their own lists. */
const KNOWN_KEYS = [...new Set([...NATIVE_TOP_KEYS, ...NATIVE_RULE_KEYS, "allow", "block"])];

const HUGE_NUMBERS = [
  "1e309",
  "-1e309",
  "1e-400",
  "1E400",
  "123456789012345678901234567890",
  "9007199254740993",
  "4294967296",
  "4294967295",
  "2147483648",
  "-2147483649",
  "-0",
  "0.0000001",
  "1.7976931348623157e308",
  "5e-324",
  "0e0",
  "1.0",
];
const INVALID_TOKENS = [
  "NaN",
  "Infinity",
  "-Infinity",
  "undefined",
  "0x10",
  "01",
  ".5",
  "1.",
  "+1",
  "'x'",
  '"unterminated',
  "tru",
  "nul",
  "",
];

function portValue(rng: Rng): JNode {
  return rng.pick<() => JNode>([
    () =>
      raw(
        rng.pick([
          "-1",
          "-65535",
          "65536",
          "70000",
          "0",
          "65535",
          "80.5",
          "-0",
          "1e309",
          "4294967296",
          "1e2",
        ]),
      ),
    () =>
      s(
        rng.pick([
          "0-65535",
          "65535-0",
          "-1",
          "1--5",
          "1-",
          "-",
          "",
          " 80",
          "80 ",
          "0x50",
          "1e2",
          "22,23",
          "١٢٣",
          "8080-8080",
          "1-2-3",
          "-5-10",
          "65536-70000",
          "+80",
        ]),
      ),
    () => arr(),
    () => arr(arr()),
    () => arr(raw("80"), s("80"), raw("null"), raw("-1")),
    () => arr(...Array.from({ length: rng.pick([100, 1000, 20000]) }, () => raw(String(rng.int(65536))))),
    () =>
      arr(...Array.from({ length: rng.pick([100, 2000]) }, () => s(`${rng.int(65536)}-${rng.int(65536)}`))),
  ])();
}

function addrValue(rng: Rng): JNode {
  const list = [
    "10.0.0.0/33",
    "::/129",
    "1.2.3.4/-1",
    "1.2.3",
    "1.2.3.4.5",
    "01.02.03.04",
    "1.2.3.4/24/8",
    "0x7f.1",
    "::ffff:1.2.3.4",
    "fe80::1%eth0",
    "[::1]",
    "::",
    "0.0.0.0/0",
    "::/0",
    "1:2:3:4:5:6:7:8:9",
    "::::",
    "1::2::3",
    "256.1.1.1",
    "1.1.1.1/",
    "/8",
    "@",
    "@nope",
    " 1.2.3.4",
    "1.2.3.4\u0000",
    "2001:db8::/32x",
    "1.2.3.4/08",
    "1.2.3.4/1e1",
    ...NAMES_OF_PROTOTYPE.map((n) => `@${n}`),
  ];
  return rng.pick<() => JNode>([
    () => s(rng.pick(list)),
    () => s(`1.2.3.4/${"0".repeat(rng.pick([10, 1000, 100000]))}`),
    () => s(`1${".1".repeat(rng.pick([4, 100, 10000]))}`),
    () => s("ffff:".repeat(rng.pick([9, 100, 10000]))),
    () =>
      arr(
        ...Array.from({ length: rng.pick([100, 5000, 50000]) }, () =>
          s(`${rng.int(256)}.${rng.int(256)}.${rng.int(256)}.${rng.int(256)}/${rng.int(33)}`),
        ),
      ),
    () =>
      arr(
        ...Array.from({ length: rng.pick([100, 5000]) }, () =>
          s(`2001:db8:${rng.int(65536).toString(16)}::/${rng.int(129)}`),
        ),
      ),
    () => genericValue(rng),
  ])();
}

function protoValue(rng: Rng): JNode {
  return rng.pick<() => JNode>([
    () => raw(rng.pick(["256", "-1", "0", "255", "6.5", "1e309"])),
    () => s(rng.pick(["TCP", "tcp ", "Tcp", "icmp6", "", "6", "999", "-1", "ipv4", ...NAMES_OF_PROTOTYPE])),
    () => arr(s("tcp"), s("tcp"), raw("6")),
    () => arr(),
  ])();
}

function enumValue(rng: Rng): JNode {
  return s(
    rng.pick([
      "BLOCK",
      "Allow",
      "",
      "deny",
      "drop",
      "in ",
      "both",
      "any",
      "out",
      "critical ",
      "CRITICAL",
      "alert",
      "log",
      "allow",
      "block",
      "low",
      ...NAMES_OF_PROTOTYPE,
    ]),
  );
}

function longString(rng: Rng): JNode {
  const n = rng.pick([1000, 65536, 300_000]);
  return s(rng.pick(["a", "é", "😀", "\\", '"', " ", "@", "1"]).repeat(n));
}

function deepValue(rng: Rng): JNode {
  const d = rng.pick([64, 500, 1001, 5000, 50_000, 200_000]);
  if (rng.chance(0.5)) return raw("[".repeat(d) + "]".repeat(d));
  return raw('{"a":'.repeat(d) + "1" + "}".repeat(d));
}

function genericValue(rng: Rng): JNode {
  return rng.pick<() => JNode>([
    () =>
      raw(
        rng.pick(["null", "true", "false", "0", "-1", "1.5", '""', '"x"', "[]", "{}", "[null]", '{"":null}']),
      ),
    () => raw(rng.pick(HUGE_NUMBERS)),
    () => (rng.chance(0.3) ? raw(rng.pick(INVALID_TOKENS)) : raw(rng.pick(HUGE_NUMBERS))),
    () => longString(rng),
    () => deepValue(rng),
  ])();
}

/** A value for a key, chosen by what the key means (ports, addresses, protocols, enums) or anything. */
function valueFor(key: string, rng: Rng): JNode {
  if (rng.chance(0.25)) return genericValue(rng);
  if (["sport", "dport", "port", "ports"].includes(key)) return portValue(rng);
  if (["src", "dst", "ips", "home_net"].includes(key)) return addrValue(rng);
  if (["proto", "protocols"].includes(key)) return protoValue(rng);
  if (["action", "default", "direction", "severity"].includes(key)) return enumValue(rng);
  if (key === "ip_versions")
    return raw(rng.pick(["[4,6,5]", "[]", '"4"', "[4,4,4]", "[6]", "4", "[0]", "[-4]", "[4.5]"]));
  if (key === "version") return raw(rng.pick(["2", "0", '"1"', "1.0", "1e0", "-1", "1e309", "null"]));
  if (key === "transport_header") return raw(rng.pick(["0", '"false"', "null", "[]", "1"]));
  if (key === "lists") return listsValue(rng);
  if (key === "rules") return rulesValue(rng);
  if (["id", "reason", "description", "default_reason"].includes(key))
    return rng.chance(0.5)
      ? longString(rng)
      : s(rng.pick(["", " ", "\n", "a,b", '"', "\t", "rule-1", "default"]));
  return genericValue(rng);
}

/** `lists` with names of Object.prototype, references between lists, cycles, missing and empty names. */
function listsValue(rng: Rng): JNode {
  const names = ["a", "b", "", ...NAMES_OF_PROTOTYPE];
  const entries = Array.from({ length: rng.range(1, 4) }, () => {
    const name = rng.pick(names);
    const items = Array.from({ length: rng.range(0, 3) }, () =>
      rng.chance(0.5) ? s(`@${rng.pick(names)}`) : rng.chance(0.7) ? s("10.0.0.0/8") : addrValue(rng),
    );
    return { key: JSON.stringify(name), value: rng.chance(0.9) ? arr(...items) : genericValue(rng) };
  });
  return { t: "obj", entries };
}

/** A rules array: many generated rules, or none, or rules of the wrong type. */
function rulesValue(rng: Rng): JNode {
  return rng.pick<() => JNode>([
    () => arr(),
    () => raw(rng.pick(["{}", "null", '"rules"', "[null]", "[[]]", "[1,2,3]"])),
    () => {
      const n = rng.pick([100, 1000, 10000]);
      const items: JNode[] = [];
      for (let i = 0; i < n; i++) {
        const entries: { key: Raw; value: JNode }[] = [
          { key: '"action"', value: s(rng.pick(["allow", "block", "alert", "log"])) },
        ];
        if (rng.chance(0.5))
          entries.push({
            key: '"src"',
            value: s(`${rng.int(224)}.${rng.int(256)}.${rng.int(256)}.0/${rng.range(8, 32)}`),
          });
        if (rng.chance(0.5))
          entries.push({ key: '"dport"', value: s(`${rng.int(32768)}-${rng.range(32768, 65535)}`) });
        if (rng.chance(0.3)) entries.push({ key: '"proto"', value: s(rng.pick(["tcp", "udp", "icmp"])) });
        items.push({ t: "obj", entries });
      }
      return { t: "arr", items };
    },
  ])();
}

const PORT_KEYS = new Set(["sport", "dport", "port", "ports"]);

/** Bytes to put inside a string literal: raw control characters, escapes, invalid UTF-8, odd code points. */
function stringInjection(rng: Rng): Raw {
  return rng.pick<Raw>([
    "\u0000",
    "\u0001",
    "\u001b[31m",
    "\u001f",
    "\u007f",
    "\n",
    "\r",
    "\t",
    "\\u0000",
    "\\ud800",
    "\\udfff\\ud800",
    "\\x41",
    "\\",
    "\\u12",
    "\u2028",
    "\u202e",
    "\ufeff",
    "\uffff",
    "e\u0301\u0301\u0301",
    Uint8Array.of(0xff),
    Uint8Array.of(0xfe, 0xff),
    Uint8Array.of(0xc3, 0x28),
    Uint8Array.of(0xed, 0xa0, 0x80),
    Uint8Array.of(0xc0, 0xaf),
    Uint8Array.of(0xf4, 0x90, 0x80, 0x80),
    Uint8Array.of(0xe2, 0x82),
    Uint8Array.of(0x80),
  ]);
}

type TreeOp = (root: { node: JNode }, rng: Rng) => boolean;

const TREE_OPS: Readonly<Record<string, TreeOp>> = {
  "delete-key": (root, rng) => {
    const objs = slots(root).filter(
      (x) =>
        (x.node.t === "obj" && x.node.entries.length > 0) || (x.node.t === "arr" && x.node.items.length > 0),
    );
    if (objs.length === 0) return false;
    const n = rng.pick(objs).node;
    if (n.t === "obj") n.entries.splice(rng.int(n.entries.length), 1);
    else if (n.t === "arr") n.items.splice(rng.int(n.items.length), 1);
    return true;
  },
  "duplicate-key": (root, rng) => {
    const objs = slots(root).filter((x) => x.node.t === "obj" && x.node.entries.length > 0);
    if (objs.length === 0) return false;
    const n = rng.pick(objs).node;
    if (n.t !== "obj") return false;
    const e = rng.pick(n.entries);
    const value = rng.chance(0.5) ? e.value : valueFor(keyText(e.key), rng);
    n.entries.splice(rng.int(n.entries.length + 1), 0, { key: e.key, value });
    return true;
  },
  "duplicate-item": (root, rng) => {
    const arrs = slots(root).filter((x) => x.node.t === "arr" && x.node.items.length > 0);
    if (arrs.length === 0) return false;
    const n = rng.pick(arrs).node;
    if (n.t !== "arr") return false;
    const it = rng.pick(n.items);
    const k = rng.pick([1, 2, 10, 1000, 5000]);
    n.items.splice(rng.int(n.items.length + 1), 0, ...Array.from({ length: k }, () => it));
    return true;
  },
  "rename-key": (root, rng) => {
    const objs = slots(root).filter((x) => x.node.t === "obj" && x.node.entries.length > 0);
    if (objs.length === 0) return false;
    const n = rng.pick(objs).node;
    if (n.t !== "obj") return false;
    // a known key (or a near miss), else a key that is not valid JSON
    rng.pick(n.entries).key = rng.chance(0.9)
      ? JSON.stringify(rng.pick(KNOWN_KEYS))
      : rng.pick(["x", "'id'", '"a', "1", "null", '"\\u0000"']);
    return true;
  },
  "add-key": (root, rng) => {
    const objs = slots(root).filter((x) => x.node.t === "obj");
    if (objs.length === 0) return false;
    const n = rng.pick(objs).node;
    if (n.t !== "obj") return false;
    const key = rng.pick(KNOWN_KEYS);
    n.entries.splice(rng.int(n.entries.length + 1), 0, {
      key: JSON.stringify(key),
      value: valueFor(key, rng),
    });
    return true;
  },
  "change-value": (root, rng) => {
    const all = slots(root).slice(1);
    if (all.length === 0) return false;
    const x = rng.pick(all);
    x.set(valueFor(x.key, rng));
    return true;
  },
  "change-type": (root, rng) => {
    const all = slots(root);
    const x = rng.pick(all);
    x.set(genericValue(rng));
    return true;
  },
  "port-value": (root, rng) => {
    const ports = slots(root).filter((x) => PORT_KEYS.has(x.key));
    if (ports.length === 0) return false;
    rng.pick(ports).set(portValue(rng));
    return true;
  },
  "huge-number": (root, rng) => {
    const nums = slots(root).filter(
      (x) => x.node.t === "raw" && typeof x.node.text === "string" && /^-?\d/.test(x.node.text),
    );
    if (nums.length === 0) return false;
    rng.pick(nums).set(raw(rng.pick(HUGE_NUMBERS)));
    return true;
  },
  "long-string": (root, rng) => {
    const strs = slots(root).filter(
      (x) => x.node.t === "raw" && typeof x.node.text === "string" && x.node.text.startsWith('"'),
    );
    if (strs.length === 0) return false;
    rng.pick(strs).set(longString(rng));
    return true;
  },
  "deep-nesting": (root, rng) => {
    const all = slots(root);
    rng.pick(all).set(deepValue(rng));
    return true;
  },
  "string-inject": (root, rng) => {
    const strs = slots(root).filter(
      (x) =>
        x.node.t === "raw" &&
        typeof x.node.text === "string" &&
        x.node.text.startsWith('"') &&
        x.node.text.length >= 2,
    );
    if (strs.length === 0) return false;
    const x = rng.pick(strs);
    const text = x.node.t === "raw" ? (x.node.text as string) : '""';
    const at = rng.range(1, text.length - 1);
    const enc = new TextEncoder();
    x.set({
      t: "raw",
      text: concat([
        enc.encode(text.slice(0, at)),
        toBytes(stringInjection(rng)),
        enc.encode(text.slice(at)),
      ]),
    });
    return true;
  },
  "list-refs": (root, rng) => {
    if (root.node.t !== "obj") return false;
    root.node.entries.push({ key: '"lists"', value: listsValue(rng) });
    const addrs = slots(root).filter((x) => ["src", "dst", "home_net", "ips"].includes(x.key));
    const names = ["a", "b", "", "nope", ...NAMES_OF_PROTOTYPE];
    for (const x of addrs)
      if (rng.chance(0.5))
        x.set(rng.chance(0.7) ? s(`@${rng.pick(names)}`) : arr(s(`@${rng.pick(names)}`), s("@a")));
    return true;
  },
};

function toBytes(r: Raw): Uint8Array {
  return typeof r === "string" ? new TextEncoder().encode(r) : r;
}

/** Text-level edits of a serialized rule file: byte order marks, UTF-16, line endings, NULs, trailing data. */
export function mutRuleText(b: Uint8Array, rng: Rng): { bytes: Uint8Array; op: string } {
  const op = rng.pick([
    "bom",
    "bom-utf16",
    "bom-twice",
    "bom-middle",
    "utf16le",
    "crlf",
    "nul-end",
    "trailing",
    "leading-ws",
    "control",
  ]);
  switch (op) {
    case "bom":
      return { bytes: concat([Uint8Array.of(0xef, 0xbb, 0xbf), b]), op };
    case "bom-utf16":
      return {
        bytes: concat([rng.chance(0.5) ? Uint8Array.of(0xff, 0xfe) : Uint8Array.of(0xfe, 0xff), b]),
        op,
      };
    case "bom-twice":
      return { bytes: concat([Uint8Array.of(0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf), b]), op };
    case "bom-middle": {
      const at = rng.int(b.length + 1);
      return { bytes: concat([b.subarray(0, at), Uint8Array.of(0xef, 0xbb, 0xbf), b.subarray(at)]), op };
    }
    case "utf16le": {
      const text = new TextDecoder().decode(b);
      return { bytes: concat([Uint8Array.of(0xff, 0xfe), new Uint8Array(Buffer.from(text, "utf16le"))]), op };
    }
    case "crlf":
      return {
        bytes: new TextEncoder().encode(
          new TextDecoder().decode(b).replace(/\n/g, rng.chance(0.5) ? "\r\n" : "\r"),
        ),
        op,
      };
    case "nul-end":
      return { bytes: concat([b, new Uint8Array(rng.range(1, 16))]), op };
    case "trailing":
      return {
        bytes: concat([
          b,
          new TextEncoder().encode(rng.pick(["}", "]", ",", "{}", "\n//", "\u0000x", " garbage"])),
        ]),
        op,
      };
    case "leading-ws":
      return {
        bytes: concat([new TextEncoder().encode(rng.pick(["\u00a0", "\u000b", "\f", "\u2028", "\t\n "])), b]),
        op,
      };
    default: {
      const at = rng.int(b.length + 1);
      return {
        bytes: concat([
          b.subarray(0, at),
          Uint8Array.of(rng.pick([0, 1, 8, 0x1b, 0x7f, 0x85])),
          b.subarray(at),
        ]),
        op,
      };
    }
  }
}

const RULE_TREE_OPS: readonly [string, number][] = [
  ["delete-key", 8],
  ["duplicate-key", 5],
  ["duplicate-item", 3],
  ["rename-key", 5],
  ["add-key", 8],
  ["change-value", 14],
  ["change-type", 8],
  ["port-value", 8],
  ["huge-number", 5],
  ["long-string", 3],
  ["deep-nesting", 3],
  ["string-inject", 6],
  ["list-refs", 5],
];

// Valid but extreme values, so that mutants also get past validation into the rule compiler and the engine.

/** A random IPv4 or IPv6 address or CIDR with its host bits clear (v4only: IPv4 only). */
function validCidr(rng: Rng, v4only = false): string {
  const v6 = !v4only && rng.chance(0.4);
  const bits = v6 ? 128 : 32;
  const len = rng.chance(0.3) ? bits : rng.int(bits + 1);
  const words = Array.from({ length: bits / 16 }, (_, w) => {
    const keep = Math.max(0, Math.min(16, len - w * 16));
    return keep === 0 ? 0 : rng.int(65536) & ((0xffff << (16 - keep)) & 0xffff);
  });
  const addr = v6
    ? words.map((w) => w.toString(16)).join(":")
    : words.flatMap((w) => [w >> 8, w & 0xff]).join(".");
  return len === bits && rng.chance(0.5) ? addr : `${addr}/${len}`;
}

const EDGE_ADDRS = [
  "0.0.0.0/0",
  "::/0",
  "255.255.255.255/32",
  "0.0.0.0/32",
  "0.0.0.0",
  "::",
  "::/128",
  "::1",
  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
  "::ffff:10.0.0.0/104",
  "::ffff:192.168.1.1",
  "fe80::/10",
  "1.2.3.4/31",
  "128.0.0.0/1",
  "8000::/1",
  "2001:db8::/32",
];

function validPort(rng: Rng): JNode {
  const lo = rng.pick([0, 1, 1023, 1024, 65534, 65535, rng.int(65536)]);
  const hi = rng.pick([lo, 65535, Math.min(65535, lo + rng.int(100))]);
  return rng.chance(0.4) ? raw(String(lo)) : rng.chance(0.5) ? s(String(lo)) : s(`${lo}-${Math.max(lo, hi)}`);
}

/** A value for key that a valid rule file may hold (null when the key is not one of those). */
function validValueFor(key: string, inArray: boolean, legacy: boolean, rng: Rng): JNode | null {
  const many = (one: () => JNode): JNode =>
    arr(...Array.from({ length: rng.pick([1, 2, 5, 100, 1000, 5000]) }, one));
  const listOr = (one: () => JNode): JNode => (inArray ? one() : rng.chance(0.5) ? one() : many(one));
  if (legacy) {
    if (key === "ips") return inArray ? s(validCidr(rng, true).split("/")[0] ?? "0.0.0.0") : null;
    if (key === "ports")
      return inArray
        ? raw(String(rng.pick([0, 65535, rng.int(65536)])))
        : many(() => raw(String(rng.int(65536))));
    if (key === "protocols")
      return inArray ? s(rng.pick(["TCP", "UDP", "ICMP", "47", "0", "255", "6"])) : null;
    return null;
  }
  if (["sport", "dport", "port"].includes(key)) return listOr(() => validPort(rng));
  if (["src", "dst", "home_net"].includes(key))
    return listOr(() => s(rng.chance(0.4) ? rng.pick(EDGE_ADDRS) : validCidr(rng)));
  if (key === "proto")
    return listOr(() =>
      rng.chance(0.5)
        ? s(rng.pick(["tcp", "udp", "icmp", "icmpv6", "sctp", "gre", "esp", "ah", "igmp", "TCP"]))
        : raw(String(rng.pick([0, 1, 6, 17, 58, 255, rng.int(256)]))),
    );
  if (key === "action" || key === "default") return s(rng.pick(["allow", "block", "alert", "log"]));
  if (key === "direction") return s(rng.pick(["in", "out", "any"]));
  if (key === "severity") return s(rng.pick(["low", "medium", "high", "critical"]));
  if (key === "transport_header") return raw(rng.chance(0.5) ? "true" : "false");
  if (key === "ip_versions") return inArray ? null : raw(rng.pick(["[4]", "[6]", "[4,6]", "[6,4]"]));
  return null;
}

/** n valid rules that use every matching field, with unique ids. */
function manyValidRules(rng: Rng, n: number): JNode {
  const items: JNode[] = [];
  for (let i = 0; i < n; i++) {
    const e: { key: Raw; value: JNode }[] = [
      { key: '"id"', value: s(`fuzz-${i}`) },
      { key: '"action"', value: validValueFor("action", false, false, rng) as JNode },
    ];
    for (const key of ["src", "dst", "sport", "dport", "direction"])
      if (rng.chance(0.4))
        e.push({ key: JSON.stringify(key), value: validValueFor(key, true, false, rng) as JNode });
    // ports go with tcp / udp only
    const ports = e.some((x) => x.key === '"sport"' || x.key === '"dport"');
    if (ports || rng.chance(0.4))
      e.push({
        key: '"proto"',
        value: ports ? s(rng.pick(["tcp", "udp"])) : (validValueFor("proto", true, false, rng) as JNode),
      });
    items.push({ t: "obj", entries: e });
  }
  return { t: "arr", items };
}

/** Edits that keep a rule file valid (mostly): edge addresses, ports and protocols, long lists, many rules. */
function validMutation(root: { node: JNode }, rng: Rng): string {
  const legacy =
    root.node.t === "obj" &&
    !root.node.entries.some((e) => ['"rules"', '"version"'].includes(e.key as string));
  if (!legacy && root.node.t === "obj" && rng.chance(0.15)) {
    const rules = root.node.entries.find((e) => e.key === '"rules"');
    if (rules) {
      rules.value = manyValidRules(rng, rng.pick([10, 100, 1000, 5000]));
      return "valid-many-rules";
    }
  }
  // pick the place first, then make one value (values can be lists of thousands of items)
  const cands = slots(root).filter((x) => hasValidValue(x.key, x.inArray, legacy));
  if (cands.length === 0) return "";
  const x = rng.pick(cands);
  const v = validValueFor(x.key, x.inArray, legacy, rng);
  if (v === null) return "";
  x.set(v);
  return "valid-edge";
}

/** True when validValueFor has a value for this place. */
function hasValidValue(key: string, inArray: boolean, legacy: boolean): boolean {
  if (legacy) return key === "ports" || ((key === "ips" || key === "protocols") && inArray);
  if (key === "ip_versions") return !inArray;
  return [
    "sport",
    "dport",
    "port",
    "src",
    "dst",
    "home_net",
    "proto",
    "action",
    "default",
    "direction",
    "severity",
    "transport_header",
  ].includes(key);
}

/** Make one rule-file mutant from the seeds (deterministic for a given rng state). */
export function mutateRules(seeds: readonly Seed[], rng: Rng): Mutant {
  const seed = rng.pick(seeds);
  let bytes = seed.bytes;
  const ops: string[] = [];
  let tree: { node: JNode } | null = null;
  try {
    tree = { node: toTree(JSON.parse(new TextDecoder().decode(seed.bytes))) };
  } catch {
    tree = null;
  }
  if (tree !== null && rng.chance(0.35)) {
    // valid but extreme: for the rule compiler and the engine, not only for validation
    for (let k = rng.range(1, 4); k > 0; k--) {
      const op = validMutation(tree, rng);
      if (op !== "") ops.push(op);
    }
    bytes = serializeTree(tree.node, rng.pick([0, 2]));
    if (rng.chance(0.1)) {
      bytes = concat([Uint8Array.of(0xef, 0xbb, 0xbf), bytes]);
      ops.push("bom");
    }
    return { bytes, seed: seed.name, ops, gzip: false };
  }
  if (tree !== null && rng.chance(0.88)) {
    const n = rng.chance(0.5) ? 1 : rng.range(2, 4);
    const weights = RULE_TREE_OPS.map(([, w]) => w);
    for (let k = 0; k < n; k++) {
      const name = (RULE_TREE_OPS[rng.weighted(weights)] as [string, number])[0];
      if ((TREE_OPS[name] as TreeOp)(tree, rng)) ops.push(name);
    }
    bytes = serializeTree(tree.node, rng.pick([0, 2, 2, 4]));
  }
  if (rng.chance(0.2)) {
    const t = mutRuleText(bytes, rng);
    bytes = t.bytes;
    ops.push(t.op);
  }
  if (ops.length === 0 || rng.chance(0.2)) {
    const names = Object.keys(BYTE_MUTATORS);
    const name = rng.pick(names);
    bytes = (BYTE_MUTATORS[name] as ByteMutator)(bytes, rng);
    ops.push(name);
  }
  if (bytes.length > MAX_MUTANT_BYTES) bytes = bytes.slice(0, MAX_MUTANT_BYTES);
  return { bytes, seed: seed.name, ops, gzip: false };
}

// ---------------------------------------------------------------------------------------------------------
// Oracle

/** The CSV header pfw writes (README "Reports"): its one list of columns. */
export const CSV_HEADER = FLOW_COLUMNS.join(",");

/** What one child process did. */
export interface ChildResult {
  /** Exit code, null when killed by a signal. */
  status: number | null;
  signal: string | null;
  /** The fuzzer killed it after the timeout. */
  timedOut: boolean;
  /** Standard error (the first STDERR_KEEP bytes). */
  stderr: string;
  /** The child could not be started. */
  spawnError?: string;
  /** Wall time, milliseconds (not judged: a slow run is only a hang past the timeout). */
  ms?: number;
}

export type FailureKind = "crash" | "hang" | "trace" | "report";

export interface Finding {
  kind: FailureKind;
  reason: string;
}

/** What else to check for a run beside its exit. */
export interface OracleCheck {
  /**
   * A scan: the text of its CSV report (null when the file does not exist). Checked on exit 0 and 1 and,
   * when csvOnError, on exit 2 too (a corrupt capture still gets every report; a bad rule file gets none).
   */
  csv?: string | null;
  csvOnError?: boolean;
}

/** Markers of a JavaScript stack trace or an uncaught error on standard error. */
export const TRACE_PATTERNS: readonly RegExp[] = [
  /(^|\n)\s+at .+:\d+:\d+/,
  /TypeError/,
  /RangeError/,
  /ReferenceError/,
  /Invalid typed array/,
  /Maximum call stack/,
  /FATAL ERROR/,
  /Uncaught/,
];

/**
 * Messages of JavaScript and Node.js errors, which pfw shows without their name or stack: an error it did
 * not expect reaches src/cli/main.ts, which prints `pfw: <message>` (the stack only with PFW_DEBUG), and an
 * error while reading a capture is reported by scan and packets as that file's error, also as its message
 * only. So an internal TypeError reads "pfw: Cannot read properties of undefined (reading 'x')", exit 2.
 * pfw's own messages are sentences that match none of these.
 */
export const JS_ERROR_MESSAGES: readonly RegExp[] = [
  /Cannot (read|set) propert(y|ies) of/,
  /Cannot destructure/,
  /Cannot convert (undefined|null|a BigInt|a Symbol|object)/,
  /Cannot (access '|create property|assign to read only|mix BigInt|redefine property|add property)/,
  /\bis not (a function|iterable|a constructor)\b/,
  /\bis not defined$/m,
  /(undefined|null) is not an object/,
  /Offset is outside the bounds of the DataView/,
  /(start offset|byte length) of \w+Array should be/i,
  /Invalid (array|typed array|string) length/,
  /Invalid (time|count) value/,
  /Invalid code point/,
  /Array buffer allocation failed/,
  /Reduce of empty array with no initial value/,
  /to a BigInt|BigInt value/,
  /JavaScript heap out of memory/,
  /is not valid JSON|Unexpected token .* in JSON/,
  /The value of "[^"]+" is out of range/,
  /The "[^"]+" (argument|property) must be/,
  /\bERR_[A-Z][A-Z0-9_]+\b/,
];

/** The first problem of a CSV report: wrong header, unbalanced quotes, a row with a different column count. */
export function csvProblem(text: string): string | null {
  const nl = text.indexOf("\n");
  const header = (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, "");
  if (header !== CSV_HEADER) return `CSV header is ${JSON.stringify(header.slice(0, 80))}`;
  const cols = CSV_HEADER.split(",").length;
  let i = nl < 0 ? text.length : nl + 1;
  let row = 1;
  while (i < text.length) {
    let fields = 1;
    let inQuotes = false;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inQuotes) {
        if (c === 0x22) {
          if (text.charCodeAt(i + 1) === 0x22) i++;
          else inQuotes = false;
        }
      } else if (c === 0x22) inQuotes = true;
      else if (c === 0x2c) fields++;
      else if (c === 0x0a) {
        i++;
        break;
      }
    }
    row++;
    if (inQuotes) return `CSV row ${row}: unterminated quoted field`;
    if (fields !== cols) return `CSV row ${row} has ${fields} fields, not ${cols}`;
  }
  return null;
}

/** Judge one child run: null when it passed, else the failure. Pure. */
export function oracle(r: ChildResult, check: OracleCheck = {}): Finding | null {
  if (r.timedOut) return { kind: "hang", reason: "no exit within the timeout" };
  if (r.spawnError !== undefined) return { kind: "crash", reason: `could not start: ${r.spawnError}` };
  if (r.signal !== null) return { kind: "crash", reason: `killed by ${r.signal}` };
  if (r.status === null || ![0, 1, 2].includes(r.status))
    return { kind: "crash", reason: `exit code ${r.status}` };
  const trace = [...TRACE_PATTERNS, ...JS_ERROR_MESSAGES].find((p) => p.test(r.stderr));
  if (trace) return { kind: "trace", reason: `stderr matches ${trace}: ${lineOf(r.stderr, trace)}` };
  if (check.csv !== undefined && (r.status !== 2 || check.csvOnError === true)) {
    if (check.csv === null)
      return { kind: "report", reason: `exit ${r.status} but no CSV report was written` };
    const p = csvProblem(check.csv);
    if (p !== null) return { kind: "report", reason: `exit ${r.status}: ${p}` };
  }
  return null;
}

/** The first line of text that matches p (or the first line), cut to 300 characters. */
function lineOf(text: string, p: RegExp): string {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  return (lines.find((l) => p.test(l)) ?? lines[0] ?? "").trim().slice(0, 300);
}

// ---------------------------------------------------------------------------------------------------------
// Running children

/** Bytes of standard error kept per run. */
export const STDERR_KEEP = 256 * 1024;

/** Run a command (argument array, no shell); kill it after timeoutMs. Standard output is discarded. */
export function runChild(
  cmd: string,
  args: readonly string[],
  opts: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<ChildResult> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let stderr = "";
    let timedOut = false;
    let spawnError: string | undefined;
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      shell: false,
      stdio: ["ignore", "ignore", "pipe"],
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs);
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      if (stderr.length < STDERR_KEEP) stderr += chunk.slice(0, STDERR_KEEP - stderr.length);
    });
    child.on("error", (e) => {
      spawnError = e.message;
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const r: ChildResult = { status: code, signal, timedOut, stderr, ms: Date.now() - t0 };
      if (spawnError !== undefined) r.spawnError = spawnError;
      resolve(r);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Seeds

/** Small corpus captures used as seeds (relative to the corpus root): formats, link types, stacks, tunnels. */
export const CORPUS_SEEDS = [
  "traffic/VlanPackets.pcap",
  "traffic/MplsPackets.pcap",
  "traffic/QinQ_802.1_AD.pcapng",
  "traffic/GrePackets.cap",
  "traffic/vxlan.pcap",
  "traffic/frag_http_req.pcap",
  "traffic/ipv4-options.pcap",
  "traffic/ipv6_ext_headers.pcap",
  "traffic/TcpPacketWithOptions.pcap",
  "traffic/IcmpPackets.pcap",
  "linktypes/linux_dlt_sll2.pcap",
  "linktypes/null_loopback.pcap",
  "linktypes/tcp-handshake-nano.pcap",
  "linktypes/wpa-Induction.pcap",
  "linktypes/LINKTYPE_IPV4.pcap",
  "formats/modified-format.pcap",
  "formats/pcap-be-usec_pptp.pcap",
  "formats/pcapng-test-generator/be/test202.pcapng",
  "formats/pcapng-test-generator/le/test102.pcapng",
];

function readSeeds(dir: string, names: readonly string[], label: (n: string) => string): Seed[] {
  const out: Seed[] = [];
  for (const n of names) {
    try {
      out.push({ name: label(n), bytes: new Uint8Array(fs.readFileSync(path.join(dir, n))) });
    } catch {
      // a missing seed is skipped quietly
    }
  }
  return out;
}

/** Capture seeds: every fixture, then the corpus captures that exist. */
export function captureSeeds(root: string, corpus: string): Seed[] {
  const fx = path.join(root, "fixtures");
  const fixtures = fs.existsSync(fx)
    ? fs
        .readdirSync(fx)
        .filter((n) => /\.(pcap|pcapng|cap|gz)$/.test(n))
        .sort()
    : [];
  return [
    ...readSeeds(fx, fixtures, (n) => `fixtures/${n}`),
    ...readSeeds(corpus, CORPUS_SEEDS, (n) => `corpus/${n}`),
  ];
}

/** Rule seeds: every rules/*.json. */
export function ruleSeeds(root: string): Seed[] {
  const dir = path.join(root, "rules");
  const names = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((n) => n.endsWith(".json"))
        .sort()
    : [];
  return readSeeds(dir, names, (n) => `rules/${n}`);
}

// ---------------------------------------------------------------------------------------------------------
// The run

export interface FuzzOptions {
  seed: number;
  captures: number;
  rules: number;
  /** Folder for failing inputs (created only when one fails). */
  out: string;
  jobs: number;
  timeoutMs: number;
  root?: string;
  corpus?: string;
  /** The CLI script run with node (default: the built dist/src/cli/main.js; tests pass a fake one). */
  cli?: string;
  /** Inputs left out, as "capture:N" / "rules:N" (known findings kept out of a CI pass). */
  exclude?: ReadonlySet<string>;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface Failure {
  id: string;
  kind: FailureKind;
  /** The saved input. */
  file: string;
  /** The one-line reason. */
  reason: string;
}

export interface FuzzSummary {
  seed: number;
  captures: number;
  rules: number;
  /** Child processes run. */
  runs: number;
  crashes: number;
  hangs: number;
  traces: number;
  reports: number;
  failures: Failure[];
  ms: number;
  /** The slowest CLI run: input, command and milliseconds. */
  slowest: { id: string; label: string; ms: number } | null;
  /** How the runs ended, per command: "capture scan" -> { "0": n, "2": n, ... } (to see how deep inputs get). */
  exits: Record<string, Record<string, number>>;
}

/** Rule files a capture mutant is scanned with (relative to the repository). */
const SCAN_RULES = ["rules/default.json", "rules/example-native.json", "rules/legacy-example.json"];

interface Job {
  id: string;
  kind: "capture" | "rules";
  index: number;
}

interface CommandRun {
  label: string;
  args: string[];
  csvPath?: string;
  csvOnError?: boolean;
}

/** The CLI runs for one mutant file written at `file`, outputs in `dir`. */
function commandsFor(job: Job, file: string, dir: string, rng: Rng): CommandRun[] {
  const outs = (p: string): string[] => [
    "-o",
    path.join(dir, `${p}.csv`),
    "--log",
    path.join(dir, `${p}.log`),
    "--json",
    path.join(dir, `${p}.json`),
    "--jsonl",
    path.join(dir, `${p}.jsonl`),
    "--write-flagged",
    path.join(dir, `${p}.flagged.pcap`),
    "--no-progress",
  ];
  if (job.kind === "capture") {
    const rules = rng.pick(SCAN_RULES);
    return [
      {
        label: `scan --rules ${rules}`,
        args: ["scan", file, "--rules", rules, ...outs("scan")],
        csvPath: path.join(dir, "scan.csv"),
        csvOnError: true,
      },
      { label: "packets", args: ["packets", file] },
    ];
  }
  return [
    { label: "rules check", args: ["rules", "check", file] },
    {
      label: "scan fixtures/example.pcap --rules",
      args: ["scan", "fixtures/example.pcap", "--rules", file, ...outs("scan")],
      csvPath: path.join(dir, "scan.csv"),
      csvOnError: false,
    },
  ];
}

const KIND_ORDER: readonly FailureKind[] = ["hang", "crash", "trace", "report"];

/** Run the fuzzer. Never throws for a failing input; throws when the CLI is not built or no seed exists. */
export async function runFuzz(o: FuzzOptions): Promise<FuzzSummary> {
  const t0 = Date.now();
  const root = o.root ?? repoRoot();
  const corpus = o.corpus ?? process.env.PFW_CORPUS ?? path.resolve(root, "../shared/corpus");
  const main = o.cli ?? pfwMain(root);
  if (!fs.existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
  const capSeeds = captureSeeds(root, corpus);
  const rulSeeds = ruleSeeds(root);
  if (o.captures > 0 && capSeeds.length === 0) throw new Error("no capture seeds (fixtures/ is empty)");
  if (o.rules > 0 && rulSeeds.length === 0) throw new Error("no rule seeds (rules/*.json)");
  const log = o.log ?? (() => undefined);
  log(
    `fuzz: seed ${o.seed}, ${capSeeds.length} capture seeds, ${rulSeeds.length} rule seeds, ${o.jobs} jobs`,
  );

  const jobs: Job[] = [];
  for (let i = 0; i < o.captures; i++) jobs.push({ id: `capture:${i}`, kind: "capture", index: i });
  for (let i = 0; i < o.rules; i++) jobs.push({ id: `rules:${i}`, kind: "rules", index: i });
  const todo = jobs.filter((j) => !o.exclude?.has(j.id));

  // PFW_DEBUG: an error that reaches the CLI's last handler is printed with its stack (else only its message)
  const env = { ...process.env, PFW_DEBUG: "1" };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pfw-fuzz-"));
  const sum: FuzzSummary = {
    seed: o.seed,
    captures: o.captures,
    rules: o.rules,
    runs: 0,
    crashes: 0,
    hangs: 0,
    traces: 0,
    reports: 0,
    failures: [],
    ms: 0,
    slowest: null,
    exits: {},
  };
  let next = 0;
  let done = 0;
  const every = Math.max(1, Math.floor(todo.length / 20));

  const one = async (job: Job, slot: number): Promise<void> => {
    const rng = new Rng(inputSeed(o.seed, job.kind, job.index));
    const m = job.kind === "capture" ? mutateCapture(capSeeds, rng) : mutateRules(rulSeeds, rng);
    const dir = path.join(tmp, `w${slot}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    const name =
      job.kind === "capture"
        ? `capture-${pad(job.index)}.${m.gzip ? "pcap.gz" : "pcap"}`
        : `rules-${pad(job.index)}.json`;
    const file = path.join(dir, name);
    fs.writeFileSync(file, m.bytes);
    const findings: { run: CommandRun; r: ChildResult; f: Finding }[] = [];
    for (const run of commandsFor(job, file, dir, rng)) {
      for (const ext of ["csv", "log", "json", "jsonl", "flagged.pcap"])
        fs.rmSync(path.join(dir, `scan.${ext}`), { force: true });
      const r = await runChild(process.execPath, [main, ...run.args], {
        cwd: root,
        timeoutMs: o.timeoutMs,
        env,
      });
      sum.runs++;
      if (sum.slowest === null || (r.ms ?? 0) > sum.slowest.ms)
        sum.slowest = { id: job.id, label: run.label, ms: r.ms ?? 0 };
      const cmd = `${job.kind} ${run.args[0] === "rules" ? "rules check" : run.args[0]}`;
      const how = r.timedOut ? "timeout" : r.signal !== null ? r.signal : String(r.status);
      const tally = (sum.exits[cmd] ??= {});
      tally[how] = (tally[how] ?? 0) + 1;
      const check: OracleCheck = {};
      if (run.csvPath !== undefined) {
        check.csv = fs.existsSync(run.csvPath) ? fs.readFileSync(run.csvPath, "utf8") : null;
        check.csvOnError = run.csvOnError === true;
      }
      const f = oracle(r, check);
      if (f !== null) findings.push({ run, r, f });
    }
    if (findings.length > 0) {
      const worst = KIND_ORDER.find((k) => findings.some((x) => x.f.kind === k)) ?? "crash";
      if (worst === "hang") sum.hangs++;
      else if (worst === "crash") sum.crashes++;
      else if (worst === "trace") sum.traces++;
      else sum.reports++;
      fs.mkdirSync(o.out, { recursive: true });
      const saved = path.join(o.out, name);
      fs.writeFileSync(saved, m.bytes);
      // the input's temporary path reads as FILE, the temporary output folder as OUT
      const tidy = (text: string): string => text.split(file).join("FILE").split(dir).join("OUT");
      const reason = tidy(
        findings.map((x) => `${x.f.kind}: pfw ${x.run.label} FILE: ${x.f.reason}`).join(" | ") +
          ` [seed ${m.seed}; ops ${m.ops.join(",")}]`,
      ).replace(/\s*\n\s*/g, " ");
      fs.writeFileSync(`${saved}.reason.txt`, `${reason}\n`);
      const runs = findings.map(
        (x) =>
          `$ PFW_DEBUG=1 pfw ${x.run.args.join(" ")}\n` +
          `(exit ${x.r.status}, signal ${x.r.signal}, timed out ${x.r.timedOut})\n${x.r.stderr}`,
      );
      fs.writeFileSync(`${saved}.stderr.txt`, tidy(runs.join("\n")));
      sum.failures.push({ id: job.id, kind: worst, file: saved, reason });
      log(`fuzz: FAIL ${job.id} -> ${saved}: ${reason.slice(0, 300)}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const worker = async (slot: number): Promise<void> => {
    while (next < todo.length) {
      const job = todo[next++] as Job;
      await one(job, slot);
      done++;
      if (done % every === 0 || done === todo.length)
        log(
          `fuzz: ${done}/${todo.length} inputs, ${Math.round((Date.now() - t0) / 1000)} s: ` +
            `${sum.crashes} crashes, ${sum.hangs} hangs, ${sum.traces} traces, ${sum.reports} bad reports`,
        );
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.jobs) }, (_, i) => worker(i)));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  sum.failures.sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }));
  sum.ms = Date.now() - t0;
  return sum;
}

function pad(n: number): string {
  return String(n).padStart(6, "0");
}

/** The last line of a run. */
export function summaryLine(s: FuzzSummary): string {
  const extra = s.reports > 0 ? `, ${s.reports} bad reports` : "";
  return `fuzz: ${s.captures} captures, ${s.rules} rule files, seed ${s.seed}: ${s.crashes} crashes, ${s.hangs} hangs, ${s.traces} traces${extra}`;
}

// ---------------------------------------------------------------------------------------------------------
// Command line

const USAGE =
  "usage: node dist/scripts/fuzz.js [--seed N] [--captures N] [--rules N] [--out DIR] [--jobs N] [--timeout SECONDS]";

/** Parse the command line; throws a message on a bad argument. */
export function parseArgs(argv: readonly string[], root = repoRoot()): FuzzOptions {
  const o: FuzzOptions = {
    seed: 1,
    captures: 3000,
    rules: 500,
    out: "",
    jobs: typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length,
    timeoutMs: 20_000,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (min: number): number => {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v)))
        throw new Error(`${a}: "${v}" is not a whole number >= ${min}`);
      return Number(v);
    };
    if (a === "--seed") o.seed = int(0);
    else if (a === "--captures") o.captures = int(0);
    else if (a === "--rules") o.rules = int(0);
    else if (a === "--jobs") o.jobs = int(1);
    else if (a === "--timeout") o.timeoutMs = int(1) * 1000;
    else if (a === "--out") o.out = path.resolve(value());
    else if (a === "-h" || a === "--help") throw new Error(USAGE);
    else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  if (o.seed > 0xffffffff) throw new Error("--seed: at most 4294967295");
  if (o.out === "") o.out = path.join(root, "reports", `fuzz-${o.seed}`);
  return o;
}

async function cli(): Promise<number> {
  let o: FuzzOptions;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  o.log = (line) => console.log(line);
  const s = await runFuzz(o);
  if (s.failures.length > 0) console.log(`fuzz: ${s.failures.length} failing inputs saved in ${o.out}`);
  const slow = s.slowest ? ` (slowest: ${s.slowest.id} pfw ${s.slowest.label}, ${s.slowest.ms} ms)` : "";
  console.log(`fuzz: ${s.runs} CLI runs in ${(s.ms / 1000).toFixed(1)} s${slow}`);
  for (const [cmd, tally] of Object.entries(s.exits))
    console.log(
      `fuzz: ${cmd}: ${Object.entries(tally)
        .map(([how, n]) => `exit ${how} x${n}`)
        .join(", ")}`,
    );
  console.log(summaryLine(s));
  return s.failures.length > 0 ? 1 : 0;
}

const invoked =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  cli().then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      console.error(`fuzz: ${(e as Error).message}`);
      process.exitCode = 2;
    },
  );
}
