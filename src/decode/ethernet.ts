/**
 * Ethernet II / IEEE 802.3 (link type 1). Hot path, allocation-free, never throws,
 * reads only inside [off, end). An 802.3 length field (<= 1500) is followed by LLC.
 */
import { u16be } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { decodeEtherType, ETHER_HDR_LEN } from "./ethertype.js";
import { Layer, type DecodedPacket } from "./packet.js";

const ETHER_OFF_TYPE = 12;

/** Decode the Ethernet frame at off. */
export function decodeEthernet(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  if (end - off < ETHER_HDR_LEN) {
    pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
    return;
  }
  pkt.layers |= Layer.ETH;
  decodeEtherType(buf, off + ETHER_HDR_LEN, end, pkt, u16be(buf, off + ETHER_OFF_TYPE));
}
