/**
 * The one packet and capture-file builder of the tests, the benchmarks (bench/) and the fixture scripts
 * (scripts/). Two parts:
 * - frames: Ethernet (+802.1Q), ARP, IPv4, IPv6, TCP, UDP, ICMP, ICMPv6 and small DNS messages with correct
 *   checksums, plus a deterministic PRNG for payloads;
 * - capture files: classic pcap and pcapng bytes in either byte order, block by block, including deliberately
 *   corrupt variants (wrong trailers, caplen fields, versions) for the reader tests.
 * Guarantees: deterministic (the same arguments give the same bytes; fixtures/ and the golden files depend
 * on it, so a change here that changes bytes must regenerate and re-review them). Allocates per call: never
 * use on a hot path (bench/synth.ts prebuilds templates and only rewrites timestamps).
 */

/* ---------- frames ---------- */

/** MAC address as 6 bytes, IPv4 as "a.b.c.d", IPv6 as full or "::"-compressed text. */
export type Mac = string;

/** Parse "aa:bb:cc:dd:ee:ff". */
export function mac(s: Mac): Uint8Array {
  const parts = s.split(":");
  if (parts.length !== 6) throw new Error(`bad MAC ${s}`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** Parse dotted IPv4 text to 4 bytes. */
export function ipv4Bytes(s: string): Uint8Array {
  const parts = s.split(".").map(Number);
  if (parts.length !== 4 || parts.some((n) => !(n >= 0 && n <= 255))) throw new Error(`bad IPv4 ${s}`);
  return Uint8Array.from(parts);
}

/** Parse IPv6 text (with optional "::") to 16 bytes. */
export function ipv6Bytes(s: string): Uint8Array {
  const [head, tail] = s.includes("::") ? s.split("::") : [s, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  if (groups.length !== 8) throw new Error(`bad IPv6 ${s}`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/** Internet checksum (RFC 1071) over several byte ranges. */
export function inetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd = false;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      sum += odd ? p[i]! : p[i]! << 8;
      odd = !odd;
    }
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Ethernet II frame, with an optional 802.1Q tag. */
export function ethernet(
  src: Mac,
  dst: Mac,
  ethertype: number,
  payload: Uint8Array,
  vlan?: number,
): Uint8Array {
  const tag = vlan === undefined ? 0 : 4;
  const h = new Uint8Array(14 + tag);
  h.set(mac(dst), 0);
  h.set(mac(src), 6);
  if (vlan !== undefined) {
    put16(h, 12, 0x8100);
    put16(h, 14, vlan & 0x0fff);
  }
  put16(h, 12 + tag, ethertype);
  return concat(h, payload);
}

/** ARP request (op 1) or reply (op 2) for Ethernet/IPv4. */
export function arp(
  op: 1 | 2,
  senderMac: Mac,
  senderIp: string,
  targetMac: Mac,
  targetIp: string,
): Uint8Array {
  const b = new Uint8Array(28);
  put16(b, 0, 1);
  put16(b, 2, 0x0800);
  b[4] = 6;
  b[5] = 4;
  put16(b, 6, op);
  b.set(mac(senderMac), 8);
  b.set(ipv4Bytes(senderIp), 14);
  b.set(mac(targetMac), 18);
  b.set(ipv4Bytes(targetIp), 24);
  return b;
}

/** IPv4 header fields. */
export interface Ipv4Opts {
  src: string;
  dst: string;
  proto: number;
  ttl?: number;
  id?: number;
  /** Don't-fragment flag (default true). */
  df?: boolean;
}

/** IPv4 packet around payload (transport checksum must already be set). */
export function ipv4(o: Ipv4Opts, payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(20);
  h[0] = 0x45;
  put16(h, 2, 20 + payload.length);
  put16(h, 4, o.id ?? 0);
  put16(h, 6, o.df === false ? 0 : 0x4000);
  h[8] = o.ttl ?? 64;
  h[9] = o.proto;
  h.set(ipv4Bytes(o.src), 12);
  h.set(ipv4Bytes(o.dst), 16);
  put16(h, 10, inetChecksum(h));
  return concat(h, payload);
}

/** IPv6 header fields. */
export interface Ipv6Opts {
  src: string;
  dst: string;
  nextHeader: number;
  hopLimit?: number;
}

/** IPv6 packet around payload. */
export function ipv6(o: Ipv6Opts, payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(40);
  h[0] = 0x60;
  put16(h, 4, payload.length);
  h[6] = o.nextHeader;
  h[7] = o.hopLimit ?? 64;
  h.set(ipv6Bytes(o.src), 8);
  h.set(ipv6Bytes(o.dst), 24);
  return concat(h, payload);
}

function pseudoHeader(src: string, dst: string, proto: number, len: number): Uint8Array {
  if (src.includes(":")) {
    const p = new Uint8Array(40);
    p.set(ipv6Bytes(src), 0);
    p.set(ipv6Bytes(dst), 16);
    put32(p, 32, len);
    p[39] = proto;
    return p;
  }
  const p = new Uint8Array(12);
  p.set(ipv4Bytes(src), 0);
  p.set(ipv4Bytes(dst), 4);
  p[9] = proto;
  put16(p, 10, len);
  return p;
}

/** TCP flag FIN. */
export const TCP_FIN = 0x01;
/** TCP flag SYN. */
export const TCP_SYN = 0x02;
/** TCP flag RST. */
export const TCP_RST = 0x04;
/** TCP flag PSH. */
export const TCP_PSH = 0x08;
/** TCP flag ACK. */
export const TCP_ACK = 0x10;

/** TCP segment fields; src/dst are the IP addresses (for the checksum). */
export interface TcpOpts {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  flags: number;
  window?: number;
  /** Add an MSS option (SYN segments). */
  mss?: number;
}

/** TCP segment with checksum. */
export function tcp(o: TcpOpts, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const optLen = o.mss === undefined ? 0 : 4;
  const h = new Uint8Array(20 + optLen);
  put16(h, 0, o.sport);
  put16(h, 2, o.dport);
  put32(h, 4, o.seq ?? 0);
  put32(h, 8, o.ack ?? 0);
  h[12] = ((20 + optLen) / 4) << 4;
  h[13] = o.flags;
  put16(h, 14, o.window ?? 64240);
  if (o.mss !== undefined) {
    h[20] = 2;
    h[21] = 4;
    put16(h, 22, o.mss);
  }
  const seg = concat(h, payload);
  const proto = 6;
  put16(seg, 16, inetChecksum(pseudoHeader(o.src, o.dst, proto, seg.length), seg));
  return seg;
}

/** UDP datagram with checksum. */
export function udp(src: string, dst: string, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const d = new Uint8Array(8 + payload.length);
  put16(d, 0, sport);
  put16(d, 2, dport);
  put16(d, 4, d.length);
  d.set(payload, 8);
  let c = inetChecksum(pseudoHeader(src, dst, 17, d.length), d);
  if (c === 0) c = 0xffff;
  put16(d, 6, c);
  return d;
}

/** ICMP / ICMPv6 message with a zero checksum: type, code, 4 bytes rest-of-header (id/seq for echo), data. */
function icmpMessage(type: number, code: number, id: number, seq: number, data: Uint8Array): Uint8Array {
  const m = new Uint8Array(8 + data.length);
  m[0] = type;
  m[1] = code;
  put16(m, 4, id);
  put16(m, 6, seq);
  m.set(data, 8);
  return m;
}

/** ICMP (IPv4) message: type, code, 4 bytes rest-of-header (id/seq for echo), data. */
export function icmp(type: number, code: number, id: number, seq: number, data: Uint8Array): Uint8Array {
  const m = icmpMessage(type, code, id, seq, data);
  put16(m, 2, inetChecksum(m));
  return m;
}

/** ICMPv6 message (checksum over the IPv6 pseudo-header). */
export function icmpv6(
  src: string,
  dst: string,
  type: number,
  code: number,
  id: number,
  seq: number,
  data: Uint8Array,
): Uint8Array {
  const m = icmpMessage(type, code, id, seq, data);
  put16(m, 2, inetChecksum(pseudoHeader(src, dst, 58, m.length), m));
  return m;
}

/** Bytes of an ASCII string. */
export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

/** Deterministic PRNG (mulberry32) returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n pseudo-random bytes from rnd. */
export function randomBytes(rnd: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (rnd() * 256) | 0;
  return b;
}

/** Minimal DNS query for an A (1) or AAAA (28) record. */
export function dnsQuery(id: number, name: string, qtype = 1): Uint8Array {
  const labels = name.split(".").flatMap((l) => [l.length, ...ascii(l)]);
  const q = new Uint8Array(12 + labels.length + 1 + 4);
  put16(q, 0, id);
  put16(q, 2, 0x0100);
  put16(q, 4, 1);
  q.set(labels, 12);
  const o = 12 + labels.length + 1;
  put16(q, o, qtype);
  put16(q, o + 2, 1);
  return q;
}

/** DNS response to dnsQuery with one A answer. */
export function dnsAnswer(id: number, name: string, addr: string): Uint8Array {
  const q = dnsQuery(id, name, 1);
  put16(q, 2, 0x8180);
  put16(q, 6, 1);
  const a = new Uint8Array(16);
  put16(a, 0, 0xc00c);
  put16(a, 2, 1);
  put16(a, 4, 1);
  put32(a, 6, 300);
  put16(a, 10, 4);
  a.set(ipv4Bytes(addr), 12);
  return concat(q, a);
}

/* ---------- capture files ---------- */

/** Little helper writing numbers in a chosen byte order. */
export class Bytes {
  private parts: number[] = [];
  /** le: little-endian numbers (default). */
  constructor(readonly le = true) {}
  /** Append one byte. */
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  /** Append a 16-bit number. */
  u16(v: number): this {
    const b = [v & 0xff, (v >> 8) & 0xff];
    this.parts.push(...(this.le ? b : b.reverse()));
    return this;
  }
  /** Append a 32-bit number. */
  u32(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
    this.parts.push(...(this.le ? b : b.reverse()));
    return this;
  }
  /** Append bytes. */
  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]!);
    return this;
  }
  /** Append zeros up to a multiple of 4 bytes. */
  pad4(): this {
    while (this.parts.length % 4) this.parts.push(0);
    return this;
  }
  /** Bytes so far. */
  get length(): number {
    return this.parts.length;
  }
  /** The bytes. */
  out(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** Concatenation of byte arrays. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** n recognisable payload bytes. */
export function payload(n: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff);
}

/** One record of pcapFile(). */
export interface PcapRec {
  sec: number;
  frac: number;
  data: Uint8Array;
  orig?: number;
  /** Override the caplen field (for corrupt files). */
  caplenField?: number;
}

/** Classic pcap file bytes. magic: the numeric magic written in the chosen byte order. */
export function pcapFile(opts: {
  le?: boolean;
  magic?: number;
  major?: number;
  minor?: number;
  linktype?: number;
  snaplen?: number;
  records: PcapRec[];
}): Uint8Array {
  const b = new Bytes(opts.le ?? true);
  const magic = opts.magic ?? 0xa1b2c3d4;
  b.u32(magic)
    .u16(opts.major ?? 2)
    .u16(opts.minor ?? 4)
    .u32(0)
    .u32(0)
    .u32(opts.snaplen ?? 65535)
    .u32(opts.linktype ?? 1);
  for (const r of opts.records) {
    b.u32(r.sec)
      .u32(r.frac)
      .u32(r.caplenField ?? r.data.length)
      .u32(r.orig ?? r.data.length);
    if (magic === 0xa1b2cd34) b.u32(3).u16(0x0800).u8(0).u8(0);
    b.bytes(r.data);
  }
  return b.out();
}

/** One pcapng option. */
export function opt(le: boolean, code: number, value: Uint8Array): Uint8Array {
  return new Bytes(le).u16(code).u16(value.length).bytes(value).pad4().out();
}
/** The pcapng end-of-options option. */
export const END_OPT = (le: boolean): Uint8Array => new Bytes(le).u32(0).out();

/** A generic pcapng block: type, body (already padded), trailer = total length (override for corruption). */
export function block(le: boolean, type: number, body: Uint8Array, trailer?: number): Uint8Array {
  const total = 12 + body.length;
  return new Bytes(le)
    .u32(type)
    .u32(total)
    .bytes(body)
    .u32(trailer ?? total)
    .out();
}

/** pcapng Section Header Block (byte-order magic, version 1.0 unless given, unknown section length). */
export function shb(
  le: boolean,
  opts: { major?: number; minor?: number; options?: Uint8Array } = {},
): Uint8Array {
  const body = new Bytes(le)
    .u32(0x1a2b3c4d)
    .u16(opts.major ?? 1)
    .u16(opts.minor ?? 0)
    .u32(0xffffffff)
    .u32(0xffffffff)
    .bytes(opts.options ?? new Uint8Array(0))
    .out();
  return block(le, 0x0a0d0d0a, body);
}

/** pcapng Interface Description Block. */
export function idb(le: boolean, linktype: number, snaplen = 0, options?: Uint8Array): Uint8Array {
  const body = new Bytes(le)
    .u16(linktype)
    .u16(0)
    .u32(snaplen)
    .bytes(options ?? new Uint8Array(0))
    .out();
  return block(le, 1, body);
}

/** pcapng Enhanced Packet Block (timestamp as high and low 32-bit words). */
export function epb(
  le: boolean,
  ifid: number,
  hi: number,
  lo: number,
  data: Uint8Array,
  orig?: number,
  options?: Uint8Array,
): Uint8Array {
  const body = new Bytes(le)
    .u32(ifid)
    .u32(hi)
    .u32(lo)
    .u32(data.length)
    .u32(orig ?? data.length)
    .bytes(data)
    .pad4()
    .bytes(options ?? new Uint8Array(0))
    .out();
  return block(le, 6, body);
}

/** pcapng obsolete Packet Block (16-bit interface id). */
export function pb(le: boolean, ifid: number, hi: number, lo: number, data: Uint8Array): Uint8Array {
  const body = new Bytes(le)
    .u16(ifid)
    .u16(0)
    .u32(hi)
    .u32(lo)
    .u32(data.length)
    .u32(data.length)
    .bytes(data)
    .pad4()
    .out();
  return block(le, 2, body);
}

/** pcapng Simple Packet Block. */
export function spb(le: boolean, orig: number, data: Uint8Array): Uint8Array {
  const body = new Bytes(le).u32(orig).bytes(data).pad4().out();
  return block(le, 3, body);
}
