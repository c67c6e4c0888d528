/**
 * Bidirectional flow table (house style: numeric keys, preallocated open addressing, no string keys).
 *
 * Guarantees:
 *  - Memory is bounded at construction (about 106 bytes per flow of maxFlows, plus 24 bytes per live IPv6
 *    flow in a pool of 64Ki-entry chunks made on first use): a power-of-two slot table at load factor <= 0.5 (linear
 *    probing, backward-shift deletion; it starts small and doubles with the live flows up to 2 x maxFlows
 *    slots), a 20-byte key record, a 64-byte (one cache line) hot record and 10 bytes (first frame, file)
 *    per flow. The per-flow arrays are
 *    reserved zero-filled and never written ahead of use (flow indexes are handed out in order), so the
 *    operating system makes their pages resident only as flows arrive: a small capture does not pay for
 *    maxFlows. update() allocates nothing except when a flow gains a second distinct rule (a small
 *    per-flow array, at most RULES_CAP entries).
 *  - Every flow leaves through onEvict exactly once: idle timeout (expire()), table full (least recently
 *    seen flow), TCP port reuse (a new SYN on a finished connection), or flushAll(). Nothing is dropped:
 *    sum of packets over evicted flows == packets given to update() that returned a flow.
 *  - Recency is tracked per second of packet time: a flow moves to the back of its idle list at most once
 *    per second, so idle expiry and "least recently seen" are exact to within one second.
 *
 * Flow key:
 *  - IPv4 or IPv6 address pair + IP protocol + two "ports". TCP/UDP: the ports. ICMP/ICMPv6: Zeek's
 *    port equivalents, also used by Community ID: (type, counterpart type) for request/reply messages
 *    (echo, timestamp, ..., ND/MLD), so a request and its reply are one flow; (type, code) for one-way
 *    messages (errors, redirects), so each distinct type/code pair is its own flow.
 *    Other protocols (and TCP/UDP/ICMP packets whose transport header is missing: non-first fragments,
 *    truncated headers): address pair + protocol, no ports, no Community ID.
 *  - Bidirectional: A->B and B->A hit the same flow. Originator = the first packet's sender.
 *  - Frames without IPv4/IPv6 (ARP, unsupported link types, ...) are not flows: update() returns null.
 *
 * Bytes are IP bytes (Zeek's orig_ip_bytes / resp_ip_bytes, not its payload-based orig_bytes): per packet,
 * the IP header's own length (IPv4 total length; IPv6 40 + payload length, as DecodedPacket.ipTotalLen),
 * capped at the bytes the frame had on the wire after the link-layer header (wireLen - (l3Off - frameOff));
 * when the header says 0 (TSO super-packets, jumbograms) the on-wire bytes after the link header are used,
 * and when those are unknown too, the captured bytes from the IP header to the frame end.
 */
import type { DecodedPacket } from "../decode/packet.js";
import { Layer } from "../decode/packet.js";
import { IpProto } from "../net/protocols.js";
import { communityIdV1, icmpCounterpart } from "./community-id.js";
import { tcpAdvance, tcpConnState, tcpFinished, TcpFlag, udpConnState } from "./conn-state.js";

/** At most this many distinct rule indexes are kept per flow (first ones seen). */
export const RULES_CAP = 8;

/** Idle timeouts in seconds per protocol class. */
export interface IdleTimeouts {
  tcp: number;
  udp: number;
  other: number;
}

export interface FlowTableOptions {
  /** Maximum live flows; when full, the least recently seen flow is evicted. */
  maxFlows: number;
  idleTimeoutSec: IdleTimeouts;
  /** Receives every flow leaving the table. The record is a view valid only during the call. */
  onEvict: (flow: FlowRecord) => void;
  /** Hash seed (default: random per table, against hash flooding). Output order never depends on it. */
  hashSeed?: number;
  /** Run expire() whenever packet time passes a new second (default true). */
  autoExpire?: boolean;
}

/** Why a flow left the table. */
export const enum EvictReason {
  IDLE = 0,
  FULL = 1,
  REUSE = 2,
  FLUSH = 3,
}

const EVICT_REASON_NAMES = ["idle", "full", "reuse", "flush"] as const;

// Key record: Uint32 x KEY_STRIDE per flow.
const KEY_STRIDE = 5;
const K_HASH = 0;
const K_ORIG = 1; // IPv4 address, or the IPv6 address's top word
const K_RESP = 2;
const K_PORTS = 3; // origPort << 16 | respPort
const K_PROTO = 4; // proto | info << 8

// kinfo bits
const INFO_V6 = 1;
const INFO_PORTS = 2;
const INFO_ONEWAY = 4;

// Hot record: 64 bytes per flow, viewed as Float64 (stride 8), Int32 (stride 16) and Uint8 (stride 64).
const F_FIRST = 0; // first packet time, ns since epoch
const F_LAST = 1;
const F_PKTS_O = 2;
const F_PKTS_R = 3;
const F_BYTES_O = 4;
const F_BYTES_R = 5;
const I_RULE0 = 12; // first rule index
const B_TCP = 52; // 4 bytes: origState, origPrev, respState, respPrev
const B_FLAGS_O = 56;
const B_FLAGS_R = 57;
const B_HIST = 58;
const B_VERDICT = 59; // verdict rank + 1 (0 = none)
const B_RULEN = 60;
const B_V6 = 61; // 3 bytes: index of the flow's IPv6 words in the IPv6 pool (compact pool only)

const CLASS_TCP = 0;
const CLASS_UDP = 1;
const CLASS_OTHER = 2;

/** Community IDs cached at most (memory bound: about 100 bytes each). */
const CID_CACHE_MAX = 1 << 16;

/** frame0 value meaning "see frameBig" (also any frame number that is not a uint32 below it). */
const FRAME_BIG = 0xffffffff;

/**
 * The time fields count nanoseconds from EPOCH_LEAD seconds before the first packet: every value is then
 * above 2^31 from the first packet on, so V8 compiles the time arithmetic for doubles at once instead of
 * speculating on small integers and deoptimising the hot path (update, updateKnown and the engine around
 * them) about 2 s into every capture. The values stay exact integers below 2^53 ns (104 days after the epoch).
 */
const EPOCH_LEAD = 4;

/** Initial slot table size (it doubles as flows arrive). */
const MIN_SLOTS = 1024;

const V6_CHUNK_BITS = 16;
const V6_CHUNK_MASK = (1 << V6_CHUNK_BITS) - 1;

/** fmix32 of MurmurHash3 (a full avalanche of one 32-bit word); also used by the top-talkers table. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixWord(h: number, w: number): number {
  h = Math.imul(h ^ w, 0x9e3779b1);
  return (h << 13) | (h >>> 19);
}

/**
 * A view of one flow in the table (no copy). Valid until the next call into the table
 * (inside onEvict: until the callback returns). Copy what you keep.
 */
export class FlowRecord {
  /** Slot of the flow in the table's arrays. */
  index = -1;
  /** Why the flow is being evicted (inside onEvict), else -1. */
  evictReason = -1;
  constructor(private readonly t: FlowTable) {}

  private get info(): number {
    return (this.t.key[this.index * KEY_STRIDE + K_PROTO] ?? 0) >>> 8;
  }
  private get ports(): number {
    return this.t.key[this.index * KEY_STRIDE + K_PORTS] ?? 0;
  }
  private f64(k: number): number {
    return this.t.hotF[this.index * 8 + k] ?? 0;
  }
  private u8(k: number): number {
    return this.t.hotB[this.index * 64 + k] ?? 0;
  }

  get ipVersion(): 4 | 6 {
    return (this.info & INFO_V6) !== 0 ? 6 : 4;
  }
  /** IP protocol number. */
  get proto(): number {
    return (this.t.key[this.index * KEY_STRIDE + K_PROTO] ?? 0) & 0xff;
  }
  /** Originator address words (IPv4: word 0; IPv6: 4 words most significant first). */
  origAddr(): [number, number, number, number] {
    return this.t.addrWords(this.index, 0);
  }
  /** Responder address words. */
  respAddr(): [number, number, number, number] {
    return this.t.addrWords(this.index, 1);
  }
  /** Word w (0..3, most significant first) of the originator (side 0) or responder (side 1) address; no allocation. */
  addrWord(side: 0 | 1, w: number): number {
    return this.t.addrWord(this.index, side, w);
  }
  /** True when the flow has ports (TCP/UDP ports or ICMP port equivalents). */
  get hasPorts(): boolean {
    return (this.info & INFO_PORTS) !== 0;
  }
  /** Originator port (ICMP: type), -1 when the flow has no ports. */
  get origPort(): number {
    return this.hasPorts ? this.ports >>> 16 : -1;
  }
  /** Responder port (ICMP: counterpart type, or code for one-way messages), -1 when none. */
  get respPort(): number {
    return this.hasPorts ? this.ports & 0xffff : -1;
  }
  /** ICMP message without counterpart (its code is respPort). */
  get icmpOneWay(): boolean {
    return (this.info & INFO_ONEWAY) !== 0;
  }
  /** First packet time: whole epoch seconds. */
  get firstSec(): number {
    return this.t.epoch + Math.floor(this.f64(F_FIRST) / 1e9);
  }
  /** First packet time: nanoseconds within the second. */
  get firstNsec(): number {
    const ns = this.f64(F_FIRST);
    return ns - Math.floor(ns / 1e9) * 1e9;
  }
  get lastSec(): number {
    return this.t.epoch + Math.floor(this.f64(F_LAST) / 1e9);
  }
  get lastNsec(): number {
    const ns = this.f64(F_LAST);
    return ns - Math.floor(ns / 1e9) * 1e9;
  }
  /** Last minus first packet time, in nanoseconds. */
  get durationNs(): number {
    return this.f64(F_LAST) - this.f64(F_FIRST);
  }
  get origPkts(): number {
    return this.f64(F_PKTS_O);
  }
  get respPkts(): number {
    return this.f64(F_PKTS_R);
  }
  /** IP bytes sent by the originator (see the module header). */
  get origBytes(): number {
    return this.f64(F_BYTES_O);
  }
  get respBytes(): number {
    return this.f64(F_BYTES_R);
  }
  /** OR of the TCP flags (low 8 bits) the originator sent. */
  get origTcpFlags(): number {
    return this.u8(B_FLAGS_O);
  }
  get respTcpFlags(): number {
    return this.u8(B_FLAGS_R);
  }
  /** Zeek conn_state (see conn-state.ts). */
  get connState(): string {
    const p = this.proto;
    if (p === IpProto.TCP) return tcpConnState(this.u8(B_TCP), this.u8(B_TCP + 2), this.u8(B_HIST));
    if (p === IpProto.UDP) return udpConnState(this.origPkts, this.respPkts);
    return "OTH";
  }
  /** Worst verdict rank of the flow's packets (VERDICT_RANK), -1 when no packet got a verdict. */
  get verdict(): number {
    return this.u8(B_VERDICT) - 1;
  }
  /** Distinct rule indexes matched (-1 = the default action), in first-seen order, at most RULES_CAP. */
  ruleIndexes(): number[] {
    if (this.u8(B_RULEN) === 0) return [];
    const first = this.t.hotI[this.index * 16 + I_RULE0] ?? 0;
    const more = this.t.ruleMore.get(this.index);
    return more ? [first, ...more] : [first];
  }
  /** Frame number (within its file) of the flow's first packet. */
  get firstFrame(): number {
    return this.t.firstFrameOf(this.index);
  }
  /** Index of the capture file of the flow's first packet (stored as 16 bits: 0..65535). */
  get fileIndex(): number {
    return this.t.file0[this.index] ?? 0;
  }
  /** Community ID v1 (seed 0), computed once per flow and cached; "" when it cannot apply. */
  get communityId(): string {
    // A flow being evicted is asked once (its report row): not worth a cache entry deleted right after.
    return this.t.communityIdOf(this.index, this.evictReason < 0);
  }
  /**
   * Zeek-like connection uid: "C" + 18 base62 characters of a 96-bit hash (three seeded MurmurHash3-style
   * 32-bit hashes) of the first packet time and the originator-ordered tuple. Deterministic: the same
   * capture gives the same uids. Report time only.
   */
  get uid(): string {
    const o = this.origAddr();
    const r = this.respAddr();
    const words = [
      this.firstSec >>> 0,
      Math.floor(this.firstSec / 0x100000000) >>> 0,
      this.firstNsec >>> 0,
      ...o,
      ...r,
      this.ports,
      this.proto | (this.info << 8),
    ];
    let out = "C";
    for (const seed of UID_SEEDS) {
      let h: number = seed;
      for (const w of words) h = mixWord(h, w);
      h = fmix(h ^ words.length);
      for (let k = 0; k < 6; k++) {
        out += BASE62[h % 62];
        h = Math.floor(h / 62);
      }
    }
    return out;
  }
  /** Name of evictReason ("idle", "full", "reuse", "flush"), "" outside onEvict. */
  get evictReasonName(): string {
    return EVICT_REASON_NAMES[this.evictReason] ?? "";
  }
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const UID_SEEDS = [0x9747b28c, 0x2545f491, 0x6a09e667] as const;

/** Bidirectional flow table. See the module header for guarantees. */
export class FlowTable {
  /** Capacity (maxFlows). */
  readonly capacity: number;
  /** Key records (KEY_STRIDE Uint32 per flow). */
  readonly key: Uint32Array;
  /**
   * IPv6 pool: words b,c,d of both sides ([orig b,c,d, resp b,c,d]) per IPv6 flow, in chunks of 64Ki entries
   * made on first use. Compact (capacity <= 2^24): entries are handed out to IPv6 flows only (bump + free
   * list), the entry index is kept in the flow's hot record, so memory follows the IPv6 flows, not all flows.
   * Otherwise the entry index is the flow index.
   */
  private readonly v6chunks: (Uint32Array | undefined)[] = [];
  private readonly v6Compact: boolean;
  private v6Next = 0;
  private v6FreeHead = -1;
  /** Hot records (64 bytes per flow) and their views. */
  readonly hotF: Float64Array;
  readonly hotI: Int32Array;
  readonly hotB: Uint8Array;
  /** Whole epoch seconds the time fields count from (EPOCH_LEAD seconds before the first packet's second). */
  epoch = 0;
  private haveEpoch = false;
  /** Rule indexes after the first (only for flows that matched several rules). */
  readonly ruleMore = new Map<number, number[]>();
  /** First frame number per flow; FRAME_BIG marks one kept in frameBig (frame numbers of 2^32 - 1 and up). */
  private readonly frame0: Uint32Array;
  private readonly frameBig = new Map<number, number>();
  readonly file0: Uint16Array;
  // LRU lists per protocol class, and the free list (through the next links): [prev, next] per flow,
  // side by side so unlinking a flow touches one cache line for it
  private readonly lru: Int32Array;
  private readonly heads = new Int32Array([-1, -1, -1]);
  private readonly tails = new Int32Array([-1, -1, -1]);
  /** Head of the list of freed flow indexes (through the next links), -1 when empty. */
  private freeHead = -1;
  /** Flow indexes below this have been used at least once; the next never-used index. */
  private nextNew = 0;
  // hash slots: flow index + 1 (0 = empty); grows (doubling, rehash) with the live flows up to maxSlots
  private slots: Int32Array;
  private mask: number;
  private readonly maxSlots: number;
  /** Inside flushAll: free() leaves the slot table alone (rebuilt once at the end). */
  private bulkFree = false;
  private readonly seed: number;
  private readonly cidCache = new Map<number, string>();

  private readonly onEvict: (flow: FlowRecord) => void;
  private readonly timeouts: Float64Array;
  private readonly autoExpire: boolean;
  private lastExpireSec = -Infinity;
  private live = 0;
  /** Per flow index: bumped each time the flow there leaves the table (see genOf). */
  private readonly gen: Uint32Array;
  /** Direction of the last packet given to update(): true when it went orig->resp. */
  lastFromOrig = true;
  private readonly view: FlowRecord;
  private readonly evictView: FlowRecord;

  // scratch key of the current packet (no allocation per packet)
  private sa0 = 0;
  private sa1 = 0;
  private sa2 = 0;
  private sa3 = 0;
  private da0 = 0;
  private da1 = 0;
  private da2 = 0;
  private da3 = 0;
  private sp = 0;
  private dp = 0;
  private info = 0;

  constructor(opts: FlowTableOptions) {
    const cap = Math.max(1, Math.floor(opts.maxFlows));
    this.capacity = cap;
    this.key = new Uint32Array(cap * KEY_STRIDE);
    const hot = new ArrayBuffer(cap * 64);
    this.hotF = new Float64Array(hot);
    this.hotI = new Int32Array(hot);
    this.hotB = new Uint8Array(hot);
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
    this.onEvict = opts.onEvict;
    this.timeouts = new Float64Array([
      opts.idleTimeoutSec.tcp,
      opts.idleTimeoutSec.udp,
      opts.idleTimeoutSec.other,
    ]);
    this.autoExpire = opts.autoExpire ?? true;
    this.view = new FlowRecord(this);
    this.evictView = new FlowRecord(this);
  }

  /** Number of live flows. */
  get size(): number {
    return this.live;
  }

  /**
   * Account one packet. verdict: VERDICT_RANK of the packet or -1 (no verdict); ruleIndex: the
   * deciding rule (-1 default action, -2 no verdict). Returns a view of the packet's flow (valid until
   * the next call), or null for frames without IPv4/IPv6. Hot path: no allocation.
   */
  update(
    pkt: DecodedPacket,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    verdict: number,
    ruleIndex: number,
    frame: number,
    fileIndex: number,
  ): FlowRecord | null {
    if ((pkt.layers & (Layer.IPV4 | Layer.IPV6)) === 0 || pkt.l3Off < 0) return null;
    this.clock(tsSec, tsNsec);
    const rel = tsSec - this.epoch;
    const tns = rel * 1e9 + tsNsec;
    const proto = pkt.ipProto >= 0 ? pkt.ipProto & 0xff : 255;
    this.loadKey(pkt, pkt.ipVersion === 6, proto);
    const h = this.hashKey(proto);

    // Lookup.
    let f = -1;
    let fromOrig = true;
    const slots = this.slots;
    const mask = this.mask;
    const key = this.key;
    const pk = proto | (this.info << 8);
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const c = (slots[i] ?? 0) - 1;
      if (c < 0) break;
      const o = c * KEY_STRIDE;
      if (key[o + K_HASH] === h && key[o + K_PROTO] === pk) {
        const m = this.matches(c);
        if (m !== 0) {
          f = c;
          fromOrig = m === 1;
          break;
        }
      }
    }

    const B = this.hotB;
    const tcpFlags = proto === IpProto.TCP ? pkt.tcpFlags : -1;
    if (
      f >= 0 &&
      tcpFlags >= 0 &&
      (tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN &&
      tcpFinished(B[f * 64 + B_TCP] ?? 0, B[f * 64 + B_TCP + 2] ?? 0)
    ) {
      // A new connection attempt on a finished connection's tuple (port reuse): a new flow.
      this.evict(f, EvictReason.REUSE);
      f = -1;
    }
    if (f < 0) {
      f = this.create(h, pk, tns, frame, fileIndex);
      fromOrig = true;
    } else this.seen(f, proto, rel, tns, tsNsec);

    // IP bytes (module header).
    const onWire = wireLen - (pkt.l3Off - pkt.frameOff);
    let bytes = pkt.ipTotalLen;
    if (bytes > 0) {
      if (onWire > 0 && bytes > onWire) bytes = onWire;
    } else bytes = onWire > 0 ? onWire : Math.max(0, pkt.frameEnd - pkt.l3Off);

    this.account(f, fromOrig, bytes, tcpFlags, pkt.payloadLen, verdict, ruleIndex);
    this.lastFromOrig = fromOrig;
    const v = this.view;
    v.index = f;
    v.evictReason = -1;
    return v;
  }

  /**
   * Account one packet of a flow the caller already knows (the engine's per-flow fast path): flow f, still
   * of generation gen (see genOf), the packet going orig->resp when fromOrig. Same effect as update() for a
   * packet that update() would have found in flow f, except that the flow's verdict and rule list are not
   * touched (the caller passes only packets whose verdict and rule already went through update() for this
   * flow, which makes them no-ops). The caller guarantees ipBytes > 0. Returns null, changing nothing
   * but the clock (idle expiry, which update() would also have run first), when flow f is no longer that flow
   * or the packet is a TCP SYN without ACK on its finished connection (port reuse: a new flow); then the
   * caller must call update().
   */
  updateKnown(
    f: number,
    gen: number,
    fromOrig: boolean,
    proto: number,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    l3Rel: number,
    ipBytes: number,
    tcpFlags: number,
    payloadLen: number,
  ): FlowRecord | null {
    this.clock(tsSec, tsNsec);
    if (this.gen[f] !== gen) return null;
    const bo = f * 64 + B_TCP;
    if (
      tcpFlags >= 0 &&
      (tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN &&
      tcpFinished(this.hotB[bo] ?? 0, this.hotB[bo + 2] ?? 0)
    )
      return null; // port reuse: update() starts the new flow
    const rel = tsSec - this.epoch;
    this.seen(f, proto, rel, rel * 1e9 + tsNsec, tsNsec);
    const onWire = wireLen - l3Rel;
    this.account(
      f,
      fromOrig,
      onWire > 0 && ipBytes > onWire ? onWire : ipBytes,
      tcpFlags,
      payloadLen,
      -1,
      -2,
    );
    const v = this.view;
    v.index = f;
    v.evictReason = -1;
    return v;
  }

  /** Generation of flow index f: changes whenever the flow there leaves the table. */
  genOf(f: number): number {
    return this.gen[f] ?? 0;
  }

  /** Packet time moves on: first packet sets the epoch; auto-expire when a new second starts. */
  private clock(tsSec: number, tsNsec: number): void {
    if (!this.haveEpoch) {
      this.epoch = tsSec - EPOCH_LEAD;
      this.haveEpoch = true;
    }
    if (this.autoExpire && tsSec > this.lastExpireSec) {
      if (this.lastExpireSec !== -Infinity) this.expire(tsSec + tsNsec / 1e9);
      this.lastExpireSec = tsSec;
    }
  }

  /** A packet of existing flow f at time tns (rel: whole seconds since the epoch): last-seen time and recency. */
  private seen(f: number, proto: number, rel: number, tns: number, tsNsec: number): void {
    const F = this.hotF;
    const last = F[f * 8 + F_LAST] ?? 0;
    if (tns > last) {
      // Move to the back of the idle list at most once per second of packet time.
      // (Fast path, same result: with 0 <= rel < 2^20 and an integer tsNsec < 1e9 every value below is exact,
      // floor(tns / 1e9) = rel, and last < tns lies in an earlier second exactly when last < rel * 1e9.)
      const fast = rel >= 0 && rel < 1048576 && tsNsec >>> 0 === tsNsec && tsNsec < 1e9;
      if (fast ? last < rel * 1e9 : Math.floor(tns / 1e9) !== Math.floor(last / 1e9)) this.touch(f, proto);
      F[f * 8 + F_LAST] = tns;
    } else if (tns < (F[f * 8 + F_FIRST] ?? 0)) F[f * 8 + F_FIRST] = tns; // out-of-order (merged files)
  }

  /** Counters, TCP state, verdict and rules of flow f for one packet of `bytes` IP bytes. */
  private account(
    f: number,
    fromOrig: boolean,
    bytes: number,
    tcpFlags: number,
    payloadLen: number,
    verdict: number,
    ruleIndex: number,
  ): void {
    const F = this.hotF;
    const B = this.hotB;
    const fo = f * 8;
    const bo = f * 64;
    if (fromOrig) {
      F[fo + F_PKTS_O] = (F[fo + F_PKTS_O] ?? 0) + 1;
      F[fo + F_BYTES_O] = (F[fo + F_BYTES_O] ?? 0) + bytes;
    } else {
      F[fo + F_PKTS_R] = (F[fo + F_PKTS_R] ?? 0) + 1;
      F[fo + F_BYTES_R] = (F[fo + F_BYTES_R] ?? 0) + bytes;
    }
    if (tcpFlags >= 0) {
      const fl = bo + (fromOrig ? B_FLAGS_O : B_FLAGS_R);
      B[fl] = (B[fl] ?? 0) | (tcpFlags & 0xff);
      B[bo + B_HIST] = tcpAdvance(B, bo + B_TCP, fromOrig, tcpFlags, payloadLen, B[bo + B_HIST] ?? 0);
    }
    if (verdict + 1 > (B[bo + B_VERDICT] ?? 0)) B[bo + B_VERDICT] = verdict + 1;
    if (ruleIndex > -2) this.addRule(f, ruleIndex);
  }

  /** Evict every flow idle for more than its protocol's timeout at time nowSec (epoch seconds). */
  expire(nowSec: number): void {
    const now = (nowSec - this.epoch) * 1e9;
    for (let c = 0; c < 3; c++) {
      const to = (this.timeouts[c] ?? 0) * 1e9;
      for (;;) {
        const f = this.heads[c] ?? -1;
        if (f < 0) break;
        if (now - (this.hotF[f * 8 + F_LAST] ?? 0) <= to) break;
        this.evict(f, EvictReason.IDLE);
      }
    }
  }

  /** Evict every flow, least recently seen first (end of capture). */
  flushAll(): void {
    // Flows leave one by one (same order and records as ever), but the slot table is rebuilt once at the
    // end instead of deleting a slot per flow (a random access each in a large table).
    this.bulkFree = true;
    try {
      for (;;) {
        const f = this.oldestHead();
        if (f < 0) break;
        this.evict(f, EvictReason.FLUSH);
      }
    } finally {
      this.bulkFree = false;
      this.rebuildSlots();
    }
  }

  /** Community ID of a live flow, computed on first request and cached (bounded) until the flow leaves. */
  communityIdOf(f: number, cache = true): string {
    const hit = this.cidCache.get(f);
    if (hit !== undefined) return hit;
    const o = f * KEY_STRIDE;
    const info = (this.key[o + K_PROTO] ?? 0) >>> 8;
    const ports = info & INFO_PORTS;
    const kp = this.key[o + K_PORTS] ?? 0;
    const cid = communityIdV1(
      info & INFO_V6 ? 6 : 4,
      (this.key[o + K_PROTO] ?? 0) & 0xff,
      this.addrWords(f, 0),
      0,
      this.addrWords(f, 1),
      0,
      ports ? kp >>> 16 : -1,
      ports ? kp & 0xffff : -1,
      (info & INFO_ONEWAY) !== 0,
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
    const o = f * KEY_STRIDE;
    const a = this.key[o + K_ORIG + side] ?? 0;
    if ((((this.key[o + K_PROTO] ?? 0) >>> 8) & INFO_V6) === 0) return [a, 0, 0, 0];
    const e = this.v6Entry(f);
    const ch = this.v6chunks[e >>> V6_CHUNK_BITS];
    const x = (e & V6_CHUNK_MASK) * 6 + side * 3;
    return [a, ch?.[x] ?? 0, ch?.[x + 1] ?? 0, ch?.[x + 2] ?? 0];
  }

  /** Word w (0..3) of side 0 (originator) or 1 (responder) of flow f, as addrWords() without the array. */
  addrWord(f: number, side: 0 | 1, w: number): number {
    const o = f * KEY_STRIDE;
    if (w === 0) return this.key[o + K_ORIG + side] ?? 0;
    if ((((this.key[o + K_PROTO] ?? 0) >>> 8) & INFO_V6) === 0 || w > 3) return 0;
    const e = this.v6Entry(f);
    return this.v6chunks[e >>> V6_CHUNK_BITS]?.[(e & V6_CHUNK_MASK) * 6 + side * 3 + w - 1] ?? 0;
  }

  // ---------------------------------------------------------------- internals

  private loadKey(pkt: DecodedPacket, v6: boolean, proto: number): void {
    if (v6) {
      this.sa0 = pkt.src6a >>> 0;
      this.sa1 = pkt.src6b >>> 0;
      this.sa2 = pkt.src6c >>> 0;
      this.sa3 = pkt.src6d >>> 0;
      this.da0 = pkt.dst6a >>> 0;
      this.da1 = pkt.dst6b >>> 0;
      this.da2 = pkt.dst6c >>> 0;
      this.da3 = pkt.dst6d >>> 0;
    } else {
      this.sa0 = pkt.src4 >>> 0;
      this.da0 = pkt.dst4 >>> 0;
      this.sa1 = this.sa2 = this.sa3 = this.da1 = this.da2 = this.da3 = 0;
    }
    let info = v6 ? INFO_V6 : 0;
    let sp = 0;
    let dp = 0;
    if ((proto === IpProto.TCP || proto === IpProto.UDP) && pkt.srcPort >= 0 && pkt.dstPort >= 0) {
      sp = pkt.srcPort & 0xffff;
      dp = pkt.dstPort & 0xffff;
      info |= INFO_PORTS;
    } else if ((proto === IpProto.ICMP || proto === IpProto.ICMPV6) && pkt.icmpType >= 0) {
      sp = pkt.icmpType & 0xff;
      const c = icmpCounterpart(proto, sp);
      if (c >= 0) dp = c;
      else {
        dp = pkt.icmpCode >= 0 ? pkt.icmpCode & 0xff : 0;
        info |= INFO_ONEWAY;
      }
      info |= INFO_PORTS;
    }
    this.sp = sp;
    this.dp = dp;
    this.info = info;
  }

  /** Direction-independent hash: endpoint hashes combined by addition. */
  private hashKey(proto: number): number {
    // Per endpoint: a multiply-add of its words and port, then a full avalanche (fmix); the two endpoints
    // are combined by addition so both directions hash alike. IPv4 skips the three zero words.
    const s = this.seed;
    let a = Math.imul(this.sa0 ^ s, 0x9e3779b1) + Math.imul(this.sp + 1, 0x27d4eb2f);
    let b = Math.imul(this.da0 ^ s, 0x9e3779b1) + Math.imul(this.dp + 1, 0x27d4eb2f);
    if ((this.info & INFO_V6) !== 0) {
      a +=
        Math.imul(this.sa1, 0x85ebca77) + Math.imul(this.sa2, 0xc2b2ae3d) + Math.imul(this.sa3, 0x165667b1);
      b +=
        Math.imul(this.da1, 0x85ebca77) + Math.imul(this.da2, 0xc2b2ae3d) + Math.imul(this.da3, 0x165667b1);
    }
    return fmix((fmix(a | 0) + fmix(b | 0) + Math.imul(proto | (this.info << 8), 0x27d4eb2d)) | 0);
  }

  /** 1: the packet goes orig->resp, 2: resp->orig, 0: different key (proto and info already equal). */
  private matches(c: number): number {
    const key = this.key;
    const o = c * KEY_STRIDE;
    const kp = key[o + K_PORTS] ?? 0;
    const op = kp >>> 16;
    const rp = kp & 0xffff;
    const ko = key[o + K_ORIG];
    const kr = key[o + K_RESP];
    if ((this.info & INFO_V6) === 0) {
      if (ko === this.sa0 && kr === this.da0 && op === this.sp && rp === this.dp) return 1;
      if (ko === this.da0 && kr === this.sa0 && op === this.dp && rp === this.sp) return 2;
      return 0;
    }
    const e = this.v6Entry(c);
    const ch = this.v6chunks[e >>> V6_CHUNK_BITS];
    if (ch === undefined) return 0;
    const x = (e & V6_CHUNK_MASK) * 6;
    if (
      ko === this.sa0 &&
      kr === this.da0 &&
      op === this.sp &&
      rp === this.dp &&
      ch[x] === this.sa1 &&
      ch[x + 1] === this.sa2 &&
      ch[x + 2] === this.sa3 &&
      ch[x + 3] === this.da1 &&
      ch[x + 4] === this.da2 &&
      ch[x + 5] === this.da3
    )
      return 1;
    if (
      ko === this.da0 &&
      kr === this.sa0 &&
      op === this.dp &&
      rp === this.sp &&
      ch[x] === this.da1 &&
      ch[x + 1] === this.da2 &&
      ch[x + 2] === this.da3 &&
      ch[x + 3] === this.sa1 &&
      ch[x + 4] === this.sa2 &&
      ch[x + 5] === this.sa3
    )
      return 2;
    return 0;
  }

  private create(h: number, pk: number, tns: number, frame: number, fileIndex: number): number {
    let f: number;
    if (this.freeHead < 0 && this.nextNew < this.capacity) f = this.nextNew++;
    else {
      if (this.freeHead < 0) this.evict(this.oldestHead(), EvictReason.FULL);
      f = this.freeHead;
      this.freeHead = this.lru[f * 2 + 1] ?? -1;
    }
    if ((this.live + 1) * 2 > this.slots.length && this.slots.length < this.maxSlots) this.growSlots();
    const key = this.key;
    const o = f * KEY_STRIDE;
    key[o + K_HASH] = h;
    key[o + K_ORIG] = this.sa0;
    key[o + K_RESP] = this.da0;
    key[o + K_PORTS] = ((this.sp << 16) | this.dp) >>> 0;
    key[o + K_PROTO] = pk;
    this.hotB.fill(0, f * 64 + B_TCP, f * 64 + 64); // TCP states INACTIVE (0), flags, hist, verdict, rule count
    if ((this.info & INFO_V6) !== 0) {
      const e = this.v6Alloc(f);
      const ci = e >>> V6_CHUNK_BITS;
      let ch = this.v6chunks[ci];
      if (ch === undefined) {
        ch = new Uint32Array(Math.min(V6_CHUNK_MASK + 1, this.capacity - (ci << V6_CHUNK_BITS)) * 6);
        this.v6chunks[ci] = ch;
      }
      const x = (e & V6_CHUNK_MASK) * 6;
      ch[x] = this.sa1;
      ch[x + 1] = this.sa2;
      ch[x + 2] = this.sa3;
      ch[x + 3] = this.da1;
      ch[x + 4] = this.da2;
      ch[x + 5] = this.da3;
    }
    const F = this.hotF;
    const fo = f * 8;
    F[fo + F_FIRST] = tns;
    F[fo + F_LAST] = tns;
    F[fo + F_PKTS_O] = 0;
    F[fo + F_PKTS_R] = 0;
    F[fo + F_BYTES_O] = 0;
    F[fo + F_BYTES_R] = 0;
    this.hotI[f * 16 + I_RULE0] = 0;
    if (frame >= 0 && frame < FRAME_BIG && frame === Math.floor(frame)) this.frame0[f] = frame;
    else {
      this.frame0[f] = FRAME_BIG;
      this.frameBig.set(f, frame);
    }
    this.file0[f] = fileIndex;
    // Insert into the slot table (after any eviction above, which may have shifted slots).
    const mask = this.mask;
    let i = h & mask;
    while ((this.slots[i] ?? 0) !== 0) i = (i + 1) & mask;
    this.slots[i] = f + 1;
    // Append to its idle list.
    const c = classOf(pk & 0xff);
    const t = this.tails[c] ?? -1;
    this.lru[f * 2] = t;
    this.lru[f * 2 + 1] = -1;
    if (t >= 0) this.lru[t * 2 + 1] = f;
    else this.heads[c] = f;
    this.tails[c] = f;
    this.live++;
    return f;
  }

  /** First frame number of flow f. */
  firstFrameOf(f: number): number {
    const v = this.frame0[f] ?? 0;
    return v === FRAME_BIG ? (this.frameBig.get(f) ?? v) : v;
  }

  /** Index of flow f's entry in the IPv6 pool (f itself unless compact). */
  private v6Entry(f: number): number {
    if (!this.v6Compact) return f;
    const B = this.hotB;
    const b = f * 64 + B_V6;
    return (B[b] ?? 0) | ((B[b + 1] ?? 0) << 8) | ((B[b + 2] ?? 0) << 16);
  }

  /** Give IPv6 flow f a pool entry (recorded in its hot record) and return it. */
  private v6Alloc(f: number): number {
    if (!this.v6Compact) return f;
    let e = this.v6FreeHead;
    if (e >= 0) {
      // a freed entry keeps the next free entry in its first word
      this.v6FreeHead = (this.v6chunks[e >>> V6_CHUNK_BITS]?.[(e & V6_CHUNK_MASK) * 6] ?? 0xffffffff) | 0;
    } else e = this.v6Next++;
    const B = this.hotB;
    const b = f * 64 + B_V6;
    B[b] = e & 0xff;
    B[b + 1] = (e >>> 8) & 0xff;
    B[b + 2] = e >>> 16;
    return e;
  }

  /** Return IPv6 flow f's pool entry to the free list. */
  private v6Release(f: number): void {
    if (!this.v6Compact) return;
    const e = this.v6Entry(f);
    const ch = this.v6chunks[e >>> V6_CHUNK_BITS];
    if (ch === undefined) return;
    ch[(e & V6_CHUNK_MASK) * 6] = this.v6FreeHead >>> 0;
    this.v6FreeHead = e;
  }

  /** Remove flow f from the slot table with backward-shift deletion (linear probing). */
  private unslot(f: number): void {
    const mask = this.mask;
    const slots = this.slots;
    const key = this.key;
    let i = (key[f * KEY_STRIDE + K_HASH] ?? 0) & mask;
    while (slots[i] !== f + 1) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const g = (slots[j] ?? 0) - 1;
      if (g < 0) break;
      const k = (key[g * KEY_STRIDE + K_HASH] ?? 0) & mask;
      // Leave g in place when its home k lies cyclically in (i, j].
      if (i <= j ? i < k && k <= j : i < k || k <= j) continue;
      slots[i] = g + 1;
      i = j;
    }
    slots[i] = 0;
  }

  /** A fresh slot table for the live flows (after flushAll, or after an exception in its middle). */
  private rebuildSlots(): void {
    let size = Math.min(this.maxSlots, MIN_SLOTS);
    while (size < this.maxSlots && this.live * 2 > size) size *= 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    const key = this.key;
    for (let c = 0; c < 3; c++) {
      for (let f = this.heads[c] ?? -1; f >= 0; f = this.lru[f * 2 + 1] ?? -1) {
        let i = (key[f * KEY_STRIDE + K_HASH] ?? 0) & mask;
        while ((slots[i] ?? 0) !== 0) i = (i + 1) & mask;
        slots[i] = f + 1;
      }
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** Double the slot table and re-insert every live flow (a sequential pass over the old table). */
  private growSlots(): void {
    const old = this.slots;
    const size = Math.min(this.maxSlots, old.length * 2);
    const slots = new Int32Array(size);
    const mask = size - 1;
    const key = this.key;
    for (let j = 0; j < old.length; j++) {
      const g1 = old[j] ?? 0;
      if (g1 === 0) continue;
      let i = (key[(g1 - 1) * KEY_STRIDE + K_HASH] ?? 0) & mask;
      while ((slots[i] ?? 0) !== 0) i = (i + 1) & mask;
      slots[i] = g1;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** Move a flow to the tail (most recent) of its idle list. */
  private touch(f: number, proto: number): void {
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

  private addRule(f: number, r: number): void {
    const b = f * 64 + B_RULEN;
    const n = this.hotB[b] ?? 0;
    const i0 = f * 16 + I_RULE0;
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
  private oldestHead(): number {
    let best = -1;
    let bt = Infinity;
    for (let c = 0; c < 3; c++) {
      const f = this.heads[c] ?? -1;
      if (f < 0) continue;
      const t = this.hotF[f * 8 + F_LAST] ?? 0;
      if (t < bt) {
        best = f;
        bt = t;
      }
    }
    return best;
  }

  /** Hand a flow to onEvict, then free its slot. */
  private evict(f: number, reason: EvictReason): void {
    const v = this.evictView;
    v.index = f;
    v.evictReason = reason;
    try {
      this.onEvict(v);
    } finally {
      v.evictReason = -1;
      this.free(f);
    }
  }

  private free(f: number): void {
    const key = this.key;
    if (!this.bulkFree) this.unslot(f);
    // Unlink from its idle list.
    const c = classOf((key[f * KEY_STRIDE + K_PROTO] ?? 0) & 0xff);
    const p = this.lru[f * 2] ?? -1;
    const n = this.lru[f * 2 + 1] ?? -1;
    if (p >= 0) this.lru[p * 2 + 1] = n;
    else this.heads[c] = n;
    if (n >= 0) this.lru[n * 2] = p;
    else this.tails[c] = p;
    // To the free list.
    this.lru[f * 2 + 1] = this.freeHead;
    this.freeHead = f;
    if ((((key[f * KEY_STRIDE + K_PROTO] ?? 0) >>> 8) & INFO_V6) !== 0) this.v6Release(f);
    if ((this.hotB[f * 64 + B_RULEN] ?? 0) > 1) this.ruleMore.delete(f);
    if (this.frame0[f] === FRAME_BIG) this.frameBig.delete(f);
    this.cidCache.delete(f);
    this.gen[f] = ((this.gen[f] ?? 0) + 1) >>> 0;
    this.live--;
  }
}

function classOf(proto: number): number {
  return proto === IpProto.TCP ? CLASS_TCP : proto === IpProto.UDP ? CLASS_UDP : CLASS_OTHER;
}
