/**
 * The rule compiler's per-field tables besides addresses (./cidr-trie.ts): for ports a 65,536-entry
 * table of bitset ids per field (sport, dport, port); for the protocol a 512-entry table indexed by
 * protocol number, plus 256 when the packet's TCP / UDP / ICMP / ICMPv6 header was decoded (the rule
 * field transportHeader folded in); for direction three bitsets (in, out, neither) and the home-network
 * tries that decide it. Every table entry is the id of the bitset of rules that may match that value;
 * rules without the field are in every bitset of that field.
 * Guarantees: build time only; the tables are immutable once built.
 */
import type { Cidr } from "../net/addr.js";
import { BitsetPool, setBit, wildcardOf } from "./bitset-pool.js";
import { buildTrie, cidrWords, type Trie } from "./cidr-trie.js";
import type { Rule } from "./types.js";

/**
 * The port table of one field: bitset id per port, built by a sweep over the elementary intervals of all
 * ranges; and the wildcard id (the rules without the field), which packets without ports get.
 */
export function buildPortTable(
  pool: BitsetPool,
  tmp: Uint32Array,
  rules: readonly Rule[],
  field: "sport" | "dport" | "port",
): [Int32Array, number] {
  const wild = wildcardOf(pool, tmp, rules, (r) => r[field] !== undefined);
  const tab = new Int32Array(65536).fill(wild);
  const starts = new Map<number, number[]>();
  const ends = new Map<number, number[]>();
  rules.forEach((r, i) => {
    for (const pr of r[field] ?? []) {
      const s = starts.get(pr.lo);
      if (s) s.push(i);
      else starts.set(pr.lo, [i]);
      const e = ends.get(pr.hi + 1);
      if (e) e.push(i);
      else ends.set(pr.hi + 1, [i]);
    }
  });
  const points = [...new Set([...starts.keys(), ...ends.keys()])].sort((a, b) => a - b);
  const cover = new Int32Array(Math.max(1, rules.length));
  pool.load(wild, tmp);
  for (let k = 0; k < points.length; k++) {
    const p = points[k] as number;
    for (const i of ends.get(p) ?? []) {
      const left = (cover[i] as number) - 1;
      cover[i] = left;
      if (left === 0) tmp[i >>> 5] = ((tmp[i >>> 5] ?? 0) & ~(1 << (i & 31))) >>> 0;
    }
    for (const i of starts.get(p) ?? []) {
      const had = cover[i] as number;
      cover[i] = had + 1;
      if (had === 0) setBit(tmp, i);
    }
    if (p > 65535) break;
    const id = pool.intern(tmp);
    tab.fill(id, p, (points[k + 1] as number | undefined) ?? 65536);
  }
  return [tab, wild];
}

/**
 * The protocol tables, with the transport-header condition folded in: half h (0: no header, 1: header
 * decoded) holds only the rules whose transportHeader is absent or equals h. protoTab: bitset id per
 * (h << 8 | protocol number); protoNone: the ids for a packet without a protocol number, [no header, header].
 */
export function buildProtoTables(
  pool: BitsetPool,
  tmp: Uint32Array,
  rules: readonly Rule[],
): { protoTab: Int32Array; protoNone: Int32Array } {
  const protoNone = new Int32Array(2);
  const protoTab = new Int32Array(512);
  const protoUsed = new Set<number>();
  for (const r of rules) for (const p of r.proto ?? []) protoUsed.add(p);
  for (const h of [0, 1]) {
    const hdrOk = (r: Rule): boolean => r.transportHeader === undefined || r.transportHeader === (h === 1);
    const none = wildcardOf(pool, tmp, rules, (r) => r.proto !== undefined || !hdrOk(r));
    protoNone[h] = none;
    protoTab.fill(none, h * 256, h * 256 + 256);
    for (const p of protoUsed) {
      pool.load(none, tmp);
      rules.forEach((r, i) => {
        if (r.proto?.includes(p) && hdrOk(r)) setBit(tmp, i);
      });
      protoTab[h * 256 + p] = pool.intern(tmp);
    }
  }
  return { protoTab, protoNone };
}

/** Bitset ids for direction in (0: destination home, source not), out (1), neither (2). */
export function buildDirSets(pool: BitsetPool, tmp: Uint32Array, rules: readonly Rule[]): Int32Array {
  const dirSet = new Int32Array(3);
  dirSet[0] = wildcardOf(pool, tmp, rules, (r) => r.direction === "out");
  dirSet[1] = wildcardOf(pool, tmp, rules, (r) => r.direction === "in");
  dirSet[2] = wildcardOf(pool, tmp, rules, (r) => r.direction !== "any");
  return dirSet;
}

/** Home-network tries (their own one-word pool) and, per bitset id of those tries, 1 if the address is home. */
export function buildHomeTries(homeNet: readonly Cidr[]): { home4: Trie; home6: Trie; homeFlag: Uint8Array } {
  const hpool = new BitsetPool(1);
  const hNo = hpool.intern(new Uint32Array(1));
  const entries = (v: 4 | 6): { words: number[]; prefix: number; rule: number }[] =>
    homeNet.filter((c) => c.version === v).map((c) => ({ words: cidrWords(c), prefix: c.prefix, rule: 0 }));
  const home4 = buildTrie(hpool, entries(4), hNo, 32);
  const home6 = buildTrie(hpool, entries(6), hNo, 128);
  const homeFlag = new Uint8Array(hpool.count);
  for (let i = 0; i < hpool.count; i++) homeFlag[i] = hpool.data[i] !== 0 ? 1 : 0;
  return { home4, home6, homeFlag };
}

/** The IPv4 and IPv6 address tries of field src or dst (rules without the field in every entry). */
export function buildAddressTries(
  pool: BitsetPool,
  tmp: Uint32Array,
  rules: readonly Rule[],
  field: "src" | "dst",
): [Trie, Trie] {
  const wild = wildcardOf(pool, tmp, rules, (r) => r[field] !== undefined);
  const e4: { words: number[]; prefix: number; rule: number }[] = [];
  const e6: { words: number[]; prefix: number; rule: number }[] = [];
  rules.forEach((r, i) => {
    for (const c of r[field] ?? []) {
      (c.version === 4 ? e4 : e6).push({ words: cidrWords(c), prefix: c.prefix, rule: i });
    }
  });
  return [buildTrie(pool, e4, wild, 32), buildTrie(pool, e6, wild, 128)];
}
