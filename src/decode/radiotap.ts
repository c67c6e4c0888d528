/**
 * Radiotap (link type 127, https://www.radiotap.org) in front of an 802.11 frame.
 * Hot path, allocation-free, never throws, reads only inside [off, end).
 * All little-endian. The present bitmaps are walked (bit 31 = another bitmap follows) to find
 * where the fields start; only the Flags field (bit 1, after TSFT = bit 0, 8 bytes aligned to 8
 * from the start of the header) is read: 0x10 = the frame ends with a 4-byte FCS, which is cut
 * off so it never counts as payload; 0x20 = the 802.11 header is padded to 32 bits.
 */
import { u16le, u32le, u8 } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { Layer, type DecodedPacket } from "./packet.js";
import { decodeWlan } from "./wlan.js";

/** Fixed radiotap header: version, pad, length, first present bitmap. */
export const RADIOTAP_MIN_LEN = 8;
/** Most present bitmaps walked. */
export const RADIOTAP_MAX_PRESENT_WORDS = 16;
const RT_OFF_LEN = 2;
const RT_OFF_PRESENT = 4;
const RT_PRESENT_TSFT = 1 << 0;
const RT_PRESENT_FLAGS = 1 << 1;
const RT_PRESENT_EXT = 0x80000000;
const RT_TSFT_LEN = 8;
const RT_FLAG_FCS = 0x10;
const RT_FLAG_DATAPAD = 0x20;
const FCS_LEN = 4;

/** Decode the radiotap header at off and the 802.11 frame after it. */
export function decodeRadiotap(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  if (end - off < RADIOTAP_MIN_LEN) {
    pkt.setEvent(DecodeEvent.RADIOTAP_TRUNCATED, off);
    return;
  }
  const rtLen = u16le(buf, off + RT_OFF_LEN);
  if (rtLen < RADIOTAP_MIN_LEN || rtLen > end - off) {
    pkt.setEvent(DecodeEvent.RADIOTAP_TRUNCATED, off);
    return;
  }
  const rtEnd = off + rtLen;
  pkt.layers |= Layer.RADIOTAP;
  const present = u32le(buf, off + RT_OFF_PRESENT);
  let p = off + RADIOTAP_MIN_LEN;
  let word = present;
  for (let n = 1; word & RT_PRESENT_EXT; n++) {
    if (n >= RADIOTAP_MAX_PRESENT_WORDS || rtEnd - p < 4) {
      pkt.setEvent(DecodeEvent.RADIOTAP_TRUNCATED, p);
      return;
    }
    word = u32le(buf, p);
    p += 4;
  }
  let flags = 0;
  if (present & RT_PRESENT_FLAGS) {
    let rel = p - off;
    if (present & RT_PRESENT_TSFT) rel = ((rel + 7) & ~7) + RT_TSFT_LEN;
    if (rel < rtLen) flags = u8(buf, off + rel);
    else {
      pkt.setEvent(DecodeEvent.RADIOTAP_TRUNCATED, off);
      return;
    }
  }
  let wlanEnd = end;
  if (flags & RT_FLAG_FCS && end - rtEnd >= FCS_LEN) wlanEnd = end - FCS_LEN;
  decodeWlan(buf, rtEnd, wlanEnd, pkt, flags & RT_FLAG_DATAPAD ? 1 : 0);
}
