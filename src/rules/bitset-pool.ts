/**
 * The compiler's deduplicating stores: W-word bitsets of rule numbers (BitsetPool) and ascending lists
 * of rule numbers (ListPool). Equal contents get one id, so a compiled ruleset holds each distinct
 * bitset / list once however many field values share it. Build time only (Maps, growable arrays).
 */

/** Deduplicating store of W-word bitsets; id i occupies words [i*W, i*W+W). */
export class BitsetPool {
  data: Uint32Array;
  count = 0;
  private readonly buckets = new Map<number, number[]>();
  /** An empty pool of W-word bitsets. */
  constructor(readonly W: number) {
    this.data = new Uint32Array(W * 64);
  }
  /** Id of bitset bs (its first W words), adding it when new. */
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
export class ListPool {
  private data: number[] = [];
  private starts: number[] = [0];
  private readonly buckets = new Map<number, number[]>();
  /** Lists interned so far. */
  get count(): number {
    return this.starts.length - 1;
  }
  /** Id of list, adding it when new. */
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
  /** All lists as two typed arrays (list i: data[start[i] .. start[i + 1])). */
  freeze(): { data: Int32Array; start: Int32Array } {
    return { data: Int32Array.from(this.data), start: Int32Array.from(this.starts) };
  }
}

/** Set bit r of bitset bs. */
export function setBit(bs: Uint32Array, r: number): void {
  bs[r >>> 5] = ((bs[r >>> 5] ?? 0) | (1 << (r & 31))) >>> 0;
}

/**
 * Bitset id of the rules for which has(rule) is false (they match any value of the field). tmp: a
 * W-word scratch bitset (overwritten).
 */
export function wildcardOf<R>(
  pool: BitsetPool,
  tmp: Uint32Array,
  rules: readonly R[],
  has: (r: R) => boolean,
): number {
  tmp.fill(0);
  rules.forEach((r, i) => {
    if (!has(r)) setBit(tmp, i);
  });
  return pool.intern(tmp);
}
