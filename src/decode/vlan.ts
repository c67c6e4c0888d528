/**
 * 802.1Q / 802.1ad (and the pre-standard 0x9100) VLAN tags, stacked, at most VLAN_MAX_TAGS.
 * Hot path, allocation-free, never throws, reads only inside [off, end).
 */
import { EtherType } from "../net/ethertypes.js";
import { u16be } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { Layer, type DecodedPacket } from "./packet.js";

/** Most VLAN tags decoded in one frame. */
export const VLAN_MAX_TAGS = 8;
/** VLAN tag length (TCI + inner EtherType). */
export const VLAN_TAG_LEN = 4;
const VLAN_VID_MASK = 0x0fff;

/** True if et is a VLAN tag EtherType. */
export function isVlanEtherType(et: number): boolean {
  return et === EtherType.VLAN || et === EtherType.QINQ || et === EtherType.QINQ_OLD;
}

/**
 * Decode the tag stack at off (the bytes after a VLAN EtherType). Sets pkt.etherType to the
 * EtherType after the last tag and returns its offset, or -1 after setting an event.
 * pkt.vlanId is the OUTERMOST tag's VID (the first one in the frame).
 */
export function decodeVlan(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): number {
  let et = EtherType.VLAN;
  let n = 0;
  while (isVlanEtherType(et)) {
    if (n >= VLAN_MAX_TAGS) {
      pkt.setEvent(DecodeEvent.VLAN_TOO_MANY_TAGS, off);
      return -1;
    }
    if (end - off < VLAN_TAG_LEN) {
      // Wireshark shows the id of a tag whose TCI (2 bytes) was captured.
      if (end - off >= 2 && pkt.vlanCount === 0) pkt.vlanId = u16be(buf, off) & VLAN_VID_MASK;
      pkt.setEvent(DecodeEvent.VLAN_TRUNCATED, off);
      return -1;
    }
    const vid = u16be(buf, off) & VLAN_VID_MASK;
    if (pkt.vlanCount === 0) pkt.vlanId = vid;
    pkt.vlanCount++;
    pkt.layers |= Layer.VLAN;
    et = u16be(buf, off + 2);
    off += VLAN_TAG_LEN;
    n++;
  }
  pkt.etherType = et;
  return off;
}
