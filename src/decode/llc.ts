/**
 * IEEE 802.2 LLC with SNAP (RFC 1042): AA AA 03, a 3-byte OUI, then an EtherType.
 * Hot path, allocation-free, never throws, reads only inside [off, end).
 */
import { u16be, u8 } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { Layer, type DecodedPacket } from "./packet.js";

/** LLC (3) + SNAP (5) header length. */
export const LLC_SNAP_LEN = 8;
const LLC_SAP_SNAP = 0xaa;
const LLC_CTRL_UI = 0x03;

/**
 * Decode LLC/SNAP at off. Sets pkt.etherType to the SNAP EtherType and returns the offset after
 * the header, or -1 after setting LLC_UNSUPPORTED (not SNAP, or cut short).
 */
export function decodeLlcSnap(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): number {
  if (
    end - off < LLC_SNAP_LEN ||
    u8(buf, off) !== LLC_SAP_SNAP ||
    u8(buf, off + 1) !== LLC_SAP_SNAP ||
    u8(buf, off + 2) !== LLC_CTRL_UI
  ) {
    pkt.setEvent(DecodeEvent.LLC_UNSUPPORTED, off);
    return -1;
  }
  pkt.layers |= Layer.LLC;
  pkt.etherType = u16be(buf, off + 6);
  return off + LLC_SNAP_LEN;
}
