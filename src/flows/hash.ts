/**
 * 32-bit mixing functions of the flow table's hashes (and of the top-talkers table in src/report).
 * Guarantees: pure integer arithmetic, no allocation; hot-path safe.
 */

/** fmix32 of MurmurHash3 (a full avalanche of one 32-bit word); also used by the top-talkers table. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** One MurmurHash3-style step: h combined with word w (the connection uid's hash). */
export function mixWord(h: number, w: number): number {
  h = Math.imul(h ^ w, 0x9e3779b1);
  return (h << 13) | (h >>> 19);
}
