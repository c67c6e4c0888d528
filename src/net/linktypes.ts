/**
 * Link-layer numbers: the pcap / pcapng link types (https://www.tcpdump.org/linktypes.html) pfw
 * decodes, and the address-family values the loopback, pf log and NFLOG headers carry.
 *
 * Guarantees: imports nothing; const enums only, so every use compiles to the plain number (no
 * module-cell load on the hot path; see ./protocols.ts).
 */

/** LINKTYPE_* values (pcap header / pcapng interface block) that the decoder understands. */
export const enum LinkType {
  /** BSD loopback, family in host byte order. */
  NULL = 0,
  /** Ethernet. */
  ETHERNET = 1,
  /** PPP, optional FF 03 address/control. */
  PPP = 9,
  /** Raw IP (DLT 12 on most systems). */
  RAW_DLT12 = 12,
  /** Raw IP (DLT 14 on some BSDs). */
  RAW_DLT14 = 14,
  /** PPP in HDLC-like framing (RFC 1662). */
  PPP_HDLC = 50,
  /** Raw IP, version nibble decides. */
  RAW = 101,
  /** Cisco HDLC. */
  C_HDLC = 104,
  /** 802.11 without radio header. */
  IEEE802_11 = 105,
  /** OpenBSD loopback, family in network byte order. */
  LOOP = 108,
  /** Linux cooked capture v1. */
  LINUX_SLL = 113,
  /** OpenBSD/FreeBSD pf log. */
  PFLOG = 117,
  /** Prism header + 802.11. */
  IEEE802_11_PRISM = 119,
  /** Radiotap + 802.11. */
  IEEE802_11_RADIOTAP = 127,
  /** AVS header + 802.11. */
  IEEE802_11_AVS = 163,
  /** PPI header + 802.11 (or Ethernet). */
  PPI = 192,
  /** Raw IPv4. */
  IPV4 = 228,
  /** Raw IPv6. */
  IPV6 = 229,
  /** Linux netfilter NFLOG. */
  NFLOG = 239,
  /** Linux cooked capture v2. */
  LINUX_SLL2 = 276,
}

/**
 * Address families as link headers carry them: the BSD loopback (NULL / LOOP) family word, the pf log
 * header's af byte and the NFLOG header's family byte. AF_INET is 2 everywhere; AF_INET6 differs.
 */
export const enum AddrFamily {
  INET = 2,
  /** AF_INET6 on Linux (NFLOG, Linux loopback captures). */
  INET6_LINUX = 10,
  /** AF_INET6 on OpenBSD / NetBSD. */
  INET6_BSD = 24,
  /** AF_INET6 on FreeBSD. */
  INET6_FREEBSD = 28,
  /** AF_INET6 on macOS / iOS. */
  INET6_DARWIN = 30,
}

/** Linux ARPHRD_* hardware types (the Linux cooked headers' hatype field) that change how pfw decodes. */
export const enum ArpHrd {
  /** The payload is radiotap + 802.11 (a monitor-mode interface captured through "any"). */
  IEEE80211_RADIOTAP = 803,
  /** The payload is a netlink message, not a network packet. */
  NETLINK = 824,
}
