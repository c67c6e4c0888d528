/**
 * Bounded top-talkers counter: IP bytes per address in a preallocated open-addressing table (typed
 * arrays, no Map, no strings, no garbage per update). When it holds more than `capacity` addresses it
 * keeps only those heavier than the median, so heavy hitters survive and light addresses seen early may
 * be lost: counts are exact for addresses never dropped. Memory: about 60 bytes per address of capacity.
 */
import { ipv4ToString, ipv6ToString } from "../net/addr.js";
import { fmix } from "../flows/table.js";

const MIN_SLOTS = 1024;
const EMPTY_U32 = new Uint32Array(0);
const EMPTY_U8 = new Uint8Array(0);
const EMPTY_F64 = new Float64Array(0);

/** One address and its byte count. */
export interface Talker {
  addr: string;
  bytes: number;
}

/** Bytes per IPv4/IPv6 address, bounded. */
export class TopTalkers {
  /** Slots now (a power of two); grows by doubling at load 1/2, up to maxSlots. */
  private slots: number;
  private mask: number;
  private readonly maxSlots: number;
  private readonly max: number;
  /** Per slot: 4 address words (IPv4 in word 0) and the version (0 = empty, 4, 6). */
  private keys: Uint32Array;
  private vers: Uint8Array;
  private vals: Float64Array;
  // the second table and the scratch array of prune(), made on first use
  private keys2: Uint32Array = EMPTY_U32;
  private vers2: Uint8Array = EMPTY_U8;
  private vals2: Float64Array = EMPTY_F64;
  private scratch: Float64Array = EMPTY_F64;
  private count = 0;

  constructor(capacity = 65536) {
    this.max = Math.max(2, capacity);
    let s = 4;
    while (s < this.max * 2) s *= 2;
    this.maxSlots = s;
    // Small at first: fresh pages cost a fault each when first touched, and most captures have few addresses.
    s = Math.min(s, MIN_SLOTS);
    this.slots = s;
    this.mask = s - 1;
    this.keys = new Uint32Array(s * 4);
    this.vers = new Uint8Array(s);
    this.vals = new Float64Array(s);
  }

  /** Number of addresses held. */
  get size(): number {
    return this.count;
  }

  /** Add bytes to an address (version 4: a only; 6: a..d). */
  add(version: 4 | 6, a: number, b: number, c: number, d: number, bytes: number): void {
    if (version === 4) b = c = d = 0;
    const i = this.find(this.keys, this.vers, version, a >>> 0, b >>> 0, c >>> 0, d >>> 0);
    if (this.vers[i] !== 0) {
      this.vals[i] = (this.vals[i] ?? 0) + bytes;
      return;
    }
    this.put(this.keys, this.vers, this.vals, i, version, a >>> 0, b >>> 0, c >>> 0, d >>> 0, bytes);
    this.count++;
    if (this.count > this.max) this.prune();
    else if (this.count * 2 > this.slots && this.slots < this.maxSlots) this.grow();
  }

  /** Double the table (re-inserting every address; the order of a table never shows in results). */
  private grow(): void {
    const { keys, vers, vals, slots } = this;
    this.slots = slots * 2;
    this.mask = this.slots - 1;
    this.keys = new Uint32Array(this.slots * 4);
    this.vers = new Uint8Array(this.slots);
    this.vals = new Float64Array(this.slots);
    for (let i = 0; i < slots; i++) {
      const v = vers[i] ?? 0;
      if (v === 0) continue;
      const o = i * 4;
      const a = keys[o] ?? 0;
      const b = keys[o + 1] ?? 0;
      const c = keys[o + 2] ?? 0;
      const d = keys[o + 3] ?? 0;
      const j = this.find(this.keys, this.vers, v, a, b, c, d);
      this.put(this.keys, this.vers, this.vals, j, v, a, b, c, d, vals[i] ?? 0);
    }
  }

  /** The n heaviest addresses, heaviest first, ties by address text. */
  top(n: number): Talker[] {
    const out: Talker[] = [];
    for (let i = 0; i < this.slots; i++) {
      const v = this.vers[i] ?? 0;
      if (v === 0) continue;
      const k = this.keys;
      const o = i * 4;
      out.push({
        addr:
          v === 4
            ? ipv4ToString(k[o] ?? 0)
            : ipv6ToString(k[o] ?? 0, k[o + 1] ?? 0, k[o + 2] ?? 0, k[o + 3] ?? 0),
        bytes: this.vals[i] ?? 0,
      });
    }
    out.sort((x, y) => y.bytes - x.bytes || (x.addr < y.addr ? -1 : x.addr > y.addr ? 1 : 0));
    return out.slice(0, n);
  }

  private find(
    keys: Uint32Array,
    vers: Uint8Array,
    v: number,
    a: number,
    b: number,
    c: number,
    d: number,
  ): number {
    let h = fmix(
      Math.imul(a, 0x9e3779b1) ^ fmix(b ^ Math.imul(c, 0x85ebca6b) ^ Math.imul(d, 0xc2b2ae35) ^ v),
    );
    for (;;) {
      const i = h & this.mask;
      const cur = vers[i] ?? 0;
      if (cur === 0) return i;
      const o = i * 4;
      if (cur === v && keys[o] === a && keys[o + 1] === b && keys[o + 2] === c && keys[o + 3] === d) return i;
      h = i + 1;
    }
  }

  private put(
    keys: Uint32Array,
    vers: Uint8Array,
    vals: Float64Array,
    i: number,
    v: number,
    a: number,
    b: number,
    c: number,
    d: number,
    bytes: number,
  ): void {
    const o = i * 4;
    keys[o] = a;
    keys[o + 1] = b;
    keys[o + 2] = c;
    keys[o + 3] = d;
    vers[i] = v;
    vals[i] = bytes;
  }

  /**
   * Keep the addresses strictly heavier than the median (at most half; ties at the median are all dropped,
   * never chosen by position, so the survivors stay spread over the table).
   */
  private prune(): void {
    if (this.keys2.length !== this.keys.length) {
      this.keys2 = new Uint32Array(this.keys.length);
      this.vers2 = new Uint8Array(this.vers.length);
      this.vals2 = new Float64Array(this.vals.length);
      this.scratch = new Float64Array(this.max + 1);
    }
    const keepN = this.max >> 1;
    let n = 0;
    for (let i = 0; i < this.slots; i++) if (this.vers[i] !== 0) this.scratch[n++] = this.vals[i] ?? 0;
    const th = kthLargest(this.scratch, n, keepN - 1);
    this.vers2.fill(0);
    let kept = 0;
    for (let i = 0; i < this.slots; i++) {
      const v = this.vers[i] ?? 0;
      const val = this.vals[i] ?? 0;
      if (v === 0 || val <= th) continue;
      const o = i * 4;
      const a = this.keys[o] ?? 0;
      const b = this.keys[o + 1] ?? 0;
      const c = this.keys[o + 2] ?? 0;
      const d = this.keys[o + 3] ?? 0;
      const j = this.find(this.keys2, this.vers2, v, a, b, c, d);
      this.put(this.keys2, this.vers2, this.vals2, j, v, a, b, c, d, val);
      kept++;
    }
    [this.keys, this.keys2] = [this.keys2, this.keys];
    [this.vers, this.vers2] = [this.vers2, this.vers];
    [this.vals, this.vals2] = [this.vals2, this.vals];
    this.count = kept;
  }
}

/** k-th largest (0-based) of a[0..n) by quickselect; reorders a. */
function kthLargest(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const p = a[(lo + hi) >> 1] ?? 0;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] ?? 0) > p) i++;
      while ((a[j] ?? 0) < p) j--;
      if (i <= j) {
        const t = a[i] ?? 0;
        a[i] = a[j] ?? 0;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k] ?? 0;
  }
  return a[k] ?? 0;
}
