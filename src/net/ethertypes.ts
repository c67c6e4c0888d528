/**
 * EtherType values (IEEE 802 numbers, https://www.iana.org/assignments/ieee-802-numbers) pfw decodes
 * through or stores in DecodedPacket.etherType.
 *
 * Guarantees: imports nothing; a const enum, so every use compiles to the plain number (see
 * ./protocols.ts for why that matters on the hot path).
 */

/** EtherTypes pfw knows. */
export const enum EtherType {
  IPV4 = 0x0800,
  ARP = 0x0806,
  /** 802.1Q C-tag. */
  VLAN = 0x8100,
  /** Transparent Ethernet Bridging: pfw's internal "an Ethernet frame follows" (MPLS pseudowire). */
  TEB = 0x6558,
  IPV6 = 0x86dd,
  /** MPLS unicast. */
  MPLS = 0x8847,
  /** MPLS multicast. */
  MPLS_MC = 0x8848,
  /** PPPoE session stage. */
  PPPOE_SESSION = 0x8864,
  /** 802.1ad S-tag. */
  QINQ = 0x88a8,
  /** Pre-standard QinQ tag. */
  QINQ_OLD = 0x9100,
}
