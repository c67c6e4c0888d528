/**
 * The rule compiler's sparse side, for large rulesets: every rule has one key field, its present field
 * expected to match the fewest packets (a speed heuristic only: any present field gives correct
 * results). Per field, a map from the field's bitset id to the ascending list of rules keyed on that
 * field that match the value; a rule can only match if it is in the list of its key field, so the first
 * candidate in those lists passing the full AND of the field bitsets is the answer.
 * Guarantees: scanList is hot-path code (no allocation); the rest is build time.
 */
import { IpProto } from "../net/protocols.js";
import type { BitsetPool, ListPool } from "./bitset-pool.js";
import type { Cidr, Rule } from "./types.js";

/** The fields a rule can be keyed on. */
export type KeyField = "src" | "dst" | "sport" | "dport" | "port" | "proto" | "direction";

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
export function keyFieldOf(r: Rule): KeyField | null {
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

/**
 * The sparse map of one field: for every bitset id in tables (the field's lookup tables), the list id of
 * the rules keyed on field whose bit is set in that bitset; emptyList for every other id.
 */
export function keyListMap(
  pool: BitsetPool,
  lists: ListPool,
  emptyList: number,
  keyField: readonly (KeyField | null)[],
  field: KeyField,
  tables: ArrayLike<number>[],
): Int32Array {
  const W = pool.W;
  const map = new Int32Array(pool.count).fill(emptyList);
  const mask = new Uint32Array(W);
  keyField.forEach((f, i) => {
    if (f === field) mask[i >>> 5] = ((mask[i >>> 5] ?? 0) | (1 << (i & 31))) >>> 0;
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
}

/**
 * Hot path: the lowest rule of list `id` below `first` that passes the AND of all field bitsets
 * (the o* arguments are the fields' word offsets into bits), else `first`.
 */
export function scanList(
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
