/**
 * Decode events: every way a frame can be malformed or not understood.
 * A decoder that meets bad bytes records the FIRST event (code, layer offset) in the
 * DecodedPacket, keeps the outer layers it already decoded, and returns. It never throws.
 * (After Suricata's decode-events.h.) Codes are stable; append new ones at the end.
 */
export const enum DecodeEvent {
  NONE = 0,
  /** The capture's link type is not one pfw decodes (e.g. NETLINK 253). */
  LINKTYPE_UNSUPPORTED,
  /** Frame shorter than the link-layer header. */
  LINK_TRUNCATED,
  /** EtherType / protocol field names a network protocol pfw does not decode. */
  ETHERTYPE_UNSUPPORTED,
  /** 802.1Q/802.1ad tag cut short. */
  VLAN_TRUNCATED,
  /** More stacked VLAN tags than VLAN_MAX_TAGS. */
  VLAN_TOO_MANY_TAGS,
  /** MPLS label cut short. */
  MPLS_TRUNCATED,
  /** More MPLS labels than MPLS_MAX_LABELS without bottom-of-stack. */
  MPLS_TOO_MANY_LABELS,
  /** MPLS payload is neither IPv4 nor IPv6 (first nibble). */
  MPLS_PAYLOAD_UNKNOWN,
  /** PPPoE session header cut short or bad version/type. */
  PPPOE_TRUNCATED,
  /** PPP protocol (inside PPPoE, or PPP link types 9/50) is not IPv4, IPv6 or MPLS. */
  PPP_PROTO_UNSUPPORTED,
  /** ARP header cut short. */
  ARP_TRUNCATED,
  /** 802.11 header cut short. */
  WLAN_TRUNCATED,
  /** 802.11 frame is management/control, or data without LLC/SNAP to IP. */
  WLAN_NOT_DATA,
  /** Radiotap header cut short or its length field exceeds the frame. */
  RADIOTAP_TRUNCATED,
  /** LLC/SNAP header cut short or not SNAP. */
  LLC_UNSUPPORTED,
  /** Fewer bytes than a minimal IPv4 header. */
  IPV4_TRUNCATED,
  /** IPv4 version field is not 4. */
  IPV4_BAD_VERSION,
  /** IPv4 IHL < 5 (header shorter than 20 bytes). */
  IPV4_HLEN_TOO_SMALL,
  /** IPv4 IHL says more bytes than were captured. */
  IPV4_HLEN_TOO_LARGE,
  /** IPv4 total length smaller than the header length. */
  IPV4_TOTAL_LEN_TOO_SMALL,
  /** IPv4 options malformed (an option length runs past the header). */
  IPV4_OPT_INVALID,
  /** Fewer bytes than the 40-byte IPv6 header. */
  IPV6_TRUNCATED,
  /** IPv6 version field is not 6. */
  IPV6_BAD_VERSION,
  /** IPv6 extension header cut short. */
  IPV6_EXTHDR_TRUNCATED,
  /** More IPv6 extension headers than IPV6_MAX_EXTHDRS. */
  IPV6_TOO_MANY_EXTHDRS,
  /** TCP header cut short (fewer than 20 bytes captured). */
  TCP_TRUNCATED,
  /** TCP data offset < 5. */
  TCP_HLEN_TOO_SMALL,
  /** TCP data offset says more bytes than were captured. */
  TCP_HLEN_TOO_LARGE,
  /** UDP header cut short. */
  UDP_TRUNCATED,
  /** UDP length field < 8 or larger than the IP payload. */
  UDP_BAD_LENGTH,
  /** ICMP header cut short. */
  ICMP_TRUNCATED,
  /** ICMPv6 header cut short. */
  ICMPV6_TRUNCATED,
  /** Link header says there is no packet (e.g. SLL with zero length) or the packet is empty. */
  EMPTY_FRAME,
  /** Linux SLL/SLL2 protocol, NULL/LOOP family, or similar names a protocol pfw does not decode. */
  LINK_PROTO_UNSUPPORTED,
  /** 802.11 data frame with the Protected bit set: the payload is encrypted and cannot be decoded. */
  WLAN_PROTECTED,
  /** IPv6 hop-by-hop or destination option runs past the end of the IP payload. */
  IPV6_OPT_INVALID,
  /**
   * A link header's own length field or structure is invalid: NFLOG TLV shorter than 4 bytes or
   * running past the frame, pflog/PPI/Prism/AVS header length too small or past the frame.
   */
  LINK_HDR_INVALID,
}

/** Stable names of DecodeEvent codes, for reports and the `event` column. */
export const DECODE_EVENT_NAMES: readonly string[] = [
  "",
  "LINKTYPE_UNSUPPORTED",
  "LINK_TRUNCATED",
  "ETHERTYPE_UNSUPPORTED",
  "VLAN_TRUNCATED",
  "VLAN_TOO_MANY_TAGS",
  "MPLS_TRUNCATED",
  "MPLS_TOO_MANY_LABELS",
  "MPLS_PAYLOAD_UNKNOWN",
  "PPPOE_TRUNCATED",
  "PPP_PROTO_UNSUPPORTED",
  "ARP_TRUNCATED",
  "WLAN_TRUNCATED",
  "WLAN_NOT_DATA",
  "RADIOTAP_TRUNCATED",
  "LLC_UNSUPPORTED",
  "IPV4_TRUNCATED",
  "IPV4_BAD_VERSION",
  "IPV4_HLEN_TOO_SMALL",
  "IPV4_HLEN_TOO_LARGE",
  "IPV4_TOTAL_LEN_TOO_SMALL",
  "IPV4_OPT_INVALID",
  "IPV6_TRUNCATED",
  "IPV6_BAD_VERSION",
  "IPV6_EXTHDR_TRUNCATED",
  "IPV6_TOO_MANY_EXTHDRS",
  "TCP_TRUNCATED",
  "TCP_HLEN_TOO_SMALL",
  "TCP_HLEN_TOO_LARGE",
  "UDP_TRUNCATED",
  "UDP_BAD_LENGTH",
  "ICMP_TRUNCATED",
  "ICMPV6_TRUNCATED",
  "EMPTY_FRAME",
  "LINK_PROTO_UNSUPPORTED",
  "WLAN_PROTECTED",
  "IPV6_OPT_INVALID",
  "LINK_HDR_INVALID",
];
