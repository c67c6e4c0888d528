/**
 * One compiled block of rules and its hot-path matcher (house style: Suricata's IP-only matcher,
 * find-my-way's constraint bitmaps). Per field an index maps a packet value to the id of a bitset of rule
 * numbers (bit r = rule r may match on this field; rules without the field are in every bitset of that
 * field): addresses through ./cidr-trie.ts, ports, protocol + transport header and direction through
 * ./field-tables.ts. All bitsets live deduplicated in one Uint32Array pool (W words each) with, per
 * bitset, the ascending list of its non-zero words.
 * Dense side: take the field bitset with the fewest non-zero words as the driver, AND the others word by
 * word at those positions only, return the lowest set bit (= first rule in file order). Sparse side
 * (large rulesets, ./key-field.ts): the first candidate of the fields' key lists passing the AND. Per
 * packet the cheaper side is used, so cost follows the number of rules that could match, not the number
 * of rules.
 * Guarantees: match() allocates nothing and does no string work; it returns exactly what interpretRules()
 * (./interpret.ts) returns (property-tested). The ruleset must not be mutated after compiling.
 */
import { Layer, type DecodedPacket } from "../decode/packet.js";
import type { Cidr } from "../net/addr.js";
import { IpProto } from "../net/protocols.js";
import { RuleAnswers, type CompiledRules, type CompileStats } from "./answers.js";
import { BitsetPool, ListPool } from "./bitset-pool.js";
import { lookup4, lookup6, type Trie } from "./cidr-trie.js";
import {
  buildAddressTries,
  buildDirSets,
  buildHomeTries,
  buildPortTable,
  buildProtoTables,
} from "./field-tables.js";
import { keyFieldOf, keyListMap, scanList, type KeyField } from "./key-field.js";
import { MATCH_DEFAULT, MATCH_NO_VERDICT, type Ruleset } from "./types.js";

/** Layer bits whose presence means "the transport header was decoded" (Rule.transportHeader). */
const TRANSPORT_LAYERS = Layer.TCP | Layer.UDP | Layer.ICMP | Layer.ICMPV6;

/** One compiled block of at most RULE_BLOCK rules (./compile.ts): the immutable indexes and match(). */
export class Matcher extends RuleAnswers implements CompiledRules {
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

    [this.src4, this.src6] = buildAddressTries(pool, tmp, rules, "src");
    [this.dst4, this.dst6] = buildAddressTries(pool, tmp, rules, "dst");
    [this.sportTab, this.sportNone] = buildPortTable(pool, tmp, rules, "sport");
    [this.dportTab, this.dportNone] = buildPortTable(pool, tmp, rules, "dport");
    [this.portTab, this.portNone] = buildPortTable(pool, tmp, rules, "port");
    ({ protoTab: this.protoTab, protoNone: this.protoNone } = buildProtoTables(pool, tmp, rules));
    this.dirSet = buildDirSets(pool, tmp, rules);
    this.useDir = rules.some((r) => r.direction !== "any");
    ({
      home4: this.home4,
      home6: this.home6,
      homeFlag: this.homeFlag,
    } = buildHomeTries(this.useDir ? homeNet : []));

    // Key field of each rule and, per field, bitset id -> list of matching key rules.
    const keyField = rules.map(keyFieldOf);
    const lists = new ListPool();
    const emptyList = lists.intern([]);
    const keyMap = (field: KeyField, tables: ArrayLike<number>[]): Int32Array =>
      keyListMap(pool, lists, emptyList, keyField, field, tables);
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
      s = lookup6(this.src6, pkt.src6a, pkt.src6b, pkt.src6c, pkt.src6d, this.scratch6);
      d = lookup6(this.dst6, pkt.dst6a, pkt.dst6b, pkt.dst6c, pkt.dst6d, this.scratch6);
      if (this.useDir) {
        const sh =
          this.homeFlag[lookup6(this.home6, pkt.src6a, pkt.src6b, pkt.src6c, pkt.src6d, this.scratch6)] === 1;
        const dh =
          this.homeFlag[lookup6(this.home6, pkt.dst6a, pkt.dst6b, pkt.dst6c, pkt.dst6d, this.scratch6)] === 1;
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
}
