/**
 * Strict IPv4 / IPv6 address and CIDR parsers and formatters for rule files.
 * Guarantees: never throw; accept only canonical-enough text (no leading zeros in IPv4
 * octets, no zone ids, at most one "::", hex groups of 1-4 digits); a CIDR whose host
 * bits are set is rejected (not silently normalised) with a hint naming the network.
 * Build-time code, not on the packet hot path.
 */

import { ipv4ToString, parseIpv4 as strictIpv4, parseIpv6 as strictIpv6 } from "../decode/format.js";
import type { Cidr } from "./types.js";

/** Parse dotted-quad IPv4 text ("10.0.0.1") to a uint32, or -1 if not strictly valid (the decoder's parser). */
export function parseIpv4(text: string): number {
  return strictIpv4(text) ?? -1;
}

/** Parse IPv6 text (RFC 4291 section 2.2, incl. "::" and a trailing dotted IPv4) to four uint32 words, or null. */
export function parseIpv6(text: string): [number, number, number, number] | null {
  return strictIpv6(text);
}

/** Format a uint32 as dotted-quad IPv4. */
export function formatIpv4(v: number): string {
  return ipv4ToString(v);
}

/**
 * Format four uint32 words as plain RFC 5952 IPv6 text (lowercase, longest zero run of 2+ groups compressed),
 * always in hex groups: rule text and enforcement scripts; packet addresses use the decoder's Wireshark-style
 * ipv6ToString (dotted tails for IPv4-mapped addresses).
 */
export function formatIpv6(w: readonly [number, number, number, number]): string {
  const g: number[] = [];
  for (const x of w) g.push((x >>> 16) & 0xffff, x & 0xffff);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(":");
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
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
    if (v4 < 0) return { error: `${JSON.stringify(text)} is not an IPv4/IPv6 address or CIDR` };
    const net = (v4 & topMask(prefix)) >>> 0;
    const textOut = prefix === 32 ? formatIpv4(net) : `${formatIpv4(net)}/${prefix}`;
    if (net !== v4) {
      return { error: `${JSON.stringify(text)} has host bits set (did you mean "${textOut}"?)` };
    }
    return { cidr: { version: 4, v4: net, v6: [0, 0, 0, 0], prefix, text: textOut } };
  }
  const a = parseIpv6(addrText);
  if (a === null) return { error: `${JSON.stringify(text)} is not an IPv4/IPv6 address or CIDR` };
  const net: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) net[i] = ((a[i] ?? 0) & topMask(prefix - 32 * i)) >>> 0;
  const textOut = prefix === 128 ? formatIpv6(net) : `${formatIpv6(net)}/${prefix}`;
  if (net.some((x, i) => x !== a[i])) {
    return { error: `${JSON.stringify(text)} has host bits set (did you mean "${textOut}"?)` };
  }
  return { cidr: { version: 6, v4: 0, v6: net, prefix, text: textOut } };
}

/** Parse an IPv4/IPv6 address or CIDR strictly; null if invalid or if host bits are set. */
export function parseCidr(text: string): Cidr | null {
  return parseCidrDetailed(text).cidr ?? null;
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
