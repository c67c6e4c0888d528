/**
 * IP protocol numbers (IANA "Assigned Internet Protocol Numbers"; IPv6 Next Header values) and the
 * names pfw prints and reads for them. The one table of protocol numbers: decoders, rules, flows,
 * reports and enforcement scripts all take their numbers and names from here.
 *
 * Guarantees:
 *  - imports nothing;
 *  - IpProto is a const enum: the compiler writes the plain number at every use, so a hot path that
 *    compares against IpProto.TCP costs exactly what comparing against the literal 6 costs (a
 *    module-level `export const` would be a module-cell load per use in V8, not a constant);
 *  - every name table is frozen data built once at module load; the lookups allocate nothing except
 *    protoLogName's `IP-<n>` for protocols without a name (report time only).
 */

/** IP protocol numbers (and IPv6 extension-header Next Header values) pfw names or decodes. */
export const enum IpProto {
  /** IPv6 hop-by-hop options (RFC 8200 section 4.3). */
  HOPOPTS = 0,
  ICMP = 1,
  IGMP = 2,
  /** IPv4 in IP. */
  IPIP = 4,
  TCP = 6,
  UDP = 17,
  /** IPv6 in IP. */
  IPV6 = 41,
  /** IPv6 routing header (RFC 8200 section 4.4). */
  ROUTING = 43,
  /** IPv6 fragment header (RFC 8200 section 4.5). */
  FRAGMENT = 44,
  GRE = 47,
  ESP = 50,
  /** Authentication header (RFC 4302); also an IPv6 extension header. */
  AH = 51,
  ICMPV6 = 58,
  /** IPv6 "no next header" (RFC 8200 section 4.7). */
  NONE = 59,
  /** IPv6 destination options (RFC 8200 section 4.6). */
  DSTOPTS = 60,
  OSPF = 89,
  SCTP = 132,
}

/** Names the suspicious-packets log and the console print (PROTO column); others print as `IP-<n>`. */
const LOG_NAMES: readonly (string | undefined)[] = (() => {
  const t: (string | undefined)[] = new Array<string | undefined>(256).fill(undefined);
  t[IpProto.ICMP] = "ICMP";
  t[IpProto.IGMP] = "IGMP";
  t[IpProto.TCP] = "TCP";
  t[IpProto.UDP] = "UDP";
  t[IpProto.GRE] = "GRE";
  t[IpProto.ESP] = "ESP";
  t[IpProto.AH] = "AH";
  t[IpProto.ICMPV6] = "ICMPv6";
  t[IpProto.OSPF] = "OSPF";
  t[IpProto.SCTP] = "SCTP";
  return Object.freeze(t);
})();

/** Protocol name as the packet log prints it: TCP, UDP, ICMP, ICMPv6, GRE, ESP, AH, SCTP, IGMP, OSPF, else IP-<n>. */
export function protoLogName(proto: number): string {
  return (proto >= 0 && proto < 256 ? LOG_NAMES[proto] : undefined) ?? `IP-${proto}`;
}

/**
 * Protocol names of the native rule format, lowercase (matched case-insensitively). Key order is the
 * order rule-file messages list them in.
 */
export const RULE_PROTO_NAMES: Readonly<Record<string, number>> = Object.freeze({
  icmp: IpProto.ICMP,
  igmp: IpProto.IGMP,
  tcp: IpProto.TCP,
  udp: IpProto.UDP,
  gre: IpProto.GRE,
  esp: IpProto.ESP,
  ah: IpProto.AH,
  icmpv6: IpProto.ICMPV6,
  sctp: IpProto.SCTP,
});

/**
 * Protocol names of the legacy rule format (the original project's, as Scapy named a packet whose
 * transport header it decoded); any other packet is named by its decimal protocol number.
 */
export const LEGACY_PROTO_NAMES: Readonly<Record<string, number>> = Object.freeze({
  TCP: IpProto.TCP,
  UDP: IpProto.UDP,
  ICMP: IpProto.ICMP,
});

/** Protocols whose transport header pfw's decoder decodes (TCP, UDP, ICMP, ICMPv6). */
export const TRANSPORT_HEADER_PROTOS: readonly number[] = Object.freeze([
  IpProto.ICMP,
  IpProto.TCP,
  IpProto.UDP,
  IpProto.ICMPV6,
]);
