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
 * Files: ./store.ts (records, slot table, idle lists, IPv6 pool), ./key.ts (the packet's key, hash, compare,
 * insert), ./record.ts (the FlowRecord view), ./layout.ts (record offsets), ./hash.ts; this module is the
 * packet-facing table (update, updateKnown, expiry, eviction) and the entry module for everyone outside.
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
import { historyLetter, HistLetter, tcpAdvance, tcpFinished, TcpFlag } from "./conn-state.js";
import { FlowKeys } from "./key.js";
import { Hot, Key } from "./layout.js";
import { EvictReason, FlowRecord } from "./record.js";

export { fmix } from "./hash.js";
export { EvictReason, FlowRecord } from "./record.js";
export { RULES_CAP } from "./store.js";

/** Idle timeouts in seconds per protocol class. */
export interface IdleTimeouts {
  tcp: number;
  udp: number;
  other: number;
}

/** Options of FlowTable. */
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

/**
 * The time fields count nanoseconds from EPOCH_LEAD seconds before the first packet: every value is then
 * above 2^31 from the first packet on, so V8 compiles the time arithmetic for doubles at once instead of
 * speculating on small integers and deoptimising the hot path (update, updateKnown and the engine around
 * them) about 2 s into every capture. The values stay exact integers below 2^53 ns (104 days after the epoch).
 */
const EPOCH_LEAD = 4;

/** Bidirectional flow table. See the module header for guarantees. */
export class FlowTable extends FlowKeys {
  private haveEpoch = false;
  private readonly onEvict: (flow: FlowRecord) => void;
  private readonly timeouts: Float64Array;
  private readonly autoExpire: boolean;
  private lastExpireSec = -Infinity;
  /** Direction of the last packet given to update(): true when it went orig->resp. */
  lastFromOrig = true;
  private readonly view: FlowRecord;
  private readonly evictView: FlowRecord;

  /** An empty table (see FlowTableOptions). */
  constructor(opts: FlowTableOptions) {
    super(opts);
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
      const o = c * Key.STRIDE;
      if (key[o + Key.HASH] === h && key[o + Key.PROTO] === pk) {
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
      tcpFinished(B[f * 64 + Hot.B_TCP] ?? 0, B[f * 64 + Hot.B_TCP + 2] ?? 0)
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

    // payload after an 8-byte ICMPv6 header (as for ICMP and Zeek; the decoder's ICMPv6 header is 4 bytes)
    const pay = proto === IpProto.ICMPV6 ? Math.max(0, pkt.payloadLen - 4) : pkt.payloadLen;
    this.account(f, fromOrig, bytes, tcpFlags, pay, verdict, ruleIndex);
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
    const bo = f * 64 + Hot.B_TCP;
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
    const last = F[f * 8 + Hot.F_LAST] ?? 0;
    if (tns > last) {
      // Move to the back of the idle list at most once per second of packet time.
      // (Fast path, same result: with 0 <= rel < 2^20 and an integer tsNsec < 1e9 every value below is exact,
      // floor(tns / 1e9) = rel, and last < tns lies in an earlier second exactly when last < rel * 1e9.)
      const fast = rel >= 0 && rel < 1048576 && tsNsec >>> 0 === tsNsec && tsNsec < 1e9;
      if (fast ? last < rel * 1e9 : Math.floor(tns / 1e9) !== Math.floor(last / 1e9)) this.touch(f, proto);
      F[f * 8 + Hot.F_LAST] = tns;
    } else if (tns < (F[f * 8 + Hot.F_FIRST] ?? 0)) F[f * 8 + Hot.F_FIRST] = tns; // out-of-order (merged files)
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
      F[fo + Hot.F_PKTS_O] = (F[fo + Hot.F_PKTS_O] ?? 0) + 1;
      F[fo + Hot.F_BYTES_O] = (F[fo + Hot.F_BYTES_O] ?? 0) + bytes;
    } else {
      F[fo + Hot.F_PKTS_R] = (F[fo + Hot.F_PKTS_R] ?? 0) + 1;
      F[fo + Hot.F_BYTES_R] = (F[fo + Hot.F_BYTES_R] ?? 0) + bytes;
    }
    if (payloadLen > 0) {
      const pi = fromOrig ? f * 2 : f * 2 + 1;
      this.payF[pi] = (this.payF[pi] ?? 0) + payloadLen;
    }
    const letter = tcpFlags >= 0 ? historyLetter(tcpFlags, payloadLen) : payloadLen > 0 ? HistLetter.D : -1;
    if (letter >= 0) {
      // Zeek's history: each letter once per direction, in the order first seen (hot path: one test when seen)
      const H = this.histW;
      const bit = 1 << (fromOrig ? letter : letter + 8);
      const w = H[f * 3] ?? 0;
      if ((w & bit) === 0) {
        const n = w >>> 16;
        const code = fromOrig ? letter : letter + 8;
        const wi = f * 3 + 1 + (n >>> 3);
        H[wi] = ((H[wi] ?? 0) | (code << ((n & 7) * 4))) >>> 0;
        H[f * 3] = ((w | bit) & 0xffff) | ((n + 1) << 16);
      }
    }
    if (tcpFlags >= 0) {
      const fl = bo + (fromOrig ? Hot.B_FLAGS_O : Hot.B_FLAGS_R);
      B[fl] = (B[fl] ?? 0) | (tcpFlags & 0xff);
      B[bo + Hot.B_HIST] = tcpAdvance(
        B,
        bo + Hot.B_TCP,
        fromOrig,
        tcpFlags,
        payloadLen,
        B[bo + Hot.B_HIST] ?? 0,
      );
    }
    if (verdict + 1 > (B[bo + Hot.B_VERDICT] ?? 0)) B[bo + Hot.B_VERDICT] = verdict + 1;
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
        if (now - (this.hotF[f * 8 + Hot.F_LAST] ?? 0) <= to) break;
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
  /** Hand a flow to onEvict, then free its slot. */
  protected evict(f: number, reason: EvictReason): void {
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
}
