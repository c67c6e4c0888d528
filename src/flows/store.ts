/**
 * Storage of the flow table (./table.ts builds on it): per-flow records, the slot table, the idle lists,
 * the IPv6 pool and the side tables, with the operations on them that do not depend on the current packet.
 *
 * Guarantees:
 *  - Memory is bounded at construction (see ./table.ts): every typed array is allocated here, once, and
 *    reserved zero-filled; flow indexes are handed out in order (nextNew, then the free list), so pages
 *    become resident only as flows arrive. The IPv6 pool grows in 64Ki-entry chunks made on first use.
 *  - Slot table: a power-of-two table at load factor <= 0.5, linear probing, backward-shift deletion
 *    (unslot); growSlots doubles it up to maxSlots, rebuildSlots makes it anew from the idle lists.
 *  - Idle lists: one per protocol class (FlowClass), least recently seen at the head; [prev, next] per
 *    flow side by side, so unlinking a flow touches one cache line for it.
 *  - No allocation on the per-packet path (touch, v6Entry, addRule's first rule); Maps only for the rare
 *    cases (several rules per flow, frame numbers of 2^32 - 1 and up, cached Community IDs).
 */
import { communityIdV1 } from "./community-id.js";
import { classOf, Frame, Hot, Info, Key, V6Chunk } from "./layout.js";

/** At most this many distinct rule indexes are kept per flow (first ones seen). */
export const RULES_CAP = 8;

/** Community IDs cached at most (memory bound: about 100 bytes each). */
const CID_CACHE_MAX = 1 << 16;

/** Initial slot table size (it doubles as flows arrive). */
const MIN_SLOTS = 1024;

/** Flow records and their indexes; the packet-facing part is ./key.ts and ./table.ts. */
export abstract class FlowStore {
  /** Capacity (maxFlows). */
  readonly capacity: number;
  /** Key records (Key.STRIDE Uint32 per flow). */
  readonly key: Uint32Array;
  /**
   * IPv6 pool: words b,c,d of both sides ([orig b,c,d, resp b,c,d]) per IPv6 flow, in chunks of 64Ki entries
   * made on first use. Compact (capacity <= 2^24): entries are handed out to IPv6 flows only (bump + free
   * list), the entry index is kept in the flow's hot record, so memory follows the IPv6 flows, not all flows.
   * Otherwise the entry index is the flow index.
   */
  protected readonly v6chunks: (Uint32Array | undefined)[] = [];
  protected readonly v6Compact: boolean;
  protected v6Next = 0;
  protected v6FreeHead = -1;
  /** Hot records (64 bytes per flow) and their views. */
  readonly hotF: Float64Array;
  readonly hotI: Int32Array;
  readonly hotB: Uint8Array;
  /** Payload bytes per flow: [2f] originator, [2f + 1] responder (transport payload, Zeek's orig_bytes). */
  readonly payF: Float64Array;
  /**
   * Zeek history per flow, 3 words: [3f] the letters seen (bit l: originator letter l, bit 8 + l:
   * responder) | count << 16; [3f + 1], [3f + 2]: up to 16 letter codes (4 bits each) in order.
   */
  readonly histW: Uint32Array;
  /** Whole epoch seconds the time fields count from (EPOCH_LEAD seconds before the first packet's second). */
  epoch = 0;
  /** Rule indexes after the first (only for flows that matched several rules). */
  readonly ruleMore = new Map<number, number[]>();
  /** First frame number per flow; Frame.BIG marks one kept in frameBig (frame numbers of 2^32 - 1 and up). */
  protected readonly frame0: Uint32Array;
  protected readonly frameBig = new Map<number, number>();
  readonly file0: Uint16Array;
  // LRU lists per protocol class, and the free list (through the next links): [prev, next] per flow,
  // side by side so unlinking a flow touches one cache line for it
  protected readonly lru: Int32Array;
  protected readonly heads = new Int32Array([-1, -1, -1]);
  protected readonly tails = new Int32Array([-1, -1, -1]);
  /** Head of the list of freed flow indexes (through the next links), -1 when empty. */
  protected freeHead = -1;
  /** Flow indexes below this have been used at least once; the next never-used index. */
  protected nextNew = 0;
  // hash slots: flow index + 1 (0 = empty); grows (doubling, rehash) with the live flows up to maxSlots
  protected slots: Int32Array;
  protected mask: number;
  protected readonly maxSlots: number;
  /** Inside flushAll: free() leaves the slot table alone (rebuilt once at the end). */
  protected bulkFree = false;
  protected readonly seed: number;
  protected readonly cidCache = new Map<number, string>();
  protected live = 0;
  /** Per flow index: bumped each time the flow there leaves the table (see genOf). */
  protected readonly gen: Uint32Array;

  /** Storage for opts.maxFlows flows (at least 1); hashSeed: see FlowTableOptions. */
  constructor(opts: { maxFlows: number; hashSeed?: number }) {
    const cap = Math.max(1, Math.floor(opts.maxFlows));
    this.capacity = cap;
    this.key = new Uint32Array(cap * Key.STRIDE);
    const hot = new ArrayBuffer(cap * 64);
    this.hotF = new Float64Array(hot);
    this.hotI = new Int32Array(hot);
    this.hotB = new Uint8Array(hot);
    this.payF = new Float64Array(cap * 2);
    this.histW = new Uint32Array(cap * 3);
    this.frame0 = new Uint32Array(cap);
    this.file0 = new Uint16Array(cap);
    this.gen = new Uint32Array(cap);
    this.lru = new Int32Array(cap * 2);
    this.v6Compact = cap <= 1 << 24;
    let size = 2;
    while (size < cap * 2) size *= 2;
    this.maxSlots = size;
    size = Math.min(size, MIN_SLOTS);
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    this.seed = (opts.hashSeed ?? (Math.random() * 0x100000000) >>> 0) >>> 0;
  }

  /** Number of live flows. */
  get size(): number {
    return this.live;
  }
  /** Community ID of a live flow, computed on first request and cached (bounded) until the flow leaves. */
  communityIdOf(f: number, cache = true): string {
    const hit = this.cidCache.get(f);
    if (hit !== undefined) return hit;
    const o = f * Key.STRIDE;
    const info = (this.key[o + Key.PROTO] ?? 0) >>> 8;
    const ports = info & Info.PORTS;
    const kp = this.key[o + Key.PORTS] ?? 0;
    const cid = communityIdV1(
      info & Info.V6 ? 6 : 4,
      (this.key[o + Key.PROTO] ?? 0) & 0xff,
      this.addrWords(f, 0),
      0,
      this.addrWords(f, 1),
      0,
      ports ? kp >>> 16 : -1,
      ports ? kp & 0xffff : -1,
      (info & Info.ONEWAY) !== 0,
    );
    if (!cache) return cid;
    // FIFO bound: a long-lived flow pushed out by CID_CACHE_MAX newer ones is recomputed on its next request.
    if (this.cidCache.size >= CID_CACHE_MAX) {
      const oldest = this.cidCache.keys().next();
      if (!oldest.done) this.cidCache.delete(oldest.value);
    }
    this.cidCache.set(f, cid);
    return cid;
  }
  /** Address words of side 0 (originator) or 1 (responder) of flow f; IPv4 in word 0. Report time only. */
  addrWords(f: number, side: 0 | 1): [number, number, number, number] {
    const o = f * Key.STRIDE;
    const a = this.key[o + Key.ORIG + side] ?? 0;
    if ((((this.key[o + Key.PROTO] ?? 0) >>> 8) & Info.V6) === 0) return [a, 0, 0, 0];
    const e = this.v6Entry(f);
    const ch = this.v6chunks[e >>> V6Chunk.BITS];
    const x = (e & V6Chunk.MASK) * 6 + side * 3;
    return [a, ch?.[x] ?? 0, ch?.[x + 1] ?? 0, ch?.[x + 2] ?? 0];
  }
  /** Word w (0..3) of side 0 (originator) or 1 (responder) of flow f, as addrWords() without the array. */
  addrWord(f: number, side: 0 | 1, w: number): number {
    const o = f * Key.STRIDE;
    if (w === 0) return this.key[o + Key.ORIG + side] ?? 0;
    if ((((this.key[o + Key.PROTO] ?? 0) >>> 8) & Info.V6) === 0 || w > 3) return 0;
    const e = this.v6Entry(f);
    return this.v6chunks[e >>> V6Chunk.BITS]?.[(e & V6Chunk.MASK) * 6 + side * 3 + w - 1] ?? 0;
  }
  /** First frame number of flow f. */
  firstFrameOf(f: number): number {
    const v = this.frame0[f] ?? 0;
    return v === Frame.BIG ? (this.frameBig.get(f) ?? v) : v;
  }
  /** Index of flow f's entry in the IPv6 pool (f itself unless compact). */
  protected v6Entry(f: number): number {
    if (!this.v6Compact) return f;
    const B = this.hotB;
    const b = f * 64 + Hot.B_V6;
    return (B[b] ?? 0) | ((B[b + 1] ?? 0) << 8) | ((B[b + 2] ?? 0) << 16);
  }
  /** Give IPv6 flow f a pool entry (recorded in its hot record) and return it. */
  protected v6Alloc(f: number): number {
    if (!this.v6Compact) return f;
    let e = this.v6FreeHead;
    if (e >= 0) {
      // a freed entry keeps the next free entry in its first word
      this.v6FreeHead = (this.v6chunks[e >>> V6Chunk.BITS]?.[(e & V6Chunk.MASK) * 6] ?? 0xffffffff) | 0;
    } else e = this.v6Next++;
    const B = this.hotB;
    const b = f * 64 + Hot.B_V6;
    B[b] = e & 0xff;
    B[b + 1] = (e >>> 8) & 0xff;
    B[b + 2] = e >>> 16;
    return e;
  }
  /** Return IPv6 flow f's pool entry to the free list. */
  protected v6Release(f: number): void {
    if (!this.v6Compact) return;
    const e = this.v6Entry(f);
    const ch = this.v6chunks[e >>> V6Chunk.BITS];
    if (ch === undefined) return;
    ch[(e & V6Chunk.MASK) * 6] = this.v6FreeHead >>> 0;
    this.v6FreeHead = e;
  }
  /** Remove flow f from the slot table with backward-shift deletion (linear probing). */
  protected unslot(f: number): void {
    const mask = this.mask;
    const slots = this.slots;
    const key = this.key;
    let i = (key[f * Key.STRIDE + Key.HASH] ?? 0) & mask;
    while (slots[i] !== f + 1) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const g = (slots[j] ?? 0) - 1;
      if (g < 0) break;
      const k = (key[g * Key.STRIDE + Key.HASH] ?? 0) & mask;
      // Leave g in place when its home k lies cyclically in (i, j].
      if (i <= j ? i < k && k <= j : i < k || k <= j) continue;
      slots[i] = g + 1;
      i = j;
    }
    slots[i] = 0;
  }
  /** A fresh slot table for the live flows (after flushAll, or after an exception in its middle). */
  protected rebuildSlots(): void {
    let size = Math.min(this.maxSlots, MIN_SLOTS);
    while (size < this.maxSlots && this.live * 2 > size) size *= 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    const key = this.key;
    for (let c = 0; c < 3; c++) {
      for (let f = this.heads[c] ?? -1; f >= 0; f = this.lru[f * 2 + 1] ?? -1) {
        let i = (key[f * Key.STRIDE + Key.HASH] ?? 0) & mask;
        while ((slots[i] ?? 0) !== 0) i = (i + 1) & mask;
        slots[i] = f + 1;
      }
    }
    this.slots = slots;
    this.mask = mask;
  }
  /** Double the slot table and re-insert every live flow (a sequential pass over the old table). */
  protected growSlots(): void {
    const old = this.slots;
    const size = Math.min(this.maxSlots, old.length * 2);
    const slots = new Int32Array(size);
    const mask = size - 1;
    const key = this.key;
    for (let j = 0; j < old.length; j++) {
      const g1 = old[j] ?? 0;
      if (g1 === 0) continue;
      let i = (key[(g1 - 1) * Key.STRIDE + Key.HASH] ?? 0) & mask;
      while ((slots[i] ?? 0) !== 0) i = (i + 1) & mask;
      slots[i] = g1;
    }
    this.slots = slots;
    this.mask = mask;
  }
  /** Move a flow to the tail (most recent) of its idle list. */
  protected touch(f: number, proto: number): void {
    const c = classOf(proto);
    if (this.tails[c] === f) return;
    const p = this.lru[f * 2] ?? -1;
    const n = this.lru[f * 2 + 1] ?? -1;
    if (p >= 0) this.lru[p * 2 + 1] = n;
    else this.heads[c] = n;
    if (n >= 0) this.lru[n * 2] = p;
    const t = this.tails[c] ?? -1;
    this.lru[f * 2] = t;
    this.lru[f * 2 + 1] = -1;
    if (t >= 0) this.lru[t * 2 + 1] = f;
    this.tails[c] = f;
  }
  /** Record rule index r for flow f (first ones seen, at most RULES_CAP distinct; -1 = the default). */
  protected addRule(f: number, r: number): void {
    const b = f * 64 + Hot.B_RULEN;
    const n = this.hotB[b] ?? 0;
    const i0 = f * 16 + Hot.I_RULE0;
    if (n === 0) {
      this.hotI[i0] = r;
      this.hotB[b] = 1;
      return;
    }
    if (this.hotI[i0] === r || n >= RULES_CAP) return;
    let more = this.ruleMore.get(f);
    if (more === undefined) {
      more = [];
      this.ruleMore.set(f, more);
    } else if (more.includes(r)) return;
    more.push(r);
    this.hotB[b] = n + 1;
  }
  /** Least recently seen flow over the three idle lists, -1 when empty. */
  protected oldestHead(): number {
    let best = -1;
    let bt = Infinity;
    for (let c = 0; c < 3; c++) {
      const f = this.heads[c] ?? -1;
      if (f < 0) continue;
      const t = this.hotF[f * 8 + Hot.F_LAST] ?? 0;
      if (t < bt) {
        best = f;
        bt = t;
      }
    }
    return best;
  }
  /** Take flow f out of the slot table (unless bulkFree), its idle list and side tables; to the free list. */
  protected free(f: number): void {
    const key = this.key;
    if (!this.bulkFree) this.unslot(f);
    // Unlink from its idle list.
    const c = classOf((key[f * Key.STRIDE + Key.PROTO] ?? 0) & 0xff);
    const p = this.lru[f * 2] ?? -1;
    const n = this.lru[f * 2 + 1] ?? -1;
    if (p >= 0) this.lru[p * 2 + 1] = n;
    else this.heads[c] = n;
    if (n >= 0) this.lru[n * 2] = p;
    else this.tails[c] = p;
    // To the free list.
    this.lru[f * 2 + 1] = this.freeHead;
    this.freeHead = f;
    if ((((key[f * Key.STRIDE + Key.PROTO] ?? 0) >>> 8) & Info.V6) !== 0) this.v6Release(f);
    if ((this.hotB[f * 64 + Hot.B_RULEN] ?? 0) > 1) this.ruleMore.delete(f);
    if (this.frame0[f] === Frame.BIG) this.frameBig.delete(f);
    this.cidCache.delete(f);
    this.gen[f] = ((this.gen[f] ?? 0) + 1) >>> 0;
    this.live--;
  }
}
