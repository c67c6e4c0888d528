/**
 * Dispatch on an EtherType down to the network layer, through any number of shim layers
 * (VLAN tags, MPLS labels with pseudowire Ethernet, PPPoE, LLC/SNAP), at most ENCAP_MAX_DEPTH steps.
 * Hot path: a loop with a switch, no recursion, no allocation.
 */
import { EtherType } from "../net/ethertypes.js";
import { u16be } from "./bytes.js";
import { decodeArp } from "./arp.js";
import { DecodeEvent } from "./events.js";
import { decodeIpv4 } from "./ipv4.js";
import { decodeIpv6 } from "./ipv6.js";
import { decodeLlcSnap } from "./llc.js";
import { decodeMpls } from "./mpls.js";
import { Layer, type DecodedPacket } from "./packet.js";
import { decodePppoe } from "./pppoe.js";
import { decodeVlan } from "./vlan.js";

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
      case EtherType.IPV4:
        decodeIpv4(buf, off, end, pkt);
        return;
      case EtherType.IPV6:
        decodeIpv6(buf, off, end, pkt);
        return;
      case EtherType.ARP:
        decodeArp(buf, off, end, pkt);
        return;
      case EtherType.VLAN:
      case EtherType.QINQ:
      case EtherType.QINQ_OLD:
        off = decodeVlan(buf, off, end, pkt);
        break;
      case EtherType.MPLS:
      case EtherType.MPLS_MC:
        off = decodeMpls(buf, off, end, pkt);
        break;
      case EtherType.PPPOE_SESSION:
        off = decodePppoe(buf, off, end, pkt);
        break;
      case EtherType.TEB:
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
