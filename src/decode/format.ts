/**
 * Text for reporters only (never called by the decoders): addresses as Wireshark 4.0 prints them,
 * TCP flags as tshark prints them, and strict parsers for the rules validator.
 * Allocates strings; keep it off the per-packet hot path unless a line is actually written.
 */
import { Layer, type DecodedPacket } from "./packet.js";

/** Dotted quad of an IPv4 address held as uint32 (10.0.0.1 = 0x0a000001). */
export function ipv4ToString(a: number): string {
  return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/**
 * IPv6 text of four uint32 words (most significant first), RFC 5952 section 4 as Wireshark 4.0
 * prints it: lowercase hex without leading zeros, the longest run of two or more zero groups
 * compressed to "::" (the leftmost on a tie), and the last 32 bits as a dotted quad for
 * IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses, except ::, ::1 and ::ffff
 * style addresses whose zero run covers seven groups (they print as ::1, ::ffff ...).
 */
export function ipv6ToString(a: number, b: number, c: number, d: number): string {
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
  const embedded = bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff));
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
 * Source address of the outermost IP header, "" if none. Also for a header cut short after the
 * source address (ipVersion set, Layer.IPV4/IPV6 not), as tshark shows it.
 */
export function srcAddrString(pkt: DecodedPacket): string {
  if (pkt.ipVersion === 4) return ipv4ToString(pkt.src4);
  if (pkt.ipVersion === 6) return ipv6ToString(pkt.src6a, pkt.src6b, pkt.src6c, pkt.src6d);
  return "";
}

/** Destination address of the outermost IP header, "" if none or not captured. */
export function dstAddrString(pkt: DecodedPacket): string {
  if (pkt.layers & Layer.IPV4) return ipv4ToString(pkt.dst4);
  if (pkt.layers & Layer.IPV6) return ipv6ToString(pkt.dst6a, pkt.dst6b, pkt.dst6c, pkt.dst6d);
  return "";
}

/** TCP flags as tshark prints tcp.flags: "0x" and four lowercase hex digits ("0x0018"); "" if none (< 0). */
export function tcpFlagsHex(flags: number): string {
  if (flags < 0) return "";
  return "0x" + (flags & 0xffff).toString(16).padStart(4, "0");
}

const DEC_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * Strict dotted-quad parser: exactly four decimal parts 0-255, no leading zeros (they are
 * octal to some parsers), no spaces or prefix. Returns the uint32 or null.
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
  const parseSide = (side: string, allowV4: boolean): number[] | null => {
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
  };
  if (dbl >= 0) {
    const left = parseSide(text.slice(0, dbl), false);
    const right = parseSide(text.slice(dbl + 2), true);
    if (left === null || right === null) return null;
    if (left.length + right.length > 7) return null;
    groups.push(...left);
    for (let i = left.length + right.length; i < 8; i++) groups.push(0);
    groups.push(...right);
  } else {
    const all = parseSide(text, true);
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
