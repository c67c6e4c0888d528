/**
 * The record view of one flow (FlowRecord): every field of a flow as a getter over the table's typed
 * arrays (./store.ts, layout in ./layout.ts), plus the report-time derived values (conn_state, Community
 * ID, Zeek-like uid). Also why a flow leaves the table (EvictReason).
 * Guarantees: a view, never a copy: valid until the next call into the table (inside onEvict: until the
 * callback returns). Field getters allocate nothing; origAddr/respAddr/ruleIndexes/uid/communityId
 * allocate (report time only).
 */
import { IpProto } from "../net/protocols.js";
import { historyText, tcpConnState, udpConnState } from "./conn-state.js";
import { fmix, mixWord } from "./hash.js";
import { Hot, Info, Key } from "./layout.js";
import type { FlowStore } from "./store.js";

/** Why a flow left the table. */
export const enum EvictReason {
  IDLE = 0,
  FULL = 1,
  REUSE = 2,
  FLUSH = 3,
}

const EVICT_REASON_NAMES = ["idle", "full", "reuse", "flush"] as const;

/**
 * A view of one flow in the table (no copy). Valid until the next call into the table
 * (inside onEvict: until the callback returns). Copy what you keep.
 */
export class FlowRecord {
  /** Slot of the flow in the table's arrays. */
  index = -1;
  /** Why the flow is being evicted (inside onEvict), else -1. */
  evictReason = -1;
  /** A view into table t (its index set by the table). */
  constructor(private readonly t: FlowStore) {}

  private get info(): number {
    return (this.t.key[this.index * Key.STRIDE + Key.PROTO] ?? 0) >>> 8;
  }
  private get ports(): number {
    return this.t.key[this.index * Key.STRIDE + Key.PORTS] ?? 0;
  }
  private f64(k: number): number {
    return this.t.hotF[this.index * 8 + k] ?? 0;
  }
  private u8(k: number): number {
    return this.t.hotB[this.index * 64 + k] ?? 0;
  }

  get ipVersion(): 4 | 6 {
    return (this.info & Info.V6) !== 0 ? 6 : 4;
  }
  /** IP protocol number. */
  get proto(): number {
    return (this.t.key[this.index * Key.STRIDE + Key.PROTO] ?? 0) & 0xff;
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
    return (this.info & Info.PORTS) !== 0;
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
    return (this.info & Info.ONEWAY) !== 0;
  }
  /** First packet time: whole epoch seconds. */
  get firstSec(): number {
    return this.t.epoch + Math.floor(this.f64(Hot.F_FIRST) / 1e9);
  }
  /** First packet time: nanoseconds within the second. */
  get firstNsec(): number {
    const ns = this.f64(Hot.F_FIRST);
    return ns - Math.floor(ns / 1e9) * 1e9;
  }
  get lastSec(): number {
    return this.t.epoch + Math.floor(this.f64(Hot.F_LAST) / 1e9);
  }
  get lastNsec(): number {
    const ns = this.f64(Hot.F_LAST);
    return ns - Math.floor(ns / 1e9) * 1e9;
  }
  /** Last minus first packet time, in nanoseconds. */
  get durationNs(): number {
    return this.f64(Hot.F_LAST) - this.f64(Hot.F_FIRST);
  }
  get origPkts(): number {
    return this.f64(Hot.F_PKTS_O);
  }
  get respPkts(): number {
    return this.f64(Hot.F_PKTS_R);
  }
  /** IP bytes sent by the originator (see the module header). */
  get origBytes(): number {
    return this.f64(Hot.F_BYTES_O);
  }
  get respBytes(): number {
    return this.f64(Hot.F_BYTES_R);
  }
  /** Transport payload bytes sent by the originator (Zeek's orig_bytes; retransmissions included). */
  get origPayloadBytes(): number {
    return this.t.payF[this.index * 2] ?? 0;
  }
  get respPayloadBytes(): number {
    return this.t.payF[this.index * 2 + 1] ?? 0;
  }
  /** Zeek's history letters (S H A D F R Q I; originator upper case, responder lower), in order first seen. */
  get history(): string {
    const H = this.t.histW;
    const o = this.index * 3;
    return historyText(H[o] ?? 0, H[o + 1] ?? 0, H[o + 2] ?? 0);
  }
  /** OR of the TCP flags (low 8 bits) the originator sent. */
  get origTcpFlags(): number {
    return this.u8(Hot.B_FLAGS_O);
  }
  get respTcpFlags(): number {
    return this.u8(Hot.B_FLAGS_R);
  }
  /** Zeek conn_state (see conn-state.ts). */
  get connState(): string {
    const p = this.proto;
    if (p === IpProto.TCP)
      return tcpConnState(this.u8(Hot.B_TCP), this.u8(Hot.B_TCP + 2), this.u8(Hot.B_HIST));
    if (p === IpProto.UDP) return udpConnState(this.origPkts, this.respPkts);
    return "OTH";
  }
  /** Worst verdict rank of the flow's packets (VERDICT_RANK), -1 when no packet got a verdict. */
  get verdict(): number {
    return this.u8(Hot.B_VERDICT) - 1;
  }
  /** Distinct rule indexes matched (-1 = the default action), in first-seen order, at most RULES_CAP. */
  ruleIndexes(): number[] {
    if (this.u8(Hot.B_RULEN) === 0) return [];
    const first = this.t.hotI[this.index * 16 + Hot.I_RULE0] ?? 0;
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
