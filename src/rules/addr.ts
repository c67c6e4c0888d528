/**
 * Addresses as the rule side names them (rule files, `--home-net`, enforcement scripts): the CIDR
 * parsers of src/net/addr.ts, plus two conventions kept for the modules that import them from here
 * (src/enforce, src/engine): parseIpv4 returns -1 (not null) for bad text, and formatIpv6 takes the
 * four words as one tuple and prints hex groups only. No implementation of its own: every parser and
 * formatter is src/net/addr.ts's. Build-time code, not on the packet hot path; never throws.
 */

import { ipv4ToString, ipv6ToHexString, parseIpv4 as strictIpv4 } from "../net/addr.js";

export {
  cidrContains4,
  cidrContains6,
  parseCidr,
  parseCidrDetailed,
  parseCidrList,
  parseIpv6,
  type CidrParse,
} from "../net/addr.js";

/** Parse dotted-quad IPv4 text ("10.0.0.1") to a uint32, or -1 if not strictly valid. */
export function parseIpv4(text: string): number {
  return strictIpv4(text) ?? -1;
}

/** Format a uint32 as dotted-quad IPv4. */
export const formatIpv4: (v: number) => string = ipv4ToString;

/** Format four uint32 words as RFC 5952 IPv6 text in hex groups (rule text and enforcement scripts). */
export function formatIpv6(w: readonly [number, number, number, number]): string {
  return ipv6ToHexString(w[0], w[1], w[2], w[3]);
}
