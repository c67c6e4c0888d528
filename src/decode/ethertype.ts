/**
 * Dispatch on an EtherType down to the network layer, through any number of shim layers
 * (VLAN tags, MPLS labels with pseudowire Ethernet, PPPoE, LLC/SNAP), at most ENCAP_MAX_DEPTH steps.
 * Hot path: a loop with a switch, no recursion, no allocation.
 */
import { u16be } from "./bytes.js";
import { decodeArp } from "./arp.js";
import { DecodeEvent } from "./events.js";
import { decodeIpv4 } from "./ipv4.js";
import { decodeIpv6 } from "./ipv6.js";
import { decodeLlcSnap } from "./llc.js";
import { decodeMpls, ETHERTYPE_TEB } from "./mpls.js";
import { Layer, type DecodedPacket } from "./packet.js";
import { decodePppoe } from "./pppoe.js";
import { decodeVlan, ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD, ETHERTYPE_VLAN } from "./vlan.js";

/** EtherType IPv4. */
export const ETHERTYPE_IPV4 = 0x0800;
/** EtherType ARP. */
export const ETHERTYPE_ARP = 0x0806;
/** EtherType IPv6. */
export const ETHERTYPE_IPV6 = 0x86dd;
/** EtherType MPLS unicast. */
export const ETHERTYPE_MPLS = 0x8847;
/** EtherType MPLS multicast. */
export const ETHERTYPE_MPLS_MC = 0x8848;
/** EtherType PPPoE session stage. */
export const ETHERTYPE_PPPOE_SESSION = 0x8864;
/** Values up to this are IEEE 802.3 length fields, not EtherTypes (an LLC header follows). */
export const ETHER_MAX_LEN_FIELD = 1500;
/** Ethernet II header length. */
export const ETHER_HDR_LEN = 14;
const ETHER_OFF_TYPE = 12;
/** Most shim layers (tag stacks, label stacks, PPPoE, inner Ethernet) passed per frame. */
export const ENCAP_MAX_DEPTH = 8;

/** Decode what EtherType et says starts at off. */
export function decodeEtherType(
  buf: Uint8Array,
  off: number,
  end: number,
  pkt: DecodedPacket,
  et: number,
): void {
  for (let depth = 0; depth < ENCAP_MAX_DEPTH; depth++) {
    pkt.etherType = et;
    switch (et) {
      case ETHERTYPE_IPV4:
        decodeIpv4(buf, off, end, pkt);
        return;
      case ETHERTYPE_IPV6:
        decodeIpv6(buf, off, end, pkt);
        return;
      case ETHERTYPE_ARP:
        decodeArp(buf, off, end, pkt);
        return;
      case ETHERTYPE_VLAN:
      case ETHERTYPE_QINQ:
      case ETHERTYPE_QINQ_OLD:
        off = decodeVlan(buf, off, end, pkt);
        break;
      case ETHERTYPE_MPLS:
      case ETHERTYPE_MPLS_MC:
        off = decodeMpls(buf, off, end, pkt);
        break;
      case ETHERTYPE_PPPOE_SESSION:
        off = decodePppoe(buf, off, end, pkt);
        break;
      case ETHERTYPE_TEB:
        // An Ethernet frame inside (MPLS pseudowire).
        if (end - off < ETHER_HDR_LEN) {
          pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
          return;
        }
        pkt.layers |= Layer.ETH;
        pkt.etherType = u16be(buf, off + ETHER_OFF_TYPE);
        off += ETHER_HDR_LEN;
        break;
      default:
        if (et <= ETHER_MAX_LEN_FIELD) {
          off = decodeLlcSnap(buf, off, end, pkt);
          break;
        }
        pkt.setEvent(DecodeEvent.ETHERTYPE_UNSUPPORTED, off);
        return;
    }
    if (off < 0) return;
    et = pkt.etherType;
  }
  pkt.setEvent(DecodeEvent.ETHERTYPE_UNSUPPORTED, off);
}
