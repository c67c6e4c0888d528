/**
 * IP address text: IPv4 as uint32 <-> dotted quad, IPv6 as four uint32 words (most significant first)
 * or 16 bytes <-> RFC 5952 text, and strict address / CIDR parsers for rule files and the CLI.
 * The one implementation of each: decoders' reporters, rules, flows, reports and enforcement scripts
 * all print and parse addresses through this module.
 *
 * Guarantees:
 *  - imports nothing; never throws (a bad text is null or an error message, never an exception);
 *  - parsers are strict: exactly four decimal IPv4 parts without leading zeros (they are octal to some
 *    parsers); IPv6 hex groups of 1-4 digits, at most one "::", an optional dotted-quad tail, no zone id,
 *    no brackets; a CIDR with host bits set is an error naming the network meant, not normalised;
 *  - formatting and parsing allocate strings / small arrays: report time and load time only, never the
 *    per-packet hot path (reporters format only the lines they write).
 */

/** An address block. v4: the uint32 network; v6: four uint32 words, most significant first. */
export interface Cidr {
  version: 4 | 6;
  /** IPv4 network address as uint32 (only for version 4). */
  v4: number;
  /** IPv6 network address words (only for version 6; zeros for v4). */
  v6: [number, number, number, number];
  /** Prefix length: 0..32 or 0..128. */
  prefix: number;
  /** The text the user wrote (for messages and scripts), normalised, e.g. "10.0.0.0/8". */
  text: string;
}

/** Dotted quad of an IPv4 address held as uint32 (10.0.0.1 = 0x0a000001). */
export function ipv4ToString(a: number): string {
  return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/**
 * RFC 5952 section 4 text of four words: lowercase hex without leading zeros, the longest run of two or
 * more zero groups compressed to "::" (the leftmost on a tie). mixed: the last 32 bits as a dotted quad
 * (section 5) for IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses, as Wireshark
 * 4.0 prints them, except where the zero run covers seven groups (::1, ::ffff stay hex).
 */
function ipv6Text(a: number, b: number, c: number, d: number, mixed: boolean): string {
  const w = [a >>> 16, a & 0xffff, b >>> 16, b & 0xffff, c >>> 16, c & 0xffff, d >>> 16, d & 0xffff];
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  const embedded = mixed && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff));
  const groups = embedded ? 6 : 8;
  let s = "";
  for (let i = 0; i < groups; i++) {
    if (i === bestBase) {
      s += "::";
      i += bestLen - 1;
      continue;
    }
    if (s !== "" && !s.endsWith(":")) s += ":";
    s += (w[i] as number).toString(16);
  }
  if (embedded) {
    if (!s.endsWith(":")) s += ":";
    s += ipv4ToString(d);
  }
  return s;
}

/**
 * IPv6 text of a packet address, as Wireshark 4.0 prints it: RFC 5952, with a dotted-quad tail for
 * IPv4-mapped and IPv4-compatible addresses (::ffff:192.0.2.1, ::192.0.2.1); ::1 and ::ffff stay hex.
 */
export function ipv6ToString(a: number, b: number, c: number, d: number): string {
  return ipv6Text(a, b, c, d, true);
}

/** IPv6 text in hex groups only (RFC 5952 without the dotted tail): rule text and enforcement scripts. */
export function ipv6ToHexString(a: number, b: number, c: number, d: number): string {
  return ipv6Text(a, b, c, d, false);
}

/** ipv6ToString of the 16 bytes at buf[off, off + 16) (network byte order). */
export function ipv6BytesToString(buf: Uint8Array, off: number): string {
  const word = (i: number): number =>
    (((buf[off + i] ?? 0) << 24) |
      ((buf[off + i + 1] ?? 0) << 16) |
      ((buf[off + i + 2] ?? 0) << 8) |
      (buf[off + i + 3] ?? 0)) >>>
    0;
  return ipv6ToString(word(0), word(4), word(8), word(12));
}

const DEC_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * Strict dotted-quad parser: exactly four decimal parts 0-255, no leading zeros, no spaces or prefix.
 * Returns the uint32 or null.
 */
export function parseIpv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!DEC_OCTET.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v;
}

/**
 * Strict IPv6 parser (RFC 4291 section 2.2): eight hex groups of 1-4 digits, at most one "::",
 * optionally ending in a dotted quad; no zone id, no prefix length, no brackets.
 * Returns four uint32 words, most significant first, or null.
 */
export function parseIpv6(text: string): [number, number, number, number] | null {
  if (text.length < 2 || text.length > 45) return null;
  const dbl = text.indexOf("::");
  if (dbl >= 0 && text.indexOf("::", dbl + 1) >= 0) return null;
  const groups: number[] = [];
  if (dbl >= 0) {
    const left = hexGroups(text.slice(0, dbl), false);
    const right = hexGroups(text.slice(dbl + 2), true);
    if (left === null || right === null) return null;
    if (left.length + right.length > 7) return null;
    groups.push(...left);
    for (let i = left.length + right.length; i < 8; i++) groups.push(0);
    groups.push(...right);
  } else {
    const all = hexGroups(text, true);
    if (all === null || all.length !== 8) return null;
    groups.push(...all);
  }
  const g = (i: number): number => groups[i] as number;
  return [
    ((g(0) << 16) | g(1)) >>> 0,
    ((g(2) << 16) | g(3)) >>> 0,
    ((g(4) << 16) | g(5)) >>> 0,
    ((g(6) << 16) | g(7)) >>> 0,
  ];
}

/** The 16-bit groups of one side of "::" (allowV4: the last part may be a dotted quad), or null. */
function hexGroups(side: string, allowV4: boolean): number[] | null {
  if (side === "") return [];
  const parts = side.split(":");
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (allowV4 && i === parts.length - 1 && p.includes(".")) {
      const v4 = parseIpv4(p);
      if (v4 === null) return null;
      out.push(v4 >>> 16, v4 & 0xffff);
    } else {
      if (!HEX_GROUP.test(p)) return null;
      out.push(parseInt(p, 16));
    }
  }
  return out;
}

/** The 16 bytes (network byte order) of IPv6 text, as parseIpv6 accepts it, or null. */
export function parseIpv6Bytes(text: string): Uint8Array | null {
  const w = parseIpv6(text);
  if (w === null) return null;
  const out = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const x = w[i] as number;
    out[i * 4] = x >>> 24;
    out[i * 4 + 1] = (x >>> 16) & 0xff;
    out[i * 4 + 2] = (x >>> 8) & 0xff;
    out[i * 4 + 3] = x & 0xff;
  }
  return out;
}

/** Mask of the top `bits` bits of a 32-bit word (0..32), as uint32. */
function topMask(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/** Result of the detailed parser: a Cidr, or a message explaining why the text is not one. */
export type CidrParse = { cidr: Cidr; error?: undefined } | { cidr?: undefined; error: string };

/**
 * Parse "a.b.c.d", "a.b.c.d/p", an IPv6 address or "v6/p". Host bits set is an error
 * (the message suggests the network), because "192.168.1.5/24" is usually a mistake.
 * Cidr.text is the normalised form: no "/32" or "/128", IPv6 in hex groups (ipv6ToHexString).
 */
export function parseCidrDetailed(text: string): CidrParse {
  const slash = text.indexOf("/");
  const addrText = slash >= 0 ? text.slice(0, slash) : text;
  const prefText = slash >= 0 ? text.slice(slash + 1) : null;
  const is6 = addrText.includes(":");
  const maxPrefix = is6 ? 128 : 32;
  let prefix = maxPrefix;
  if (prefText !== null) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefText) || Number(prefText) > maxPrefix) {
      return { error: `${JSON.stringify(text)} has a bad prefix length (0-${maxPrefix})` };
    }
    prefix = Number(prefText);
  }
  if (!is6) {
    const v4 = parseIpv4(addrText);
    if (v4 === null) return { error: `${JSON.stringify(text)} is not an IPv4/IPv6 address or CIDR` };
    const net = (v4 & topMask(prefix)) >>> 0;
    const textOut = prefix === 32 ? ipv4ToString(net) : `${ipv4ToString(net)}/${prefix}`;
    if (net !== v4) {
      return { error: `${JSON.stringify(text)} has host bits set (did you mean "${textOut}"?)` };
    }
    return { cidr: { version: 4, v4: net, v6: [0, 0, 0, 0], prefix, text: textOut } };
  }
  const a = parseIpv6(addrText);
  if (a === null) return { error: `${JSON.stringify(text)} is not an IPv4/IPv6 address or CIDR` };
  const net: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) net[i] = ((a[i] ?? 0) & topMask(prefix - 32 * i)) >>> 0;
  const hex = ipv6ToHexString(net[0], net[1], net[2], net[3]);
  const textOut = prefix === 128 ? hex : `${hex}/${prefix}`;
  if (net.some((x, i) => x !== a[i])) {
    return { error: `${JSON.stringify(text)} has host bits set (did you mean "${textOut}"?)` };
  }
  return { cidr: { version: 6, v4: 0, v6: net, prefix, text: textOut } };
}

/** Parse an IPv4/IPv6 address or CIDR strictly; null if invalid or if host bits are set. */
export function parseCidr(text: string): Cidr | null {
  return parseCidrDetailed(text).cidr ?? null;
}

/**
 * Parse a comma-separated list of addresses/CIDRs (the CLI's `--home-net 192.168.0.0/16,fd00::/8`).
 * Blank items are ignored; every bad item gives one error message.
 */
export function parseCidrList(text: string): { cidrs: Cidr[]; errors: string[] } {
  const cidrs: Cidr[] = [];
  const errors: string[] = [];
  for (const raw of text.split(",")) {
    const item = raw.trim();
    if (item === "") continue;
    const r = parseCidrDetailed(item);
    if (r.cidr) cidrs.push(r.cidr);
    else errors.push(r.error);
  }
  return { cidrs, errors };
}

/** Whether an IPv4 address (uint32) is inside a v4 CIDR. */
export function cidrContains4(c: Cidr, addr: number): boolean {
  return c.version === 4 && (addr & topMask(c.prefix)) >>> 0 === c.v4;
}

/** Whether an IPv6 address (four uint32 words) is inside a v6 CIDR. */
export function cidrContains6(c: Cidr, a: number, b: number, cc: number, d: number): boolean {
  if (c.version !== 6) return false;
  const w = [a, b, cc, d];
  for (let i = 0; i < 4; i++) {
    const m = topMask(c.prefix - 32 * i);
    if (((w[i] ?? 0) & m) >>> 0 !== c.v6[i]) return false;
  }
  return true;
}
