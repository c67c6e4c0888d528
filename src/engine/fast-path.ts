/**
 * The engine's per-flow fast path (a "microflow cache", as Open vSwitch's datapath keeps one in front of its
 * classifier): most packets of a capture belong to a flow direction already seen, and for those the full
 * decode, the rule match and the flow table's hash lookup give the same answers as for the first packet.
 *
 * FastPath.parse() looks at the raw frame and accepts only the common shape whose full decode is known in
 * advance field by field and raises no decode event:
 *   Ethernet II (link type 1) or Linux cooked capture (SLL 113, SLL2 276: the "any" device) with an EtherType
 *   protocol, at most one 802.1Q tag, then
 *   - IPv4 with IHL 5 (no options), total length >= 20 (0, Wireshark's TSO case, is left to the decoder),
 *     not a fragment (MF clear, offset 0), protocol TCP, UDP or ICMP; or
 *   - IPv6 with next header TCP, UDP or ICMPv6 (no extension header);
 *   and the transport header whole inside the captured IP payload and consistent:
 *   TCP: data offset >= 5 and the header (with options) inside the captured IP payload;
 *   UDP: length >= 8 and inside the IP length; ICMP / ICMPv6: 8 bytes.
 * A TCP SYN without ACK on a finished connection is left to FlowTable.update() (port reuse starts a new
 * flow): FlowTable.updateKnown() refuses it.
 * Everything else (and every first packet of a flow direction) takes the slow path: decodeFrame, the
 * compiled rules and FlowTable.update(). After a slow-path packet of the accepted shape, the engine stores
 * what it decided (flow index and generation, direction, verdict rank, rule index) under the packet's
 * directional 5-tuple; a later packet with the same tuple reuses it while the flow is still the same one
 * (FlowTable.genOf) and the rules have not been reloaded (clear()).
 *
 * Why the cached verdict is exact: the compiled rules read only the IP version, addresses, protocol,
 * ports and whether the transport header is present (src/rules/compile.ts), and all of these are part of
 * the cache key or fixed by the accepted shape. The flow table's per-packet inputs (time, wire length, IP
 * total length, TCP flags, payload length) are read here from the same bytes the decoder reads.
 *
 * ICMP flows are keyed by type and code only (src/flows/table.ts), so the cache key uses them as ports.
 *
 * The cache is 2-way set-associative: a set holds two keys, and a third one that hashes there replaces the
 * entry filled less recently; a miss only costs a slow-path packet. It starts with 4,096 entries (200 kB)
 * and grows 4x, up to 65,536 entries (3.4 MB), each time it has taken in a quarter as many keys as it has
 * entries (refills included, so a cache that thrashes grows).
 * Hot path: no allocation.
 */

import { u16be, u32be, u8 } from "../decode/bytes.js";
import { EtherType } from "../net/ethertypes.js";
import { ArpHrd, LinkType } from "../net/linktypes.js";
import { IpProto } from "../net/protocols.js";

const TCP = IpProto.TCP;
const UDP = IpProto.UDP;
const ICMP = IpProto.ICMP;
const ICMPV6 = IpProto.ICMPV6;
const ETHERTYPE_VLAN = EtherType.VLAN;
const LINKTYPE_ETHERNET = LinkType.ETHERNET;
const LINKTYPE_LINUX_SLL = LinkType.LINUX_SLL;
const LINKTYPE_LINUX_SLL2 = LinkType.LINUX_SLL2;
const ARPHRD_IEEE80211_RADIOTAP = ArpHrd.IEEE80211_RADIOTAP;
const ARPHRD_NETLINK = ArpHrd.NETLINK;

/** Entries at first, and at most (the cache grows 4x whenever it has taken in a quarter as many keys as it has entries). */
const MIN_ENTRIES = 1 << 12;
const MAX_ENTRIES = 1 << 16;
// Entry key: Uint32 x 10: address words (IPv4: src, dst, then zeros; IPv6: src 4 words, dst 4 words),
// ports, tag = proto | v6 << 8 | epoch << 9. Value: Int32 x 4: flow, generation, (rank + 1) << 1 | fromOrig, rule.
const KS = 10;
const K_PORTS = 8;
const K_TAG = 9;
const VS = 4;
const EPOCH_MAX = 1 << 23;
const ADMIT_WINDOW = 1 << 16;
const ADMIT_BYPASS = 1 << 20;

/** Per-flow-direction decision cache in front of the decoder, the rules and the flow table (module header). */
export class FastPath {
  // the frame parse() accepted last
  v6 = false;
  /** Address words: IPv4 src in [0], dst in [4]; IPv6 src [0..3], dst [4..7]. */
  private readonly addr = new Uint32Array(8);
  ports = 0;
  proto = 0;
  /** Offset of the IP header from the frame start. */
  l3Rel = 0;
  /** IP header's length field: IPv4 total length, IPv6 40 + payload length. */
  ipTotalLen = 0;
  tcpFlags = -1;
  payloadLen = 0;
  /** Hash of the last parse()'s key, and the first entry of its 2-way set (for lookup / insert). */
  private hash = 0;
  private slot = 0;
  /** Entries (a power of two); entry indexes are 0 .. capacity - 1. */
  capacity = MIN_ENTRIES;
  private mask = MIN_ENTRIES - 1;
  /** Per set: which of its two entries was filled last (0 or 1). */
  private lastFilled = new Uint8Array(MIN_ENTRIES / 2);
  private keys = new Uint32Array(MIN_ENTRIES * KS);
  private vals = new Int32Array(MIN_ENTRIES * VS);
  /**
   * One value the caller keeps per entry (the engine: the entry's text-log line middle), null when none.
   * Reset to null whenever the entry is refilled, and all of them on clear() and when the cache grows.
   */
  attached: (Uint8Array | null)[] = new Array<Uint8Array | null>(MIN_ENTRIES).fill(null);
  /** Keys inserted since the cache last grew. */
  private inserted = 0;
  /** Entries of an older epoch are stale (rules reloaded). Starts at 1 so zeroed entries never match. */
  private epoch = 1;
  /** Packets handled by the fast path (counted by the engine). */
  hits = 0;
  // Admission: packets tried in the current window, hits at its start, packets left to bypass.
  private tried = 0;
  private hitsAtWindow = 0;
  private bypass = 0;

  /**
   * Whether to try the fast path for this packet. Where it rarely hits (most flows of one or two packets,
   * e.g. a scan of a million short flows), the check, the lookup and the insert are pure overhead: when
   * fewer than 1 in 8 of a window of 65,536 tried packets hit, the next 1,048,576 packets go straight to the
   * full path, then it tries again. Either way every packet gets the same result.
   */
  admit(): boolean {
    if (this.bypass > 0) {
      this.bypass--;
      return false;
    }
    if (++this.tried >= ADMIT_WINDOW) {
      if ((this.hits - this.hitsAtWindow) * 8 < this.tried) this.bypass = ADMIT_BYPASS;
      this.tried = 0;
      this.hitsAtWindow = this.hits;
    }
    return true;
  }

  /** Drop every entry (the rules changed). */
  clear(): void {
    this.epoch++;
    if (this.epoch >= EPOCH_MAX) {
      this.epoch = 1;
      this.keys.fill(0);
    }
    this.attached.fill(null);
  }

  /**
   * True when buf[off, off + caplen) is a frame of the accepted shape (module header); fills the fields
   * above. Reads only inside the frame.
   */
  parse(buf: Uint8Array, off: number, caplen: number, linktype: number): boolean {
    // 42 = 14 + 20 + 8: the smallest accepted frame; a record reaching past its buffer is the decoder's to judge
    if (caplen < 42 || off < 0 || off + caplen > buf.length) return false;
    const frameEnd = off + caplen;
    let ip: number;
    let et: number;
    if (linktype === LINKTYPE_ETHERNET) {
      ip = off + 14;
      et = u16be(buf, off + 12);
    } else if (linktype === LINKTYPE_LINUX_SLL || linktype === LINKTYPE_LINUX_SLL2) {
      // Linux cooked capture ("any" device): protocol = EtherType, except for the ARPHRD types the decoder
      // hands elsewhere (radiotap, netlink); 16 + 20 + 8 < 42, so the header is inside the frame.
      const v2 = linktype === LINKTYPE_LINUX_SLL2;
      const hatype = u16be(buf, off + (v2 ? 8 : 2));
      if (hatype === ARPHRD_IEEE80211_RADIOTAP || hatype === ARPHRD_NETLINK) return false;
      ip = off + (v2 ? 20 : 16);
      et = u16be(buf, v2 ? off : off + 14);
    } else return false;
    if (et === ETHERTYPE_VLAN) {
      if (frameEnd - ip < 4) return false;
      et = u16be(buf, ip + 2);
      ip += 4;
    }
    let declaredEnd: number;
    let l4: number;
    let proto: number;
    let v6: boolean;
    if (et === 0x0800) {
      if (u8(buf, ip) !== 0x45 || frameEnd - ip < 20) return false;
      const totalLen = u16be(buf, ip + 2);
      if (totalLen < 20 || (u16be(buf, ip + 6) & 0x3fff) !== 0) return false;
      proto = u8(buf, ip + 9);
      declaredEnd = ip + totalLen;
      l4 = ip + 20;
      v6 = false;
      this.ipTotalLen = totalLen;
    } else if (et === 0x86dd) {
      if (u8(buf, ip) >> 4 !== 6 || frameEnd - ip < 40) return false;
      const plen = u16be(buf, ip + 4);
      proto = u8(buf, ip + 6);
      declaredEnd = ip + 40 + plen;
      l4 = ip + 40;
      v6 = true;
      this.ipTotalLen = 40 + plen;
    } else return false;
    const ipEnd = declaredEnd < frameEnd ? declaredEnd : frameEnd;
    if (proto === TCP) {
      if (ipEnd - l4 < 20) return false;
      const hlen = (u8(buf, l4 + 12) >> 4) * 4;
      if (hlen < 20 || hlen > ipEnd - l4) return false;
      this.tcpFlags = u16be(buf, l4 + 12) & 0x0fff;
      this.payloadLen = ipEnd - (l4 + hlen);
      this.ports = u32be(buf, l4);
    } else if (proto === UDP) {
      if (ipEnd - l4 < 8) return false;
      const ulen = u16be(buf, l4 + 4);
      if (ulen < 8 || l4 + ulen > declaredEnd) return false;
      this.tcpFlags = -1;
      this.payloadLen = (l4 + ulen < ipEnd ? l4 + ulen : ipEnd) - (l4 + 8);
      this.ports = u32be(buf, l4);
    } else if (proto === (v6 ? ICMPV6 : ICMP)) {
      if (ipEnd - l4 < 8) return false;
      this.tcpFlags = -1;
      this.payloadLen = ipEnd - (l4 + 8);
      this.ports = (u16be(buf, l4) << 16) >>> 0; // type, code
    } else return false;
    this.v6 = v6;
    this.proto = proto;
    this.l3Rel = ip - off;
    const w = this.addr;
    let h: number;
    if (v6) {
      h = 0x6a09e667;
      for (let i = 0; i < 8; i++) {
        const x = u32be(buf, ip + 8 + i * 4);
        w[i] = x;
        h = Math.imul(h ^ (h >>> 15) ^ x, 0x85ebca6b);
      }
    } else {
      const src = u32be(buf, ip + 12);
      const dst = u32be(buf, ip + 16);
      w[0] = src;
      w[4] = dst;
      h = Math.imul(src ^ 0x9e3779b9, 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 15) ^ dst, 0xc2b2ae35);
    }
    h = Math.imul(h ^ (h >>> 13) ^ this.ports, 0x27d4eb2f);
    h ^= proto;
    h ^= h >>> 16;
    this.hash = h;
    this.slot = h & this.mask & ~1;
    return true;
  }

  private tag(): number {
    return (this.proto | (this.v6 ? 256 : 0) | (this.epoch << 9)) >>> 0;
  }

  /** True when entry e holds the key of the frame parse() accepted last. */
  private holds(e: number): boolean {
    const k = e * KS;
    const keys = this.keys;
    const w = this.addr;
    if (keys[k + K_TAG] !== this.tag() || keys[k + K_PORTS] !== this.ports) return false;
    if (keys[k] !== w[0] || keys[k + 4] !== w[4]) return false;
    return (
      !this.v6 ||
      (keys[k + 1] === w[1] &&
        keys[k + 2] === w[2] &&
        keys[k + 3] === w[3] &&
        keys[k + 5] === w[5] &&
        keys[k + 6] === w[6] &&
        keys[k + 7] === w[7])
    );
  }

  /** True when entry e is empty or from before the last clear(). */
  private staleOrEmpty(e: number): boolean {
    return (this.keys[e * KS + K_TAG] ?? 0) >>> 9 !== this.epoch;
  }

  /** Cache entry for the frame parse() accepted last: its index, or -1 on a miss. */
  lookup(): number {
    const s = this.slot; // the first entry of a 2-way set
    if (this.holds(s)) return s;
    if (this.holds(s + 1)) return s + 1;
    return -1;
  }

  /**
   * Remember the slow path's decision for the frame parse() accepted last, in its 2-way set: in an entry of
   * this key or a stale one if there is one, else in the entry not filled last. Returns the entry's index.
   */
  insert(flow: number, gen: number, fromOrig: boolean, rank: number, ruleIndex: number): number {
    if (++this.inserted > this.capacity / 4 && this.capacity < MAX_ENTRIES) this.grow();
    const s = this.slot;
    const tag = this.tag();
    let e: number;
    if (this.holds(s)) e = s;
    else if (this.holds(s + 1)) e = s + 1;
    else if (this.staleOrEmpty(s)) e = s;
    else if (this.staleOrEmpty(s + 1)) e = s + 1;
    else e = this.lastFilled[s >> 1] === 0 ? s + 1 : s;
    this.lastFilled[s >> 1] = e - s;
    const k = e * KS;
    const keys = this.keys;
    const w = this.addr;
    keys[k] = w[0] ?? 0;
    keys[k + 4] = w[4] ?? 0;
    if (this.v6) {
      keys[k + 1] = w[1] ?? 0;
      keys[k + 2] = w[2] ?? 0;
      keys[k + 3] = w[3] ?? 0;
      keys[k + 5] = w[5] ?? 0;
      keys[k + 6] = w[6] ?? 0;
      keys[k + 7] = w[7] ?? 0;
    }
    keys[k + K_PORTS] = this.ports;
    keys[k + K_TAG] = tag;
    const v = this.vals;
    const o = e * VS;
    v[o] = flow;
    v[o + 1] = gen | 0;
    v[o + 2] = ((rank + 1) << 1) | (fromOrig ? 1 : 0);
    v[o + 3] = ruleIndex;
    this.attached[e] = null;
    return e;
  }

  /**
   * Four times the entries, all empty (a cache: each key costs one more slow-path packet). The tables stay as
   * small as the keys seen allow (a capture of a few flows keeps 200 kB). Measured on the 1M-packet bench
   * file, starting at 4,096, 16,384 or 65,536 entries makes no difference beyond noise (0.46-0.49 s).
   */
  private grow(): void {
    const n = Math.min(MAX_ENTRIES, this.capacity * 4);
    this.capacity = n;
    this.mask = n - 1;
    this.lastFilled = new Uint8Array(n / 2);
    this.keys = new Uint32Array(n * KS);
    this.vals = new Int32Array(n * VS);
    this.attached = new Array<Uint8Array | null>(n).fill(null);
    this.inserted = 0;
    this.slot = this.hash & this.mask & ~1; // the current frame's set, in the new table
  }

  flowOf(e: number): number {
    return this.vals[e * VS] ?? -1;
  }
  genOf(e: number): number {
    return (this.vals[e * VS + 1] ?? 0) >>> 0;
  }
  fromOrigOf(e: number): boolean {
    return ((this.vals[e * VS + 2] ?? 0) & 1) === 1;
  }
  /** Verdict rank (-1: no verdict). */
  rankOf(e: number): number {
    return ((this.vals[e * VS + 2] ?? 0) >> 1) - 1;
  }
  ruleOf(e: number): number {
    return this.vals[e * VS + 3] ?? -2;
  }
}
