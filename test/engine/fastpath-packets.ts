/**
 * Frames for the fast-path equivalence tests: clean Ethernet/IPv4/TCP|UDP packets of a few tuples and
 * byte-level mutations that take a packet of a cached flow out of the "common shape" (fragments, IP options,
 * bad lengths, VLAN tags, truncation...). Every mutation returns a new array; the base frame is untouched.
 */
import {
  ethernet,
  icmp,
  icmpv6,
  ipv4,
  ipv6,
  tcp,
  udp,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
} from "../support/packet.js";
import type { Pkt } from "./fastpath-harness.js";

export { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN };

const MAC_A = "02:00:00:00:00:0a";
const MAC_B = "02:00:00:00:00:0b";
const ETH = 14;

/** A transport 5-tuple (IPv4 or IPv6 addresses). */
export interface Tuple {
  src: string;
  dst: string;
  proto: 6 | 17;
  sport: number;
  dport: number;
}

/** The reverse direction of t. */
export function rev(t: Tuple): Tuple {
  return { src: t.dst, dst: t.src, proto: t.proto, sport: t.dport, dport: t.sport };
}

function filled(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

/** Options of frame(). */
export interface FrameOpts {
  flags?: number;
  payload?: number;
  seq?: number;
  ack?: number;
  /** TCP MSS option (data offset 6). */
  mss?: number;
  vlan?: number;
  ipId?: number;
  ttl?: number;
}

/** A clean Ethernet II frame of tuple t (IPv4 or IPv6 by address). */
export function frame(t: Tuple, o: FrameOpts = {}): Uint8Array {
  const data = filled(o.payload ?? 0, t.sport ^ t.dport);
  const v6 = t.src.includes(":");
  const l4 =
    t.proto === 6
      ? tcp(
          {
            src: t.src,
            dst: t.dst,
            sport: t.sport,
            dport: t.dport,
            flags: o.flags ?? TCP_ACK,
            seq: o.seq ?? 1000,
            ack: o.ack ?? 2000,
            ...(o.mss !== undefined ? { mss: o.mss } : {}),
          },
          data,
        )
      : udp(t.src, t.dst, t.sport, t.dport, data);
  const l3 = v6
    ? ipv6({ src: t.src, dst: t.dst, nextHeader: t.proto }, l4)
    : ipv4({ src: t.src, dst: t.dst, proto: t.proto, id: o.ipId ?? 7, ttl: o.ttl ?? 64 }, l4);
  return ethernet(MAC_A, MAC_B, v6 ? 0x86dd : 0x0800, l3, o.vlan);
}

/** ICMP echo request (type 8) or reply (0) between two IPv4 hosts. */
export function icmpFrame(src: string, dst: string, type: number, id = 1, seq = 1): Uint8Array {
  return ethernet(MAC_A, MAC_B, 0x0800, ipv4({ src, dst, proto: 1 }, icmp(type, 0, id, seq, filled(32, 1))));
}

/** ICMPv6 echo request (128) or reply (129). */
export function icmpv6Frame(src: string, dst: string, type: number): Uint8Array {
  return ethernet(
    MAC_A,
    MAC_B,
    0x86dd,
    ipv6({ src, dst, nextHeader: 58 }, icmpv6(src, dst, type, 0, 1, 1, filled(16, 2))),
  );
}

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

function get16(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
}

/** IPv4 header checksum of the header at off (recomputed after a mutation, so only the mutation differs). */
function fixIpv4Checksum(b: Uint8Array, off: number): void {
  const ihl = ((b[off] ?? 0) & 0x0f) * 4;
  if (ihl < 20 || off + ihl > b.length) return;
  put16(b, off + 10, 0);
  let sum = 0;
  for (let i = 0; i < ihl; i += 2) sum += get16(b, off + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  put16(b, off + 10, ~sum & 0xffff);
}

/** Where things are in a clean untagged Ethernet frame built by frame() / icmpFrame(). */
function lay(f: Uint8Array): { v6: boolean; l4: number; proto: number } {
  const v6 = get16(f, 12) === 0x86dd;
  return v6
    ? { v6, l4: ETH + 40, proto: f[ETH + 6] ?? 0 }
    : { v6, l4: ETH + ((f[ETH] ?? 0) & 0x0f) * 4, proto: f[ETH + 9] ?? 0 };
}

/** An IPv4-only mutation (IPv6 frames come back unchanged). */
function v4(fn: (b: Uint8Array, f: Uint8Array) => Uint8Array | void): (f: Uint8Array) => Uint8Array {
  return (f) => {
    if (lay(f).v6) return f.slice();
    const b = f.slice();
    const r = fn(b, f);
    const out = r ?? b;
    fixIpv4Checksum(out, ETH);
    return out;
  };
}

/** An IPv6-only mutation (IPv4 frames come back unchanged). */
function v6(fn: (b: Uint8Array, f: Uint8Array) => Uint8Array | void): (f: Uint8Array) => Uint8Array {
  return (f) => {
    if (!lay(f).v6) return f.slice();
    const b = f.slice();
    return fn(b, f) ?? b;
  };
}

/** Insert bytes at offset at of f. */
function insert(f: Uint8Array, at: number, bytes: number[]): Uint8Array {
  const b = new Uint8Array(f.length + bytes.length);
  b.set(f.subarray(0, at), 0);
  b.set(bytes, at);
  b.set(f.subarray(at), at + bytes.length);
  return b;
}

/** IPv4 options inserted after the 20-byte header (IHL and total length adjusted). */
function withIpv4Options(f: Uint8Array, opts: number[]): Uint8Array {
  const b = insert(f, ETH + 20, opts);
  b[ETH] = 0x45 + opts.length / 4;
  put16(b, ETH + 2, get16(f, ETH + 2) + opts.length);
  return b;
}

/** An IPv6 extension header (8 bytes, first byte = next header) inserted after the fixed header. */
function withIpv6Ext(f: Uint8Array, type: number, rest: number[]): Uint8Array {
  const b = insert(f, ETH + 40, [f[ETH + 6] ?? 0, ...rest]);
  b[ETH + 6] = type;
  put16(b, ETH + 4, get16(f, ETH + 4) + 8);
  return b;
}

/**
 * Byte-level mutations of a clean untagged Ethernet frame of frame() / icmpFrame() / icmpv6Frame().
 * IPv4-only ones leave IPv6 frames unchanged and the other way round; TCP/UDP ones leave other protocols.
 */
export const MUTATIONS = {
  /** No change. */
  none: (f: Uint8Array): Uint8Array => f.slice(),
  /** First fragment: MF set, offset 0 (transport header present). */
  firstFragment: v4((b) => void put16(b, ETH + 6, 0x2000)),
  /** Non-first fragment: offset 185 (x8 = 1480), MF clear: no transport header. */
  laterFragment: v4((b) => void put16(b, ETH + 6, 185)),
  /** Non-first fragment with MF set (a middle fragment). */
  middleFragment: v4((b) => void put16(b, ETH + 6, 0x2001)),
  /** Four bytes of IPv4 options (NOP NOP NOP EOL): IHL 6, total length + 4. */
  ipOptions: v4((_b, f) => withIpv4Options(f, [1, 1, 1, 0])),
  /** IPv4 options whose length runs past the header (IPV4_OPT_INVALID). */
  badIpOptions: v4((_b, f) => withIpv4Options(f, [7, 40, 4, 0])),
  /** Loose source route (IHL 7) whose last hop is 198.51.100.200: the decoder's destination changes. */
  lsrr: v4((_b, f) => withIpv4Options(f, [0x83, 7, 4, 198, 51, 100, 200, 0])),
  /** IHL 4 (< 5). */
  ihlTooSmall: v4((b) => void (b[ETH] = 0x44)),
  /** IHL 15 on a short packet. */
  ihlTooLarge: v4((b) => {
    const c = b.slice(0, Math.min(b.length, ETH + 40));
    c[ETH] = 0x4f;
    return c;
  }),
  /** Version nibble 6 in an EtherType-IPv4 frame. */
  badVersion: v4((b) => void (b[ETH] = 0x65)),
  /** IPv4 total length 0 (TSO super-packet). */
  totalLenZero: v4((b) => void put16(b, ETH + 2, 0)),
  /** IPv4 total length 10 (< header). */
  totalLenTooSmall: v4((b) => void put16(b, ETH + 2, 10)),
  /** IPv4 total length 24 (header + 4 bytes: the transport header is cut by the IP length). */
  totalLenCutsL4: v4((b) => void put16(b, ETH + 2, 24)),
  /** IPv4 total length 300 bytes more than the frame holds. */
  totalLenTooLarge: v4((b, f) => void put16(b, ETH + 2, get16(f, ETH + 2) + 300)),
  /** IPv4 reserved ("evil") flag bit and DF set, not a fragment. */
  evilBit: v4((b) => void put16(b, ETH + 6, 0xc000)),
  /** DF clear, not a fragment. */
  dfClear: v4((b) => void put16(b, ETH + 6, 0)),
  /** Another TTL, IP id and TOS (still the common shape: must stay on the fast path and change nothing). */
  ttlId: v4((b) => {
    b[ETH + 1] = 0xb8;
    b[ETH + 8] = 3;
    put16(b, ETH + 4, 0xbeef);
  }),
  /** Protocol byte changed to 47 (GRE), same addresses. */
  protoGre: v4((b) => void (b[ETH + 9] = 47)),
  /** Protocol TCP<->UDP swapped, same bytes. */
  protoSwap: v4((b) => void (b[ETH + 9] = b[ETH + 9] === 6 ? 17 : b[ETH + 9] === 17 ? 6 : 1)),
  /** IPv6 hop-by-hop options header (PadN) before the transport header. */
  v6HopByHop: v6((_b, f) => withIpv6Ext(f, 0, [0, 1, 4, 0, 0, 0, 0])),
  /** IPv6 atomic fragment header (offset 0, M clear). */
  v6AtomicFragment: v6((_b, f) => withIpv6Ext(f, 44, [0, 0, 0, 0, 0, 0, 9])),
  /** IPv6 non-first fragment header (offset 1480). */
  v6LaterFragment: v6((_b, f) => withIpv6Ext(f, 44, [0, 0x05, 0xc8, 0, 0, 0, 9])),
  /** IPv6 payload length 0 (jumbogram without its option / TSO). */
  v6PayloadLenZero: v6((b) => void put16(b, ETH + 4, 0)),
  /** IPv6 payload length 4 (cuts the transport header). */
  v6PayloadLenCutsL4: v6((b) => void put16(b, ETH + 4, 4)),
  /** IPv6 payload length 300 bytes more than the frame holds. */
  v6PayloadLenLarge: v6((b, f) => void put16(b, ETH + 4, get16(f, ETH + 4) + 300)),
  /** Version nibble 4 in an EtherType-IPv6 frame. */
  v6BadVersion: v6((b) => void (b[ETH] = 0x40)),
  /** Traffic class, flow label and hop limit changed (still the common shape). */
  v6FlowLabel: v6((b) => {
    b[ETH] = 0x6b;
    b[ETH + 1] = 0x8f;
    b[ETH + 3] = 0x42;
    b[ETH + 7] = 1;
  }),
  /** Next header 59 (no next header), same bytes. */
  v6NoNext: v6((b) => void (b[ETH + 6] = 59)),
  /** 12 bytes of Ethernet trailer / padding after the IP packet. */
  trailer: (f: Uint8Array): Uint8Array => {
    const b = new Uint8Array(f.length + 12).fill(0xee);
    b.set(f, 0);
    return b;
  },
  /** Padded to the 60-byte Ethernet minimum with zeros (only grows short frames). */
  pad60: (f: Uint8Array): Uint8Array => {
    const b = new Uint8Array(Math.max(60, f.length));
    b.set(f, 0);
    return b;
  },
  /** TCP data offset 4 (< 5). */
  tcpDoffSmall: (f: Uint8Array): Uint8Array => {
    const b = f.slice();
    const { l4, proto } = lay(f);
    if (proto === 6) b[l4 + 12] = 0x40;
    return b;
  },
  /** TCP data offset 15 (60 bytes) on a packet that has fewer. */
  tcpDoffLarge: (f: Uint8Array): Uint8Array => {
    const b = f.slice();
    const { l4, proto } = lay(f);
    if (proto === 6) b[l4 + 12] = 0xf0;
    return b;
  },
  /** TCP data offset 8: 12 bytes of NOP options inserted (IP length adjusted). */
  tcpOptions: (f: Uint8Array): Uint8Array => {
    const { v6: six, l4, proto } = lay(f);
    if (proto !== 6) return f.slice();
    const b = insert(f, l4 + 20, Array<number>(12).fill(1));
    b[l4 + 12] = 0x80;
    if (six) put16(b, ETH + 4, get16(f, ETH + 4) + 12);
    else {
      put16(b, ETH + 2, get16(f, ETH + 2) + 12);
      fixIpv4Checksum(b, ETH);
    }
    return b;
  },
  /** TCP NS and reserved bits set (low nibble of the data-offset byte; flags are 12 bits). */
  tcpReservedBits: (f: Uint8Array): Uint8Array => {
    const b = f.slice();
    const { l4, proto } = lay(f);
    if (proto === 6) b[l4 + 12] = ((b[l4 + 12] ?? 0) & 0xf0) | 0x0f;
    return b;
  },
  /** UDP length field 4 (< 8). */
  udpLenSmall: (f: Uint8Array): Uint8Array => {
    const b = f.slice();
    const { l4, proto } = lay(f);
    if (proto === 17) put16(b, l4 + 4, 4);
    return b;
  },
  /** UDP length field larger than the IP payload. */
  udpLenLarge: (f: Uint8Array): Uint8Array => {
    const b = f.slice();
    const { l4, proto } = lay(f);
    if (proto === 17) put16(b, l4 + 4, get16(f, l4 + 4) + 100);
    return b;
  },
  /** UDP length field smaller than the IP payload but >= 8 (payload cut by the UDP length). */
  udpLenShorter: (f: Uint8Array): Uint8Array => {
    const b = f.slice();
    const { l4, proto } = lay(f);
    if (proto === 17) put16(b, l4 + 4, Math.max(8, get16(f, l4 + 4) - 3));
    return b;
  },
  /** UDP checksum 0 (none), still the common shape. */
  udpNoChecksum: (f: Uint8Array): Uint8Array => {
    const b = f.slice();
    const { l4, proto } = lay(f);
    if (proto === 17) put16(b, l4 + 6, 0);
    return b;
  },
  /** ICMP / ICMPv6 type changed to 13 / 130 and code 1 (another flow key for ICMP). */
  icmpType: (f: Uint8Array): Uint8Array => {
    const b = f.slice();
    const { l4, proto } = lay(f);
    if (proto === 1 || proto === 58) {
      b[l4] = proto === 1 ? 13 : 130;
      b[l4 + 1] = 1;
    }
    return b;
  },
  /** One 802.1Q tag (VLAN 42). */
  vlan: (f: Uint8Array): Uint8Array => insert(f, 12, [0x81, 0x00, 0x00, 42]),
  /** Two 802.1Q tags (QinQ with 0x8100 twice). */
  vlan2: (f: Uint8Array): Uint8Array => insert(f, 12, [0x81, 0x00, 0x00, 42, 0x81, 0x00, 0x00, 7]),
  /** An 802.1ad service tag (0x88a8) and a customer tag. */
  qinq: (f: Uint8Array): Uint8Array => insert(f, 12, [0x88, 0xa8, 0x00, 42, 0x81, 0x00, 0x00, 7]),
  /** A VLAN tag cut short: the frame ends 2 bytes into the tag. */
  vlanTruncated: (f: Uint8Array): Uint8Array => insert(f, 12, [0x81, 0x00]).slice(0, 16),
  /** 802.3 length field instead of an EtherType (bytes after look like IP). */
  ieee8023: (f: Uint8Array): Uint8Array => {
    const b = f.slice();
    put16(b, 12, Math.min(1500, f.length - ETH));
    return b;
  },
  /** EtherType ARP over IP bytes. */
  etherArp: (f: Uint8Array): Uint8Array => {
    const b = f.slice();
    put16(b, 12, 0x0806);
    return b;
  },
  /** EtherType swapped IPv4 <-> IPv6 over the same bytes. */
  etherSwap: (f: Uint8Array): Uint8Array => {
    const b = f.slice();
    put16(b, 12, lay(f).v6 ? 0x0800 : 0x86dd);
    return b;
  },
  /** Destination MAC broadcast (link-layer only). */
  macBroadcast: (f: Uint8Array): Uint8Array => {
    const b = f.slice();
    b.fill(0xff, 0, 6);
    return b;
  },
} satisfies Record<string, (f: Uint8Array) => Uint8Array>;

/** Name of a mutation. */
export type MutationName = keyof typeof MUTATIONS;

/** All mutation names. */
export const MUTATION_NAMES = Object.keys(MUTATIONS) as MutationName[];

/** Record-level variations (caplen / origLen / link type / timestamp presence). */
export type RecordVariant =
  | "plain"
  | "snapInL4" // caplen cuts the transport header
  | "snapInIp" // caplen cuts the IPv4 header
  | "snapInPayload" // caplen cuts the payload only
  | "snapAtL4" // caplen ends exactly at the transport header
  | "origLonger" // origLen > caplen with nothing missing from the IP packet (e.g. FCS)
  | "origShorter" // origLen < caplen (bogus record)
  | "rawIpLink" // same bytes minus Ethernet under LINKTYPE_RAW (101)
  | "noTs"; // pcapng simple packet block: no timestamp

/** All record variants. */
export const RECORD_VARIANTS: RecordVariant[] = [
  "plain",
  "snapInL4",
  "snapInIp",
  "snapInPayload",
  "snapAtL4",
  "origLonger",
  "origShorter",
  "rawIpLink",
  "noTs",
];

/** A Pkt from frame bytes with a record variant. */
export function pkt(data: Uint8Array, tsSec: number, tsNsec = 0, v: RecordVariant = "plain"): Pkt {
  const p: Pkt = { data, tsSec, tsNsec };
  const l4 = lay(data).l4;
  switch (v) {
    case "snapInL4":
      p.caplen = Math.min(data.length, l4 + 6);
      break;
    case "snapInIp":
      p.caplen = Math.min(data.length, ETH + 12);
      break;
    case "snapInPayload":
      p.caplen = Math.max(Math.min(data.length, l4 + 20), data.length - 5);
      break;
    case "snapAtL4":
      p.caplen = Math.min(data.length, l4);
      break;
    case "origLonger":
      p.origLen = data.length + 4;
      break;
    case "origShorter":
      p.origLen = Math.max(0, data.length - 30);
      break;
    case "rawIpLink":
      p.data = data.slice(ETH);
      p.linktype = 101;
      break;
    case "noTs":
      p.hasTs = false;
      p.tsSec = 0;
      p.tsNsec = 0;
      break;
    default:
      break;
  }
  return p;
}
