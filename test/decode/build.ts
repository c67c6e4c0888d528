/** Tiny packet builders for edge cases (each case's tshark view is noted in the test using it). */

/** Concatenate byte arrays. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Ethernet II header 02:02:02:02:02:02 <- 04:04:04:04:04:04 with EtherType et, then payload. */
export function eth(et: number, payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(14);
  h.fill(2, 0, 6);
  h.fill(4, 6, 12);
  h[12] = et >> 8;
  h[13] = et & 255;
  return cat(h, payload);
}

/** IPv4 10.0.0.1 -> 10.0.0.2, TTL 64, with options bytes (multiple of 4 unless testing), payload. */
export function ip4(
  proto: number,
  payload: Uint8Array,
  o: { totalLen?: number; ihl?: number; frag?: number; options?: Uint8Array } = {},
): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const ihl = o.ihl ?? 5 + opts.length / 4;
  const tl = o.totalLen ?? 20 + opts.length + payload.length;
  const h = new Uint8Array(20);
  h[0] = 0x40 | (ihl & 15);
  h[2] = tl >> 8;
  h[3] = tl & 255;
  h[5] = 1;
  h[6] = (o.frag ?? 0) >> 8;
  h[7] = (o.frag ?? 0) & 255;
  h[8] = 64;
  h[9] = proto;
  h.set([10, 0, 0, 1, 10, 0, 0, 2], 12);
  return cat(h, opts, payload);
}

/** IPv6 ::1 -> ::2, hop limit 64, next header nh; payload length = payload unless given. */
export function ip6(nh: number, payload: Uint8Array, plen = payload.length): Uint8Array {
  const h = new Uint8Array(40);
  h[0] = 0x60;
  h[4] = plen >> 8;
  h[5] = plen & 255;
  h[6] = nh;
  h[7] = 64;
  h[23] = 1;
  h[39] = 2;
  return cat(h, payload);
}

/** TCP 1234 -> 80, seq 1, ack 2, data offset doff, flags, window 100, options, payload. */
export function tcp(
  flags = 0x018,
  o: { doff?: number; options?: Uint8Array; payload?: Uint8Array } = {},
): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const doff = o.doff ?? 5 + opts.length / 4;
  const h = new Uint8Array(20);
  h.set([0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 2], 0);
  h[12] = (doff << 4) | ((flags >> 8) & 0x0f);
  h[13] = flags & 255;
  h[15] = 100;
  return cat(h, opts, o.payload ?? new Uint8Array(0));
}

/** UDP 53 -> 5353 with the given payload; length field = 8 + payload unless given. */
export function udp(payload: Uint8Array, ulen = 8 + payload.length): Uint8Array {
  return cat(new Uint8Array([0, 53, 0x14, 0xe9, ulen >> 8, ulen & 255, 0, 0]), payload);
}

/** Bytes 0..n-1 of a repeated ASCII text, as filler payload. */
export function text(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = 0x61 + (i % 26);
  return out;
}
