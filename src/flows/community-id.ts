/**
 * Community ID v1 flow hashing (https://github.com/corelight/community-id-spec), the flow id
 * Zeek, Suricata, Arkime and Wireshark print, so pfw's reports join with theirs.
 *
 *   sha1(seed:u16be . saddr . daddr . proto:u8 . 0:u8 [. sport:u16be . dport:u16be]) -> "1:" + base64
 *
 * Endpoints are ordered so the numerically smaller (address, port) comes first, except for
 * one-way ICMP messages. ICMP / ICMPv6 type and code become port equivalents exactly as
 * pycommunityid's icmp.py / icmp6.py do (mirroring Zeek's ICMP4_counterpart / ICMP6_counterpart):
 * a message with a counterpart (echo <-> echo reply, ...) uses (type, counterpart type) and is
 * two-way; any other message uses (type, code) and is one-way (never flipped).
 * Other IP protocols hash addresses and protocol only (no ports).
 *
 * Cost: one SHA-1 per call. Callers compute it once per flow (the flow table caches it), never per packet.
 */
import { createHash } from "node:crypto";
import { IpProto } from "../net/protocols.js";

/** ICMPv4 counterpart types (pycommunityid communityid/icmp.py TYPE_MAPPER). */
const ICMP4_COUNTERPART = new Int16Array(256).fill(-1);
for (const [a, b] of [
  [8, 0], // echo -> echo reply
  [0, 8],
  [13, 14], // timestamp
  [14, 13],
  [15, 16], // information request
  [16, 15],
  [10, 9], // router solicitation -> advertisement
  [9, 10],
  [17, 18], // address mask
  [18, 17],
] as const)
  ICMP4_COUNTERPART[a] = b;

/** ICMPv6 counterpart types (pycommunityid communityid/icmp6.py TYPE_MAPPER). */
const ICMP6_COUNTERPART = new Int16Array(256).fill(-1);
for (const [a, b] of [
  [128, 129], // echo request -> reply
  [129, 128],
  [130, 131], // MLD listener query -> report
  [131, 130],
  [133, 134], // router solicitation -> advertisement
  [134, 133],
  [135, 136], // neighbor solicitation -> advertisement
  [136, 135],
  [139, 140], // node information query (WRU) -> reply
  [140, 139],
  [144, 145], // home agent address discovery request -> reply
  [145, 144],
] as const)
  ICMP6_COUNTERPART[a] = b;

/**
 * Counterpart type of an ICMP (proto 1) or ICMPv6 (proto 58) message, or -1 when the message is
 * one-way (then the code is the second "port"). Allocation-free; used by the flow table's key.
 */
export function icmpCounterpart(proto: number, type: number): number {
  if (type < 0 || type > 255) return -1;
  if (proto === IpProto.ICMP) return ICMP4_COUNTERPART[type] ?? -1;
  if (proto === IpProto.ICMPV6) return ICMP6_COUNTERPART[type] ?? -1;
  return -1;
}

/** Protocols whose Community ID requires ports (TCP, UDP, SCTP, ICMP, ICMPv6). */
export function isPortProto(proto: number): boolean {
  return (
    proto === IpProto.TCP ||
    proto === IpProto.UDP ||
    proto === IpProto.SCTP ||
    proto === IpProto.ICMP ||
    proto === IpProto.ICMPV6
  );
}

const input = Buffer.alloc(40);

/** Write 4 (v4) or 16 (v6) address bytes from words (v4: words[0] only). */
function putAddr(buf: Buffer, off: number, v6: boolean, w: ArrayLike<number>, wo: number): number {
  if (!v6) {
    buf.writeUInt32BE((w[wo] ?? 0) >>> 0, off);
    return off + 4;
  }
  for (let i = 0; i < 4; i++) buf.writeUInt32BE((w[wo + i] ?? 0) >>> 0, off + 4 * i);
  return off + 16;
}

/** -1, 0, 1: compare address words (v4: one word, v6: four) as unsigned big-endian numbers. */
function cmpAddr(v6: boolean, a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number): number {
  const n = v6 ? 4 : 1;
  for (let i = 0; i < n; i++) {
    const x = (a[ao + i] ?? 0) >>> 0;
    const y = (b[bo + i] ?? 0) >>> 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Community ID v1 of a tuple whose ports are already port equivalents (for ICMP: type and
 * counterpart-or-code, see icmpCounterpart). Addresses are uint32 words, most significant first
 * (IPv4: one word at the offset). sport/dport < 0 means "no ports" (other IP protocols).
 * oneWay: do not reorder the endpoints (one-way ICMP). Returns "" when a port protocol has no
 * ports (non-first fragment, truncated header): the spec allows an empty id when it cannot apply.
 */
export function communityIdV1(
  ipVersion: 4 | 6,
  proto: number,
  src: ArrayLike<number>,
  srcOff: number,
  dst: ArrayLike<number>,
  dstOff: number,
  sport: number,
  dport: number,
  oneWay: boolean,
  seed = 0,
): string {
  const v6 = ipVersion === 6;
  const hasPorts = sport >= 0 && dport >= 0;
  if (!hasPorts && isPortProto(proto)) return "";
  let flip = false;
  if (!oneWay) {
    const c = cmpAddr(v6, src, srcOff, dst, dstOff);
    // Ordered when saddr < daddr, or equal addresses and sport < dport (pycommunityid is_ordered).
    flip = !(c < 0 || (c === 0 && hasPorts && sport < dport));
  }
  let o = 0;
  input.writeUInt16BE(seed & 0xffff, o);
  o += 2;
  if (flip) {
    o = putAddr(input, o, v6, dst, dstOff);
    o = putAddr(input, o, v6, src, srcOff);
  } else {
    o = putAddr(input, o, v6, src, srcOff);
    o = putAddr(input, o, v6, dst, dstOff);
  }
  input[o++] = proto & 0xff;
  input[o++] = 0;
  if (hasPorts) {
    input.writeUInt16BE((flip ? dport : sport) & 0xffff, o);
    input.writeUInt16BE((flip ? sport : dport) & 0xffff, o + 2);
    o += 4;
  }
  return "1:" + createHash("sha1").update(input.subarray(0, o)).digest("base64");
}

/**
 * Community ID v1 from a packet-style tuple: for ICMP/ICMPv6, sport is the type and dport the code
 * (mapped here); for other port protocols they are the ports; -1 for none. Convenience for tests
 * and one-off use.
 */
export function communityIdOfTuple(
  ipVersion: 4 | 6,
  proto: number,
  src: ArrayLike<number>,
  dst: ArrayLike<number>,
  sport: number,
  dport: number,
  seed = 0,
): string {
  let oneWay = false;
  if ((proto === IpProto.ICMP || proto === IpProto.ICMPV6) && sport >= 0) {
    const c = icmpCounterpart(proto, sport);
    if (c >= 0) dport = c;
    else oneWay = true;
  }
  return communityIdV1(ipVersion, proto, src, 0, dst, 0, sport, dport, oneWay, seed);
}
