/**
 * Rule compiler and hot-path matcher (house style: Suricata's IP-only matcher, find-my-way's
 * constraint bitmaps). A Ruleset is compiled once into immutable indexes; per field an index
 * maps a packet value to the id of a bitset of rule numbers (bit r = rule r may match on this
 * field; rules without the field are in every bitset of that field):
 *   - src / dst, per IP version: single hosts (/32, /128) in an open-addressing hash, shorter
 *     prefixes in a stride-4 multibit trie built from a binary trie by prefix expansion; every
 *     entry holds the union of all prefixes containing it, so a lookup is one hash probe plus at
 *     most 8 (v4) or 32 (v6) table steps, whatever the number of rules;
 *   - sport / dport / port: 65,536-entry Int32Array tables of bitset ids;
 *   - proto and transport header together: a 512-entry table indexed by protocol number, plus
 *     256 when the packet's TCP/UDP/ICMP/ICMPv6 header was decoded (rule field transportHeader);
 *     direction: three bitsets (in, out, neither).
 * All bitsets live deduplicated in one Uint32Array pool (W words each) with, per bitset, the
 * ascending list of its non-zero words. Dense side: take the field bitset with the fewest
 * non-zero words as the driver, AND the others word by word at those positions only, return the
 * lowest set bit (= first rule in file order). Sparse side (large rulesets): each rule has a key
 * field (its most selective one); per field value the sorted list of rules keyed there; the
 * first of those candidates passing the AND is the answer (a rule can only match if its key
 * field matches). Per packet the cheaper side is used, so cost follows the number of rules that
 * could match, not the number of rules.
 * Guarantees: match() allocates nothing and does no string work; it returns exactly what
 * interpretRules() (./interpret.ts) returns (property-tested). The ruleset must not be mutated
 * after compiling.
 */

import { Layer, type DecodedPacket } from "../decode/packet.js";
import { IpProto } from "../net/protocols.js";
import {
  ACTION_VERDICT,
  MATCH_DEFAULT,
  MATCH_NO_VERDICT,
  type Cidr,
  type Rule,
  type Ruleset,
  type Verdict,
} from "./types.js";

export { MATCH_DEFAULT, MATCH_NO_VERDICT };

/** Layer bits whose presence means "the transport header was decoded" (Rule.transportHeader). */
const TRANSPORT_LAYERS = Layer.TCP | Layer.UDP | Layer.ICMP | Layer.ICMPV6;

/** Build statistics, for benchmarks and `rules check`. */
export interface CompileStats {
  rules: number;
  /** Words per bitset. */
  words: number;
  /** Distinct bitsets in the pool. */
  bitsets: number;
  /** Multibit trie nodes (16 entries each) over all address tries. */
  trieNodes: number;
  /** Approximate bytes of all typed arrays. */
  bytes: number;
}

/** A compiled, immutable ruleset. */
export interface CompiledRules {
  readonly ruleset: Ruleset;
  /** Effective home networks: the file's home_net plus opts.homeNet. */
  readonly homeNet: readonly Cidr[];
  readonly stats: CompileStats;
  /** Hot path: index of the first matching rule, -1 (default action) or -2 (no verdict). */
  match(pkt: DecodedPacket): number;
  /** Verdict of a match() result; null for -2. */
  verdictOf(idx: number): Verdict | null;
  /** The rule of a match() result; undefined for -1 and -2. */
  ruleOf(idx: number): Rule | undefined;
  /** Rule id of a match() result ("default" for -1, "" for -2). */
  idOf(idx: number): string;
  /** Reason of a match() result (the default reason for -1, "" for -2). */
  reasonOf(idx: number): string;
}

// ---------------------------------------------------------------- bitset pool

/** Deduplicating store of W-word bitsets; id i occupies words [i*W, i*W+W). */
class BitsetPool {
  data: Uint32Array;
  count = 0;
  private readonly buckets = new Map<number, number[]>();
  constructor(readonly W: number) {
    this.data = new Uint32Array(W * 64);
  }
  intern(bs: Uint32Array): number {
    const W = this.W;
    let h = 0x811c9dc5;
    for (let i = 0; i < W; i++) h = Math.imul(h ^ (bs[i] ?? 0), 0x01000193);
    const bucket = this.buckets.get(h);
    if (bucket !== undefined) {
      for (const id of bucket) {
        const base = id * W;
        let same = true;
        for (let i = 0; i < W; i++) {
          if (this.data[base + i] !== bs[i]) {
            same = false;
            break;
          }
        }
        if (same) return id;
      }
    }
    if ((this.count + 1) * W > this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    const id = this.count++;
    this.data.set(bs.subarray(0, W), id * W);
    if (bucket !== undefined) bucket.push(id);
    else this.buckets.set(h, [id]);
    return id;
  }
  /** Copy of bitset id into dst. */
  load(id: number, dst: Uint32Array): void {
    dst.set(this.data.subarray(id * this.W, id * this.W + this.W));
  }
}

/** Deduplicating store of ascending rule-number lists; list i is data[start[i] .. start[i+1]). */
class ListPool {
  private data: number[] = [];
  private starts: number[] = [0];
  private readonly buckets = new Map<number, number[]>();
  get count(): number {
    return this.starts.length - 1;
  }
  intern(list: readonly number[]): number {
    let h = 0x811c9dc5 ^ list.length;
    for (const x of list) h = Math.imul(h ^ x, 0x01000193);
    const bucket = this.buckets.get(h);
    for (const id of bucket ?? []) {
      const a = this.starts[id] as number;
      const b = this.starts[id + 1] as number;
      if (b - a !== list.length) continue;
      let same = true;
      for (let i = 0; i < list.length; i++) {
        if (this.data[a + i] !== list[i]) {
          same = false;
          break;
        }
      }
      if (same) return id;
    }
    const id = this.count;
    for (const x of list) this.data.push(x);
    this.starts.push(this.data.length);
    if (bucket !== undefined) bucket.push(id);
    else this.buckets.set(h, [id]);
    return id;
  }
  freeze(): { data: Int32Array; start: Int32Array } {
    return { data: Int32Array.from(this.data), start: Int32Array.from(this.starts) };
  }
}

// ---------------------------------------------------------------- CIDR tries

interface BNode {
  c0: BNode | null;
  c1: BNode | null;
  rules: number[] | null;
  acc: number;
}

function bnode(): BNode {
  return { c0: null, c1: null, rules: null, acc: -1 };
}

function bitOf(words: readonly number[], i: number): number {
  return ((words[i >>> 5] ?? 0) >>> (31 - (i & 31))) & 1;
}

/**
 * Address index: full-length host entries (/32, /128) in an open-addressing hash (one probe,
 * instead of 8 or 32 trie steps through cold memory for blocklists of single hosts), everything
 * shorter in a stride-4 multibit trie (node k has entries k*16..k*16+15: child node or -1, and
 * bitset id). A host entry's bitset already includes every shorter prefix containing it.
 */
interface Trie {
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

/** Build a trie over (cidr words, prefix, rule) entries; wildcard = bitset id every address gets. */
function buildTrie(
  pool: BitsetPool,
  entries: { words: number[]; prefix: number; rule: number }[],
  wildcard: number,
  maxBits: number,
): Trie {
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
  // Accumulated bitset per binary node = wildcard + rules of every prefix on the path to it.
  const tmp = new Uint32Array(pool.W);
  const acc = (n: BNode, parent: number): void => {
    if (n.rules === null) n.acc = parent;
    else {
      pool.load(parent, tmp);
      for (const r of n.rules) tmp[r >>> 5] = ((tmp[r >>> 5] ?? 0) | (1 << (r & 31))) >>> 0;
      n.acc = pool.intern(tmp);
    }
    if (n.c0) acc(n.c0, n.acc);
    if (n.c1) acc(n.c1, n.acc);
  };
  acc(root, wildcard);
  // Host table: a host's bitset = the deepest trie prefix containing it + the host's own rules.
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
  // Prefix expansion into stride-4 nodes.
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
  return {
    child: Int32Array.from(child),
    set: Int32Array.from(set),
    nodes: child.length >>> 4,
    hkeys,
    hset,
    hmask: hosts.size > 0 ? slots - 1 : -1,
  };
}

/** Hot path: bitset id for an IPv4 address. At most 8 steps. */
function lookup4(t: Trie, addr: number): number {
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
 * Hot path: the lowest rule of list `id` below `first` that passes the AND of all field bitsets
 * (the o* arguments are the fields' word offsets into bits), else `first`.
 */
function scanList(
  ldata: Int32Array,
  lstart: Int32Array,
  id: number,
  first: number,
  bits: Uint32Array,
  so: number,
  dOff: number,
  po: number,
  spo: number,
  dpo: number,
  dso: number,
  pao: number,
  pbo: number,
): number {
  const e = lstart[id + 1] as number;
  for (let k = lstart[id] as number; k < e; k++) {
    const r = ldata[k] as number;
    if (r >= first) return first;
    const w = r >>> 5;
    const x =
      (bits[so + w] as number) &
      (bits[dOff + w] as number) &
      (bits[po + w] as number) &
      (bits[spo + w] as number) &
      (bits[dpo + w] as number) &
      (bits[dso + w] as number) &
      ((bits[pao + w] as number) | (bits[pbo + w] as number));
    if (((x >>> (r & 31)) & 1) !== 0) return r;
  }
  return first;
}

// ---------------------------------------------------------------- compiler

type KeyField = "src" | "dst" | "sport" | "dport" | "port" | "proto" | "direction";

/** Share of the proto's traffic assumed when choosing key fields (tcp and udp are most packets). */
const PROTO_SHARE: Readonly<Record<number, number>> = {
  [IpProto.TCP]: 0.6,
  [IpProto.UDP]: 0.3,
  [IpProto.ICMP]: 0.05,
  [IpProto.ICMPV6]: 0.05,
};

/**
 * A rule's key field: the present field expected to match the fewest packets. Only a speed
 * heuristic: any present field gives correct results.
 */
function keyFieldOf(r: Rule): KeyField | null {
  let best: KeyField | null = null;
  let bestCost = Infinity;
  const consider = (f: KeyField, cost: number): void => {
    if (cost < bestCost) {
      best = f;
      bestCost = cost;
    }
  };
  const addrCost = (cs: Cidr[]): number => cs.reduce((t, c) => t + 2 ** -Math.min(c.prefix, 64), 0);
  const portCost = (rs: { lo: number; hi: number }[]): number =>
    rs.reduce((t, pr) => t + (pr.hi - pr.lo + 1) / 65536 + 0.02, 0);
  if (r.src) consider("src", addrCost(r.src));
  if (r.dst) consider("dst", addrCost(r.dst));
  if (r.dport) consider("dport", portCost(r.dport));
  if (r.sport) consider("sport", portCost(r.sport));
  if (r.port) consider("port", 2 * portCost(r.port));
  if (r.proto)
    consider(
      "proto",
      r.proto.reduce((t, p) => t + (PROTO_SHARE[p] ?? 0.01), 0),
    );
  if (r.direction !== "any") consider("direction", 0.5);
  return best;
}

function cidrWords(c: Cidr): number[] {
  return c.version === 4 ? [c.v4] : [...c.v6];
}

/** Options of compileRules. */
export interface CompileOptions {
  /** Home networks added to the file's home_net (for `direction`). */
  homeNet?: Cidr[];
  /**
   * Matching strategy, for tests and benchmarks only. auto (default): dense for up to 64 rules,
   * else per packet the cheaper of dense and sparse; auto-always: that choice at any size.
   */
  strategy?: "auto" | "auto-always" | "dense" | "sparse";
  /**
   * Rules per compiled block (default RULE_BLOCK). Larger rulesets are compiled as consecutive blocks that
   * match in order; tests set it small to exercise that.
   */
  blockSize?: number;
}

/**
 * A ruleset of more than this many rules is compiled as consecutive blocks of this many. Within a block
 * every distinct field value gets a bitset over the block's rules, so one block's size and build time grow
 * with the square of its rule count; blocks keep a large file linear. Measured with rule files whose rules
 * each name their own address (`pfw scan` of a 1-packet capture, 2026-11-26): 30,000 rules took 1.9 s and
 * 400 MB as one block, 0.96 s and 186 MB in blocks; 100,000 rules 2.0 s and 318 MB. The price: a match
 * walks the blocks in order, so a huge file costs more per packet (10,000 such rules: 405 ns instead of
 * 145 ns), which the engine's fast path pays once per flow direction.
 */
export const RULE_BLOCK = 4096;

/** Compile a ruleset once. opts.homeNet adds home networks to the file's home_net (for direction). */
export function compileRules(ruleset: Ruleset, opts: CompileOptions = {}): CompiledRules {
  // auto: up to 2 words (64 rules) the dense AND is never more than 2 steps; use it alone.
  const dense =
    opts.strategy === "dense" ||
    (opts.strategy !== "sparse" && opts.strategy !== "auto-always" && ruleset.rules.length <= 64);
  const mode = dense ? 1 : opts.strategy === "sparse" ? 2 : 0;
  const homeNet = [...ruleset.homeNet, ...(opts.homeNet ?? [])];
  const block = Math.max(1, Math.floor(opts.blockSize ?? RULE_BLOCK));
  if (ruleset.rules.length <= block) return new Compiled(ruleset, homeNet, mode);
  const blocks: Compiled[] = [];
  for (let i = 0; i < ruleset.rules.length; i += block)
    blocks.push(new Compiled({ ...ruleset, rules: ruleset.rules.slice(i, i + block) }, homeNet, mode));
  return new Blocked(ruleset, homeNet, blocks, block);
}

/** What every compiled form answers from the ruleset alone: verdicts, rules, ids and reasons of match results. */
abstract class RuleAnswers {
  private readonly verdicts: Verdict[];
  private readonly defaultVerdict: Verdict;

  constructor(readonly ruleset: Ruleset) {
    this.verdicts = ruleset.rules.map((r) => ACTION_VERDICT[r.action]);
    this.defaultVerdict = ACTION_VERDICT[ruleset.defaultAction];
  }

  verdictOf(idx: number): Verdict | null {
    if (idx === MATCH_DEFAULT) return this.defaultVerdict;
    return this.verdicts[idx] ?? null;
  }

  ruleOf(idx: number): Rule | undefined {
    return idx >= 0 ? this.ruleset.rules[idx] : undefined;
  }

  idOf(idx: number): string {
    if (idx === MATCH_DEFAULT) return "default";
    return this.ruleset.rules[idx]?.id ?? "";
  }

  reasonOf(idx: number): string {
    if (idx === MATCH_DEFAULT) return this.ruleset.defaultReason;
    return this.ruleset.rules[idx]?.reason ?? "";
  }
}

/** A large ruleset as consecutive compiled blocks (RULE_BLOCK): the first block with a match decides. */
class Blocked extends RuleAnswers implements CompiledRules {
  readonly stats: CompileStats;

  constructor(
    ruleset: Ruleset,
    readonly homeNet: readonly Cidr[],
    private readonly blocks: readonly Compiled[],
    private readonly blockSize: number,
  ) {
    super(ruleset);
    const sum = (k: keyof CompileStats): number => blocks.reduce((t, b) => t + b.stats[k], 0);
    this.stats = {
      rules: ruleset.rules.length,
      words: Math.max(...blocks.map((b) => b.stats.words)),
      bitsets: sum("bitsets"),
      trieNodes: sum("trieNodes"),
      bytes: sum("bytes"),
    };
  }

  /** Hot path: each block in turn; no allocation. */
  match(pkt: DecodedPacket): number {
    const blocks = this.blocks;
    for (let i = 0; i < blocks.length; i++) {
      const r = (blocks[i] as Compiled).match(pkt);
      if (r >= 0) return r + i * this.blockSize;
      if (r === MATCH_NO_VERDICT) return r; // the IP version is not judged: the same in every block
    }
    return MATCH_DEFAULT;
  }
}

class Compiled extends RuleAnswers implements CompiledRules {
  readonly stats: CompileStats;
  private readonly W: number;
  private readonly bits: Uint32Array;
  private readonly nzStart: Int32Array;
  private readonly nzIdx: Int32Array;
  private readonly judge4: boolean;
  private readonly judge6: boolean;
  private readonly src4: Trie;
  private readonly dst4: Trie;
  private readonly src6: Trie;
  private readonly dst6: Trie;
  private readonly sportTab: Int32Array;
  private readonly dportTab: Int32Array;
  private readonly portTab: Int32Array;
  /** Bitset ids for packets without ports (the field's wildcard set). */
  private readonly sportNone: number;
  private readonly dportNone: number;
  private readonly portNone: number;
  /** Bitset id per protocol number + 256 if the transport header was decoded. */
  private readonly protoTab: Int32Array;
  /** Bitset ids for a packet without a protocol number: [no header, header]. */
  private readonly protoNone: Int32Array;
  /** Bitset ids for direction in (0), out (1), neither (2). */
  private readonly dirSet: Int32Array;
  private readonly useDir: boolean;
  private readonly home4: Trie;
  private readonly home6: Trie;
  /** home tries' bitset id -> 1 if home. */
  private readonly homeFlag: Uint8Array;
  private readonly scratch6 = new Int32Array(1);
  /**
   * Sparse side: every rule has one key field (its most selective one). Per field, bitset id ->
   * id of the ascending list of rules keyed on that field that match the value (= the bitset AND
   * the field's key mask). A rule can only match if it is in the list of its key field, so the
   * first rule passing the full AND among these lists (and the field-less rules) is the answer.
   */
  private readonly keySrc: Int32Array;
  private readonly keyDst: Int32Array;
  private readonly keySport: Int32Array;
  private readonly keyDport: Int32Array;
  private readonly keyPort: Int32Array;
  private readonly keyProto: Int32Array;
  private readonly keyDir: Int32Array;
  /** List id of the rules without any match field (they match every judged packet). */
  private readonly keyNone: number;
  private readonly ldata: Int32Array;
  private readonly lstart: Int32Array;

  constructor(
    ruleset: Ruleset,
    readonly homeNet: readonly Cidr[],
    private readonly mode: number,
  ) {
    super(ruleset);
    const rules = ruleset.rules;
    const n = rules.length;
    const W = Math.max(1, Math.ceil(n / 32));
    this.W = W;
    const pool = new BitsetPool(W);
    const tmp = new Uint32Array(W);
    const setBit = (bs: Uint32Array, r: number): void => {
      bs[r >>> 5] = ((bs[r >>> 5] ?? 0) | (1 << (r & 31))) >>> 0;
    };
    /** Bitset id of the rules for which has(rule) is false (they match any value of the field). */
    const wildcardOf = (has: (r: Rule) => boolean): number => {
      tmp.fill(0);
      rules.forEach((r, i) => {
        if (!has(r)) setBit(tmp, i);
      });
      return pool.intern(tmp);
    };

    // Addresses.
    const mkTries = (field: "src" | "dst"): [Trie, Trie] => {
      const wild = wildcardOf((r) => r[field] !== undefined);
      const e4: { words: number[]; prefix: number; rule: number }[] = [];
      const e6: { words: number[]; prefix: number; rule: number }[] = [];
      rules.forEach((r, i) => {
        for (const c of r[field] ?? []) {
          (c.version === 4 ? e4 : e6).push({ words: cidrWords(c), prefix: c.prefix, rule: i });
        }
      });
      return [buildTrie(pool, e4, wild, 32), buildTrie(pool, e6, wild, 128)];
    };
    [this.src4, this.src6] = mkTries("src");
    [this.dst4, this.dst6] = mkTries("dst");

    // Ports: sweep over the elementary intervals of all ranges.
    const mkPorts = (field: "sport" | "dport" | "port"): [Int32Array, number] => {
      const wild = wildcardOf((r) => r[field] !== undefined);
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
      const cover = new Int32Array(Math.max(1, n));
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
    };
    [this.sportTab, this.sportNone] = mkPorts("sport");
    [this.dportTab, this.dportNone] = mkPorts("dport");
    [this.portTab, this.portNone] = mkPorts("port");

    // Protocols, with the transport-header condition folded in: half h (0: no header, 1:
    // header decoded) holds only the rules whose transportHeader is absent or equals h.
    this.protoNone = new Int32Array(2);
    this.protoTab = new Int32Array(512);
    const protoUsed = new Set<number>();
    for (const r of rules) for (const p of r.proto ?? []) protoUsed.add(p);
    for (const h of [0, 1]) {
      const hdrOk = (r: Rule): boolean => r.transportHeader === undefined || r.transportHeader === (h === 1);
      const none = wildcardOf((r) => r.proto !== undefined || !hdrOk(r));
      this.protoNone[h] = none;
      this.protoTab.fill(none, h * 256, h * 256 + 256);
      for (const p of protoUsed) {
        pool.load(none, tmp);
        rules.forEach((r, i) => {
          if (r.proto?.includes(p) && hdrOk(r)) setBit(tmp, i);
        });
        this.protoTab[h * 256 + p] = pool.intern(tmp);
      }
    }

    // Direction.
    this.dirSet = new Int32Array(3);
    this.dirSet[0] = wildcardOf((r) => r.direction === "out");
    this.dirSet[1] = wildcardOf((r) => r.direction === "in");
    this.dirSet[2] = wildcardOf((r) => r.direction !== "any");
    this.useDir = rules.some((r) => r.direction !== "any");
    const hpool = new BitsetPool(1);
    const hNo = hpool.intern(new Uint32Array(1));
    const hEntries = this.useDir ? homeNet : [];
    this.home4 = buildTrie(
      hpool,
      hEntries
        .filter((c) => c.version === 4)
        .map((c) => ({ words: cidrWords(c), prefix: c.prefix, rule: 0 })),
      hNo,
      32,
    );
    this.home6 = buildTrie(
      hpool,
      hEntries
        .filter((c) => c.version === 6)
        .map((c) => ({ words: cidrWords(c), prefix: c.prefix, rule: 0 })),
      hNo,
      128,
    );
    this.homeFlag = new Uint8Array(hpool.count);
    for (let i = 0; i < hpool.count; i++) this.homeFlag[i] = hpool.data[i] !== 0 ? 1 : 0;

    // Key field of each rule and, per field, bitset id -> list of matching key rules.
    const keyField = rules.map(keyFieldOf);
    const lists = new ListPool();
    const emptyList = lists.intern([]);
    const keyMap = (field: KeyField, tables: ArrayLike<number>[]): Int32Array => {
      const map = new Int32Array(pool.count).fill(emptyList);
      const mask = new Uint32Array(W);
      keyField.forEach((f, i) => {
        if (f === field) setBit(mask, i);
      });
      if (mask.every((x) => x === 0)) return map;
      const seen = new Uint8Array(pool.count);
      const ids: number[] = [];
      for (const t of tables) {
        for (let i = 0; i < t.length; i++) {
          const id = t[i] as number;
          if (id >= 0 && seen[id] === 0) {
            seen[id] = 1;
            ids.push(id);
          }
        }
      }
      const buf: number[] = [];
      for (const id of ids) {
        buf.length = 0;
        for (let w = 0; w < W; w++) {
          let x = ((pool.data[id * W + w] as number) & (mask[w] as number)) >>> 0;
          while (x !== 0) {
            const b = 31 - Math.clz32(x & -x);
            buf.push(w * 32 + b);
            x = (x & (x - 1)) >>> 0;
          }
        }
        map[id] = lists.intern(buf);
      }
      return map;
    };
    this.keySrc = keyMap("src", [this.src4.set, this.src6.set, this.src4.hset, this.src6.hset]);
    this.keyDst = keyMap("dst", [this.dst4.set, this.dst6.set, this.dst4.hset, this.dst6.hset]);
    this.keySport = keyMap("sport", [this.sportTab, [this.sportNone]]);
    this.keyDport = keyMap("dport", [this.dportTab, [this.dportNone]]);
    this.keyPort = keyMap("port", [this.portTab, [this.portNone]]);
    this.keyProto = keyMap("proto", [this.protoTab, this.protoNone]);
    this.keyDir = keyMap("direction", [this.dirSet]);
    this.keyNone = lists.intern(keyField.flatMap((f, i) => (f === null ? [i] : [])));
    ({ data: this.ldata, start: this.lstart } = lists.freeze());

    // Freeze the pool and list each bitset's non-zero words.
    this.bits = pool.data.slice(0, pool.count * W);
    this.nzStart = new Int32Array(pool.count + 1);
    const nz: number[] = [];
    for (let id = 0; id < pool.count; id++) {
      this.nzStart[id] = nz.length;
      for (let w = 0; w < W; w++) if (this.bits[id * W + w] !== 0) nz.push(w);
    }
    this.nzStart[pool.count] = nz.length;
    this.nzIdx = Int32Array.from(nz);

    this.judge4 = ruleset.ipVersions.includes(4);
    this.judge6 = ruleset.ipVersions.includes(6);
    const tries = [this.src4, this.dst4, this.src6, this.dst6, this.home4, this.home6];
    const trieNodes = tries.reduce((s, t) => s + t.nodes, 0);
    const hashBytes = tries.reduce((s, t) => s + t.hkeys.byteLength + t.hset.byteLength, 0);
    this.stats = {
      rules: n,
      words: W,
      bitsets: pool.count,
      trieNodes,
      bytes:
        this.bits.byteLength +
        this.nzIdx.byteLength +
        this.ldata.byteLength +
        7 * pool.count * 4 +
        trieNodes * 16 * 8 +
        hashBytes +
        3 * 65536 * 4,
    };
  }

  /** Hot path: no allocation, no strings. */
  match(pkt: DecodedPacket): number {
    const v = pkt.ipVersion;
    let s: number;
    let d: number;
    let dir = 2;
    if (v === 4) {
      if (!this.judge4) return MATCH_NO_VERDICT;
      s = lookup4(this.src4, pkt.src4);
      d = lookup4(this.dst4, pkt.dst4);
      if (this.useDir) {
        const sh = this.homeFlag[lookup4(this.home4, pkt.src4)] === 1;
        const dh = this.homeFlag[lookup4(this.home4, pkt.dst4)] === 1;
        dir = dh && !sh ? 0 : sh && !dh ? 1 : 2;
      }
    } else if (v === 6) {
      if (!this.judge6) return MATCH_NO_VERDICT;
      s = this.lookup6(this.src6, pkt.src6a, pkt.src6b, pkt.src6c, pkt.src6d);
      d = this.lookup6(this.dst6, pkt.dst6a, pkt.dst6b, pkt.dst6c, pkt.dst6d);
      if (this.useDir) {
        const sh = this.homeFlag[this.lookup6(this.home6, pkt.src6a, pkt.src6b, pkt.src6c, pkt.src6d)] === 1;
        const dh = this.homeFlag[this.lookup6(this.home6, pkt.dst6a, pkt.dst6b, pkt.dst6c, pkt.dst6d)] === 1;
        dir = dh && !sh ? 0 : sh && !dh ? 1 : 2;
      }
    } else return MATCH_NO_VERDICT;

    const pr = pkt.ipProto;
    const hdr = (pkt.layers & TRANSPORT_LAYERS) !== 0 ? 1 : 0;
    const p =
      pr >= 0 && pr <= 255 ? (this.protoTab[(hdr << 8) | pr] as number) : (this.protoNone[hdr] as number);
    let sp = -1;
    let dp = -1;
    if (pr === IpProto.TCP || pr === IpProto.UDP) {
      sp = pkt.srcPort;
      dp = pkt.dstPort;
    }
    const hasSp = sp >= 0 && sp <= 65535;
    const hasDp = dp >= 0 && dp <= 65535;
    const sps = hasSp ? (this.sportTab[sp] as number) : this.sportNone;
    const dps = hasDp ? (this.dportTab[dp] as number) : this.dportNone;
    const pa = hasSp ? (this.portTab[sp] as number) : this.portNone;
    const pb = hasDp ? (this.portTab[dp] as number) : this.portNone;
    const ds = this.dirSet[dir] as number;

    // Driver: the field bitset with the fewest non-zero words.
    const nzStart = this.nzStart;
    let drv = s;
    let best = (nzStart[s + 1] as number) - (nzStart[s] as number);
    let c = (nzStart[d + 1] as number) - (nzStart[d] as number);
    if (c < best) {
      best = c;
      drv = d;
    }
    c = (nzStart[p + 1] as number) - (nzStart[p] as number);
    if (c < best) {
      best = c;
      drv = p;
    }
    c = (nzStart[sps + 1] as number) - (nzStart[sps] as number);
    if (c < best) {
      best = c;
      drv = sps;
    }
    c = (nzStart[dps + 1] as number) - (nzStart[dps] as number);
    if (c < best) {
      best = c;
      drv = dps;
    }
    c = (nzStart[ds + 1] as number) - (nzStart[ds] as number);
    if (c < best) {
      best = c;
      drv = ds;
    }

    const W = this.W;
    const bits = this.bits;
    const nzIdx = this.nzIdx;
    const so = s * W;
    const dOff = d * W;
    const po = p * W;
    const spo = sps * W;
    const dpo = dps * W;
    const pao = pa * W;
    const pbo = pb * W;
    const dso = ds * W;

    const mode = this.mode;
    // Sparse side only when the dense side would walk more than a couple of words.
    if (mode === 2 || (mode === 0 && best > 2)) {
      const r = this.matchSparse(mode, best, s, d, sps, dps, pa, pb, p, ds);
      if (r !== -3) return r;
    }

    // Dense side: AND the field bitsets at the driver's non-zero words.
    const end = nzStart[drv + 1] as number;
    for (let k = nzStart[drv] as number; k < end; k++) {
      const w = nzIdx[k] as number;
      const x =
        (bits[so + w] as number) &
        (bits[dOff + w] as number) &
        (bits[po + w] as number) &
        (bits[spo + w] as number) &
        (bits[dpo + w] as number) &
        (bits[dso + w] as number) &
        ((bits[pao + w] as number) | (bits[pbo + w] as number));
      if (x !== 0) return (w << 5) + (31 - Math.clz32(x & -x));
    }
    return MATCH_DEFAULT;
  }

  /**
   * Hot path, sparse side: candidates from each field's key list (cost: their total length).
   * Returns -3 when the dense side is cheaper (mode 0 and more candidates than dense words).
   */
  private matchSparse(
    mode: number,
    best: number,
    s: number,
    d: number,
    sps: number,
    dps: number,
    pa: number,
    pb: number,
    p: number,
    ds: number,
  ): number {
    const W = this.W;
    const bits = this.bits;
    const so = s * W;
    const dOff = d * W;
    const po = p * W;
    const spo = sps * W;
    const dpo = dps * W;
    const pao = pa * W;
    const pbo = pb * W;
    const dso = ds * W;
    // Candidate rules from each field's key list (cost: their total length).
    const lstart = this.lstart;
    const l0 = this.keySrc[s] as number;
    const l1 = this.keyDst[d] as number;
    const l2 = this.keySport[sps] as number;
    const l3 = this.keyDport[dps] as number;
    const l4 = this.keyPort[pa] as number;
    const l5 = this.keyPort[pb] as number;
    const l6 = this.keyProto[p] as number;
    const l7 = this.keyDir[ds] as number;
    const l8 = this.keyNone;
    const sparse =
      (lstart[l0 + 1] as number) -
      (lstart[l0] as number) +
      (lstart[l1 + 1] as number) -
      (lstart[l1] as number) +
      (lstart[l2 + 1] as number) -
      (lstart[l2] as number) +
      (lstart[l3 + 1] as number) -
      (lstart[l3] as number) +
      (lstart[l4 + 1] as number) -
      (lstart[l4] as number) +
      (lstart[l5 + 1] as number) -
      (lstart[l5] as number) +
      (lstart[l6 + 1] as number) -
      (lstart[l6] as number) +
      (lstart[l7 + 1] as number) -
      (lstart[l7] as number) +
      (lstart[l8 + 1] as number) -
      (lstart[l8] as number);
    if (mode !== 2 && sparse > best) return -3;
    if (sparse === 0) return MATCH_DEFAULT;
    const ld = this.ldata;
    let f = 0x7fffffff;
    f = scanList(ld, lstart, l0, f, bits, so, dOff, po, spo, dpo, dso, pao, pbo);
    f = scanList(ld, lstart, l1, f, bits, so, dOff, po, spo, dpo, dso, pao, pbo);
    f = scanList(ld, lstart, l2, f, bits, so, dOff, po, spo, dpo, dso, pao, pbo);
    f = scanList(ld, lstart, l3, f, bits, so, dOff, po, spo, dpo, dso, pao, pbo);
    f = scanList(ld, lstart, l4, f, bits, so, dOff, po, spo, dpo, dso, pao, pbo);
    f = scanList(ld, lstart, l5, f, bits, so, dOff, po, spo, dpo, dso, pao, pbo);
    f = scanList(ld, lstart, l6, f, bits, so, dOff, po, spo, dpo, dso, pao, pbo);
    f = scanList(ld, lstart, l7, f, bits, so, dOff, po, spo, dpo, dso, pao, pbo);
    f = scanList(ld, lstart, l8, f, bits, so, dOff, po, spo, dpo, dso, pao, pbo);
    return f === 0x7fffffff ? MATCH_DEFAULT : f;
  }

  /** Hot path: bitset id for an IPv6 address. */
  private lookup6(t: Trie, a: number, b: number, c: number, d: number): number {
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
    const out = this.scratch6;
    out[0] = t.set[0] as number;
    let node = step6(t, 0, a, out);
    if (node >= 0) node = step6(t, node, b, out);
    if (node >= 0) node = step6(t, node, c, out);
    if (node >= 0) step6(t, node, d, out);
    return out[0] as number;
  }
}
