/**
 * The flow key of the packet being accounted (house style: numeric keys, never strings): loaded from the
 * decoded packet into scratch fields, hashed direction-independently, compared with a stored flow's key,
 * and stored when the packet starts a new flow. Key semantics (ports, ICMP port equivalents, flows
 * without ports) are documented in ./table.ts.
 * Guarantees: hot path; no allocation except a new 64Ki-entry IPv6 pool chunk on first use; the hash is
 * the same for both directions of a flow and seeded per table (against hash flooding).
 */
import type { DecodedPacket } from "../decode/packet.js";
import { IpProto } from "../net/protocols.js";
import { icmpCounterpart } from "./community-id.js";
import { fmix } from "./hash.js";
import { classOf, Frame, Hot, Info, Key, V6Chunk } from "./layout.js";
import { EvictReason } from "./record.js";
import { FlowStore } from "./store.js";

/** FlowStore plus the current packet's key; ./table.ts's FlowTable is the one concrete subclass. */
export abstract class FlowKeys extends FlowStore {
  // scratch key of the current packet (no allocation per packet)
  protected sa0 = 0;
  protected sa1 = 0;
  protected sa2 = 0;
  protected sa3 = 0;
  protected da0 = 0;
  protected da1 = 0;
  protected da2 = 0;
  protected da3 = 0;
  protected sp = 0;
  protected dp = 0;
  protected info = 0;

  /** Hand flow f to the table's onEvict, then free it (./table.ts). */
  protected abstract evict(f: number, reason: EvictReason): void;

  /** Load the scratch key from the packet: addresses, protocol, ports (or ICMP port equivalents), info bits. */
  protected loadKey(pkt: DecodedPacket, v6: boolean, proto: number): void {
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
    let info = v6 ? Info.V6 : 0;
    let sp = 0;
    let dp = 0;
    if ((proto === IpProto.TCP || proto === IpProto.UDP) && pkt.srcPort >= 0 && pkt.dstPort >= 0) {
      sp = pkt.srcPort & 0xffff;
      dp = pkt.dstPort & 0xffff;
      info |= Info.PORTS;
    } else if ((proto === IpProto.ICMP || proto === IpProto.ICMPV6) && pkt.icmpType >= 0) {
      sp = pkt.icmpType & 0xff;
      const c = icmpCounterpart(proto, sp);
      if (c >= 0) dp = c;
      else {
        dp = pkt.icmpCode >= 0 ? pkt.icmpCode & 0xff : 0;
        info |= Info.ONEWAY;
      }
      info |= Info.PORTS;
    }
    this.sp = sp;
    this.dp = dp;
    this.info = info;
  }
  /** Direction-independent hash: endpoint hashes combined by addition. */
  protected hashKey(proto: number): number {
    // Per endpoint: a multiply-add of its words and port, then a full avalanche (fmix); the two endpoints
    // are combined by addition so both directions hash alike. IPv4 skips the three zero words.
    const s = this.seed;
    let a = Math.imul(this.sa0 ^ s, 0x9e3779b1) + Math.imul(this.sp + 1, 0x27d4eb2f);
    let b = Math.imul(this.da0 ^ s, 0x9e3779b1) + Math.imul(this.dp + 1, 0x27d4eb2f);
    if ((this.info & Info.V6) !== 0) {
      a +=
        Math.imul(this.sa1, 0x85ebca77) + Math.imul(this.sa2, 0xc2b2ae3d) + Math.imul(this.sa3, 0x165667b1);
      b +=
        Math.imul(this.da1, 0x85ebca77) + Math.imul(this.da2, 0xc2b2ae3d) + Math.imul(this.da3, 0x165667b1);
    }
    return fmix((fmix(a | 0) + fmix(b | 0) + Math.imul(proto | (this.info << 8), 0x27d4eb2d)) | 0);
  }
  /** 1: the packet goes orig->resp, 2: resp->orig, 0: different key (proto and info already equal). */
  protected matches(c: number): number {
    const key = this.key;
    const o = c * Key.STRIDE;
    const kp = key[o + Key.PORTS] ?? 0;
    const op = kp >>> 16;
    const rp = kp & 0xffff;
    const ko = key[o + Key.ORIG];
    const kr = key[o + Key.RESP];
    if ((this.info & Info.V6) === 0) {
      if (ko === this.sa0 && kr === this.da0 && op === this.sp && rp === this.dp) return 1;
      if (ko === this.da0 && kr === this.sa0 && op === this.dp && rp === this.sp) return 2;
      return 0;
    }
    const e = this.v6Entry(c);
    const ch = this.v6chunks[e >>> V6Chunk.BITS];
    if (ch === undefined) return 0;
    const x = (e & V6Chunk.MASK) * 6;
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
  /** A new flow for the scratch key (hash h, Key.PROTO word pk) first seen at tns: its index. */
  protected create(h: number, pk: number, tns: number, frame: number, fileIndex: number): number {
    let f: number;
    if (this.freeHead < 0 && this.nextNew < this.capacity) f = this.nextNew++;
    else {
      if (this.freeHead < 0) this.evict(this.oldestHead(), EvictReason.FULL);
      f = this.freeHead;
      this.freeHead = this.lru[f * 2 + 1] ?? -1;
    }
    if ((this.live + 1) * 2 > this.slots.length && this.slots.length < this.maxSlots) this.growSlots();
    const key = this.key;
    const o = f * Key.STRIDE;
    key[o + Key.HASH] = h;
    key[o + Key.ORIG] = this.sa0;
    key[o + Key.RESP] = this.da0;
    key[o + Key.PORTS] = ((this.sp << 16) | this.dp) >>> 0;
    key[o + Key.PROTO] = pk;
    this.hotB.fill(0, f * 64 + Hot.B_TCP, f * 64 + 64); // TCP states INACTIVE (0), flags, hist, verdict, rule count
    this.payF[f * 2] = 0;
    this.payF[f * 2 + 1] = 0;
    this.histW[f * 3] = 0;
    this.histW[f * 3 + 1] = 0;
    this.histW[f * 3 + 2] = 0;
    if ((this.info & Info.V6) !== 0) {
      const e = this.v6Alloc(f);
      const ci = e >>> V6Chunk.BITS;
      let ch = this.v6chunks[ci];
      if (ch === undefined) {
        ch = new Uint32Array(Math.min(V6Chunk.MASK + 1, this.capacity - (ci << V6Chunk.BITS)) * 6);
        this.v6chunks[ci] = ch;
      }
      const x = (e & V6Chunk.MASK) * 6;
      ch[x] = this.sa1;
      ch[x + 1] = this.sa2;
      ch[x + 2] = this.sa3;
      ch[x + 3] = this.da1;
      ch[x + 4] = this.da2;
      ch[x + 5] = this.da3;
    }
    const F = this.hotF;
    const fo = f * 8;
    F[fo + Hot.F_FIRST] = tns;
    F[fo + Hot.F_LAST] = tns;
    F[fo + Hot.F_PKTS_O] = 0;
    F[fo + Hot.F_PKTS_R] = 0;
    F[fo + Hot.F_BYTES_O] = 0;
    F[fo + Hot.F_BYTES_R] = 0;
    this.hotI[f * 16 + Hot.I_RULE0] = 0;
    if (frame >= 0 && frame < Frame.BIG && frame === Math.floor(frame)) this.frame0[f] = frame;
    else {
      this.frame0[f] = Frame.BIG;
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
}
