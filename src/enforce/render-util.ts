/**
 * Text rendering shared by the script generators. Everything is produced from numbers
 * (never from user text), so generated scripts contain only what these functions print.
 */
import { formatIpv4, formatIpv6 } from "../rules/addr.js";
import type { Cidr, PortRange } from "../rules/types.js";

function topMask(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/** "10.0.0.0/8", "1.2.3.4", "fd00::/8", "::1": network address (host bits cleared), prefix omitted for hosts. */
export function cidrText(c: Cidr): string {
  if (c.version === 4) {
    const net = (c.v4 & topMask(c.prefix)) >>> 0;
    return c.prefix === 32 ? formatIpv4(net) : `${formatIpv4(net)}/${c.prefix}`;
  }
  const w: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) w[i] = ((c.v6[i] ?? 0) & topMask(c.prefix - 32 * i)) >>> 0;
  return c.prefix === 128 ? formatIpv6(w) : `${formatIpv6(w)}/${c.prefix}`;
}

/** Distinct texts of a CIDR list, in first-seen order. */
export function cidrTexts(list: readonly Cidr[]): string[] {
  return [...new Set(list.map(cidrText))];
}

/** Port range as text with the given range separator ("80-90" for nft, "80:90" for iptables). */
export function portText(r: PortRange, sep: string): string {
  return r.lo === r.hi ? String(r.lo) : `${r.lo}${sep}${r.hi}`;
}
