/**
 * Linux netfilter NFLOG (link type 239, `tcpdump -i nflog:N`,
 * https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html): a 4-byte header (address family,
 * version, resource id) then TLVs, each a 16-bit length and 16-bit type in the CAPTURING host's
 * byte order, padded to 4 bytes. The NFULA_PAYLOAD TLV (type 9) holds the packet: its protocol is
 * the EtherType in NFULA_PACKET_HDR (type 1) if that is non-zero, else the family (2 IPv4,
 * 10 IPv6), as in Wireshark 4.0's packet-nflog.c. Wireshark reads the TLVs in the byte order of
 * the capture file (the capturing host's); the decoder, which does not see the file header,
 * guesses it as older Wireshark did (big-endian first, then little-endian: the first TLV with a
 * type in 1..255 before a malformed one decides), which agrees on any consistent capture.
 * Hot path, allocation-free, never throws, reads only inside [off, end); at most NFLOG_MAX_TLVS TLVs.
 */
import { EtherType } from "../net/ethertypes.js";
import { AddrFamily } from "../net/linktypes.js";
import { u16be, u16le, u8 } from "./bytes.js";
import { DecodeEvent } from "./events.js";
import { decodeEtherType } from "./ethertype.js";
import { decodeIpv4 } from "./ipv4.js";
import { decodeIpv6 } from "./ipv6.js";
import { Layer, type DecodedPacket } from "./packet.js";

/** NFLOG header: family, version, resource id. */
export const NFLOG_HDR_LEN = 4;
/** Most TLVs walked per frame (a real NFLOG record has about ten). */
export const NFLOG_MAX_TLVS = 256;
const TLV_HDR_LEN = 4;
const NFULA_PACKET_HDR = 1;
const NFULA_PACKET_HDR_LEN = 8;
const NFULA_PAYLOAD = 9;
const TLV_TYPE_MASK = 0x7fff; // the top bit is NLA_F_NESTED

function tlv16(buf: Uint8Array, o: number, le: boolean): number {
  return le ? u16le(buf, o) : u16be(buf, o);
}

/** Wireshark's nflog_tvb_test_order: true if the TLVs make sense in this byte order. */
function orderFits(buf: Uint8Array, p: number, end: number, le: boolean): boolean {
  for (let n = 0; end - p > TLV_HDR_LEN && n < NFLOG_MAX_TLVS; n++) {
    const len = tlv16(buf, p, le);
    if (len < TLV_HDR_LEN) return false;
    const type = tlv16(buf, p + 2, le) & TLV_TYPE_MASK;
    if (type >= 0x100) return false;
    if (type !== 0) return true;
    p += (len + 3) & ~3;
  }
  return false;
}

/** Decode an NFLOG record at off and the IPv4/IPv6 packet in its payload TLV. */
export function decodeNflog(buf: Uint8Array, off: number, end: number, pkt: DecodedPacket): void {
  if (end - off < NFLOG_HDR_LEN) {
    pkt.setEvent(DecodeEvent.LINK_TRUNCATED, off);
    return;
  }
  pkt.layers |= Layer.NFLOG;
  const first = off + NFLOG_HDR_LEN;
  const le = !orderFits(buf, first, end, false) && orderFits(buf, first, end, true);
  let p = first;
  let payOff = -1;
  let payEnd = -1;
  let hwProto = 0;
  for (let n = 0; end - p >= TLV_HDR_LEN; n++) {
    const len = tlv16(buf, p, le);
    if (len < TLV_HDR_LEN || n >= NFLOG_MAX_TLVS) {
      pkt.setEvent(DecodeEvent.LINK_HDR_INVALID, p);
      return;
    }
    const type = tlv16(buf, p + 2, le) & TLV_TYPE_MASK;
    if (type === NFULA_PAYLOAD) {
      payOff = p + TLV_HDR_LEN;
      payEnd = p + len;
    } else if (type === NFULA_PACKET_HDR && len === NFULA_PACKET_HDR_LEN && end - p >= NFULA_PACKET_HDR_LEN) {
      hwProto = u16be(buf, p + TLV_HDR_LEN); // network byte order
    }
    p += (len + 3) & ~3;
  }
  if (payOff < 0) {
    pkt.setEvent(DecodeEvent.EMPTY_FRAME, first);
    return;
  }
  // A payload cut by the snapshot length is decoded as far as it was captured.
  if (payEnd > end) payEnd = end;
  if (hwProto !== 0) {
    decodeEtherType(buf, payOff, payEnd, pkt, hwProto);
    return;
  }
  switch (u8(buf, off)) {
    case AddrFamily.INET:
      pkt.etherType = EtherType.IPV4;
      decodeIpv4(buf, payOff, payEnd, pkt);
      return;
    case AddrFamily.INET6_LINUX:
      pkt.etherType = EtherType.IPV6;
      decodeIpv6(buf, payOff, payEnd, pkt);
      return;
    default:
      pkt.setEvent(DecodeEvent.LINK_PROTO_UNSUPPORTED, payOff);
  }
}
