/**
 * ARP (RFC 826). Hot path, allocation-free, never throws, reads only inside [off, end).
 * arpSpa/arpTpa are filled for IPv4-over-anything ARP (protocol type 0x0800, length 4).
 */
import { EtherType } from "../net/ethertypes.js";
import { u16be, u32be, u8 } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { Layer, type DecodedPacket } from "./packet.js";

/** Fixed part of the ARP header (hrd, pro, hln, pln, op). */
export const ARP_FIXED_LEN = 8;
const ARP_OFF_PRO = 2;
const ARP_OFF_HLN = 4;
const ARP_OFF_PLN = 5;
const ARP_OFF_OP = 6;

/** Decode the ARP packet at off. */
export function decodeArp(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  if (end - off < ARP_FIXED_LEN) {
    pkt.setEvent(DecodeEvent.ARP_TRUNCATED, off);
    return;
  }
  const hln = u8(buf, off + ARP_OFF_HLN);
  const pln = u8(buf, off + ARP_OFF_PLN);
  pkt.layers |= Layer.ARP;
  pkt.l3Off = off;
  pkt.arpOp = u16be(buf, off + ARP_OFF_OP);
  if (end - off < ARP_FIXED_LEN + 2 * hln + 2 * pln) {
    pkt.setEvent(DecodeEvent.ARP_TRUNCATED, off);
    return;
  }
  if (u16be(buf, off + ARP_OFF_PRO) === EtherType.IPV4 && pln === 4) {
    pkt.arpSpa = u32be(buf, off + ARP_FIXED_LEN + hln);
    pkt.arpTpa = u32be(buf, off + ARP_FIXED_LEN + 2 * hln + 4);
  }
}
