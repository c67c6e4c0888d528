/**
 * Address index of the rule compiler: per IP version and field (src, dst, home networks) a map from an
 * address to the id of the bitset of rules whose prefixes contain it (plus the rules without the field).
 * Full-length host entries (/32, /128) live in an open-addressing hash (one probe, instead of 8 or 32
 * trie steps through cold memory for blocklists of single hosts); everything shorter in a stride-4
 * multibit trie built from a binary trie by prefix expansion. Every entry holds the union of all prefixes
 * containing it, so a lookup is one hash probe plus at most 8 (IPv4) or 32 (IPv6) table steps, whatever
 * the number of rules.
 * Guarantees: lookup4 / lookup6 are hot-path code: no allocation, no strings; the build (buildTrie) is
 * load-time code.
 */
import type { Cidr } from "../net/addr.js";
import type { BitsetPool } from "./bitset-pool.js";

/** A node of the binary trie the multibit trie is expanded from. */
interface BNode {
  c0: BNode | null;
  c1: BNode | null;
  rules: number[] | null;
  acc: number;
}

function bnode(): BNode {
  return { c0: null, c1: null, rules: null, acc: -1 };
}

/** Bit i (0 = most significant) of an address held as words. */
function bitOf(words: readonly number[], i: number): number {
  return ((words[i >>> 5] ?? 0) >>> (31 - (i & 31))) & 1;
}

/**
 * Address index: full-length host entries (/32, /128) in an open-addressing hash (one probe,
 * instead of 8 or 32 trie steps through cold memory for blocklists of single hosts), everything
 * shorter in a stride-4 multibit trie (node k has entries k*16..k*16+15: child node or -1, and
 * bitset id). A host entry's bitset already includes every shorter prefix containing it.
 */
export interface Trie {
  child: Int32Array;
  set: Int32Array;
  nodes: number;
  /** Host hash: kw key words per slot, hset = bitset id or -1 (empty); hmask = slots - 1. */
  hkeys: Int32Array;
  hset: Int32Array;
  hmask: number;
}

/** Hash of an address's words (1 or 4), for the host table. */
function hashWords(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ b ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ c ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ d ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** One prefix of one rule: the CIDR's words (1 or 4), its prefix length and the rule number. */
export interface TrieEntry {
  words: number[];
  prefix: number;
  rule: number;
}

/** The address words of a CIDR: [v4] or its four IPv6 words. */
export function cidrWords(c: Cidr): number[] {
  return c.version === 4 ? [c.v4] : [...c.v6];
}

/** Build a trie over (cidr words, prefix, rule) entries; wildcard = bitset id every address gets. */
export function buildTrie(pool: BitsetPool, entries: TrieEntry[], wildcard: number, maxBits: number): Trie {
  const root = bnode();
  // Hosts (full-length prefixes) never enter the binary trie: they go to the hash table below.
  const hosts = new Map<string, { words: number[]; rules: number[] }>();
  for (const e of entries) {
    if (e.prefix === maxBits) {
      const key = e.words.join(",");
      const h = hosts.get(key);
      if (h) h.rules.push(e.rule);
      else hosts.set(key, { words: e.words, rules: [e.rule] });
      continue;
    }
    let n = root;
    for (let i = 0; i < e.prefix; i++) {
      if (bitOf(e.words, i) === 0) n = n.c0 ??= bnode();
      else n = n.c1 ??= bnode();
    }
    (n.rules ??= []).push(e.rule);
  }
  const tmp = new Uint32Array(pool.W);
  accumulate(pool, tmp, root, wildcard);
  const { hkeys, hset, slots } = hostTable(pool, tmp, root, hosts, maxBits);
  const { child, set } = expand(root);
  return {
    child: Int32Array.from(child),
    set: Int32Array.from(set),
    nodes: child.length >>> 4,
    hkeys,
    hset,
    hmask: hosts.size > 0 ? slots - 1 : -1,
  };
}

/** Accumulated bitset per binary node = wildcard + rules of every prefix on the path to it. */
function accumulate(pool: BitsetPool, tmp: Uint32Array, n: BNode, parent: number): void {
  if (n.rules === null) n.acc = parent;
  else {
    pool.load(parent, tmp);
    for (const r of n.rules) tmp[r >>> 5] = ((tmp[r >>> 5] ?? 0) | (1 << (r & 31))) >>> 0;
    n.acc = pool.intern(tmp);
  }
  if (n.c0) accumulate(pool, tmp, n.c0, n.acc);
  if (n.c1) accumulate(pool, tmp, n.c1, n.acc);
}

/** Host table: a host's bitset = the deepest trie prefix containing it + the host's own rules. */
function hostTable(
  pool: BitsetPool,
  tmp: Uint32Array,
  root: BNode,
  hosts: Map<string, { words: number[]; rules: number[] }>,
  maxBits: number,
): { hkeys: Int32Array; hset: Int32Array; slots: number } {
  const kw = maxBits === 32 ? 1 : 4;
  let slots = 1;
  while (slots < hosts.size * 2) slots *= 2;
  const hkeys = new Int32Array(slots * kw);
  const hset = new Int32Array(slots).fill(-1);
  for (const h of hosts.values()) {
    let n = root;
    for (let i = 0; i < maxBits; i++) {
      const next: BNode | null = bitOf(h.words, i) === 0 ? n.c0 : n.c1;
      if (next === null) break;
      n = next;
    }
    pool.load(n.acc, tmp);
    for (const r of h.rules) tmp[r >>> 5] = ((tmp[r >>> 5] ?? 0) | (1 << (r & 31))) >>> 0;
    const id = pool.intern(tmp);
    const w = [h.words[0] ?? 0, h.words[1] ?? 0, h.words[2] ?? 0, h.words[3] ?? 0];
    let i = hashWords(w[0] as number, w[1] as number, w[2] as number, w[3] as number) & (slots - 1);
    while ((hset[i] as number) >= 0) i = (i + 1) & (slots - 1);
    hset[i] = id;
    for (let k = 0; k < kw; k++) hkeys[i * kw + k] = w[k] as number;
  }
  return { hkeys, hset, slots };
}

/** Prefix expansion of the binary trie into stride-4 nodes (16 entries each: child node or -1, bitset id). */
function expand(root: BNode): { child: number[]; set: number[] } {
  const child: number[] = [];
  const set: number[] = [];
  const mk = (b: BNode): number => {
    const idx = child.length >>> 4;
    for (let e = 0; e < 16; e++) {
      child.push(-1);
      set.push(b.acc);
    }
    for (let e = 0; e < 16; e++) {
      let n: BNode | null = b;
      let deepest = b;
      let k = 0;
      for (; k < 4 && n !== null; k++) {
        n = ((e >>> (3 - k)) & 1) === 0 ? n.c0 : n.c1;
        if (n !== null) deepest = n;
      }
      set[idx * 16 + e] = deepest.acc;
      if (n !== null && k === 4 && (n.c0 !== null || n.c1 !== null)) child[idx * 16 + e] = mk(n);
    }
    return idx;
  };
  mk(root);
  return { child, set };
}

/** Hot path: bitset id for an IPv4 address. At most 8 steps. */
export function lookup4(t: Trie, addr: number): number {
  if (t.hmask >= 0) {
    const hset = t.hset;
    const hkeys = t.hkeys;
    const key = addr | 0;
    let i = hashWords(addr, 0, 0, 0) & t.hmask;
    while (true) {
      const id = hset[i] as number;
      if (id < 0) break;
      if (hkeys[i] === key) return id;
      i = (i + 1) & t.hmask;
    }
  }
  const child = t.child;
  const set = t.set;
  let node = 0;
  let res = 0;
  for (let shift = 28; shift >= 0; shift -= 4) {
    const e = (node << 4) | ((addr >>> shift) & 15);
    res = set[e] as number;
    node = child[e] as number;
    if (node < 0) break;
  }
  return res;
}

/** Hot path: continue a lookup through one 32-bit word of an IPv6 address; returns node (or -1). */
function step6(t: Trie, node: number, word: number, out: Int32Array): number {
  const child = t.child;
  const set = t.set;
  for (let shift = 28; shift >= 0; shift -= 4) {
    const e = (node << 4) | ((word >>> shift) & 15);
    out[0] = set[e] as number;
    node = child[e] as number;
    if (node < 0) return -1;
  }
  return node;
}

/**
 * Hot path: bitset id for an IPv6 address (a, b, c, d: its words, most significant first). out: a
 * one-entry scratch array the caller owns (no allocation per lookup).
 */
export function lookup6(t: Trie, a: number, b: number, c: number, d: number, out: Int32Array): number {
  if (t.hmask >= 0) {
    const hset = t.hset;
    const hk = t.hkeys;
    let i = hashWords(a, b, c, d) & t.hmask;
    while (true) {
      const id = hset[i] as number;
      if (id < 0) break;
      const o = i * 4;
      if (hk[o] === (a | 0) && hk[o + 1] === (b | 0) && hk[o + 2] === (c | 0) && hk[o + 3] === (d | 0))
        return id;
      i = (i + 1) & t.hmask;
    }
  }
  out[0] = t.set[0] as number;
  let node = step6(t, 0, a, out);
  if (node >= 0) node = step6(t, node, b, out);
  if (node >= 0) node = step6(t, node, c, out);
  if (node >= 0) step6(t, node, d, out);
  return out[0] as number;
}
