/**
 * Entry point of the decoder: one frame of a given link type into the reused DecodedPacket.
 * Hot path. Guarantees: never throws on any bytes; never reads outside [off, end) (end is first
 * clamped to buf.length); every offset left in pkt is -1 or inside [off, end]; no allocation.
 * Bad bytes set the first DecodeEvent and keep the layers decoded before them.
 */
import { u8 } from "./bytes.js";
import { decodeEthernet } from "./ethernet.js";
import { DecodeEvent } from "./events.js";
import { decodeIpv4 } from "./ipv4.js";
import { decodeIpv6 } from "./ipv6.js";
import { decodeNflog } from "./nflog.js";
import { decodeLoop, decodeNull } from "./null-loop.js";
import type { DecodedPacket } from "./packet.js";
import { decodePflog } from "./pflog.js";
import { decodeChdlc, decodePpp } from "./ppp.js";
import { decodeRadiotap } from "./radiotap.js";
import { decodeSll, decodeSll2 } from "./sll.js";
import { decodeWlan } from "./wlan.js";
import { decodeAvs, decodePpi, decodePrism } from "./wlan-radio.js";

// Link types (https://www.tcpdump.org/linktypes.html) that decodeFrame understands.
/** BSD loopback, family in host byte order. */
export const LINKTYPE_NULL = 0;
/** Ethernet. */
export const LINKTYPE_ETHERNET = 1;
/** PPP, optional FF 03 address/control. */
export const LINKTYPE_PPP = 9;
/** PPP in HDLC-like framing (RFC 1662). */
export const LINKTYPE_PPP_HDLC = 50;
/** Cisco HDLC. */
export const LINKTYPE_C_HDLC = 104;
/** OpenBSD/FreeBSD pf log. */
export const LINKTYPE_PFLOG = 117;
/** Prism header + 802.11. */
export const LINKTYPE_IEEE802_11_PRISM = 119;
/** AVS header + 802.11. */
export const LINKTYPE_IEEE802_11_AVS = 163;
/** PPI header + 802.11 (or Ethernet). */
export const LINKTYPE_PPI = 192;
/** Linux netfilter NFLOG. */
export const LINKTYPE_NFLOG = 239;
/** Raw IP (DLT 12 on most systems). */
export const LINKTYPE_RAW_DLT12 = 12;
/** Raw IP (DLT 14 on some BSDs). */
export const LINKTYPE_RAW_DLT14 = 14;
/** Raw IP, version nibble decides. */
export const LINKTYPE_RAW = 101;
/** 802.11 without radio header. */
export const LINKTYPE_IEEE802_11 = 105;
/** OpenBSD loopback, family in network byte order. */
export const LINKTYPE_LOOP = 108;
/** Linux cooked capture v1. */
export const LINKTYPE_LINUX_SLL = 113;
/** Radiotap + 802.11. */
export const LINKTYPE_IEEE802_11_RADIOTAP = 127;
/** Raw IPv4. */
export const LINKTYPE_IPV4 = 228;
/** Raw IPv6. */
export const LINKTYPE_IPV6 = 229;
/** Linux cooked capture v2. */
export const LINKTYPE_LINUX_SLL2 = 276;

/** True if decodeFrame decodes this link type (others give LINKTYPE_UNSUPPORTED). */
export function isSupportedLinktype(linktype: number): boolean {
  switch (linktype) {
    case LINKTYPE_NULL:
    case LINKTYPE_ETHERNET:
    case LINKTYPE_RAW_DLT12:
    case LINKTYPE_RAW_DLT14:
    case LINKTYPE_RAW:
    case LINKTYPE_IEEE802_11:
    case LINKTYPE_LOOP:
    case LINKTYPE_LINUX_SLL:
    case LINKTYPE_IEEE802_11_RADIOTAP:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
    case LINKTYPE_LINUX_SLL2:
    case LINKTYPE_PPP:
    case LINKTYPE_PPP_HDLC:
    case LINKTYPE_C_HDLC:
    case LINKTYPE_PFLOG:
    case LINKTYPE_IEEE802_11_PRISM:
    case LINKTYPE_IEEE802_11_AVS:
    case LINKTYPE_PPI:
    case LINKTYPE_NFLOG:
      return true;
    default:
      return false;
  }
}

/** Decode the frame buf[off, end) captured with the given link type into pkt (reset first). */
export function decodeFrame(
  pkt: DecodedPacket,
  buf: Uint8Array,
  off: number,
  end: number,
  linktype: number,
): void {
  if (end > buf.length) end = buf.length;
  if (off < 0) off = 0;
  if (end < off) end = off;
  pkt.reset(buf, off, end, linktype);
  if (end === off) {
    pkt.setEvent(
      isSupportedLinktype(linktype) ? DecodeEvent.EMPTY_FRAME : DecodeEvent.LINKTYPE_UNSUPPORTED,
      off,
    );
    return;
  }
  switch (linktype) {
    case LINKTYPE_ETHERNET:
      decodeEthernet(buf, off, end, pkt);
      return;
    case LINKTYPE_LINUX_SLL:
      decodeSll(buf, off, end, pkt);
      return;
    case LINKTYPE_LINUX_SLL2:
      decodeSll2(buf, off, end, pkt);
      return;
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_DLT12:
    case LINKTYPE_RAW_DLT14: {
      // The version nibble decides.
      const v = u8(buf, off) >> 4;
      if (v === 4) {
        pkt.etherType = 0x0800;
        decodeIpv4(buf, off, end, pkt);
      } else if (v === 6) {
        pkt.etherType = 0x86dd;
        decodeIpv6(buf, off, end, pkt);
      } else pkt.setEvent(DecodeEvent.LINK_PROTO_UNSUPPORTED, off);
      return;
    }
    case LINKTYPE_IPV4:
      pkt.etherType = 0x0800;
      decodeIpv4(buf, off, end, pkt);
      return;
    case LINKTYPE_IPV6:
      pkt.etherType = 0x86dd;
      decodeIpv6(buf, off, end, pkt);
      return;
    case LINKTYPE_NULL:
      decodeNull(buf, off, end, pkt);
      return;
    case LINKTYPE_LOOP:
      decodeLoop(buf, off, end, pkt);
      return;
    case LINKTYPE_IEEE802_11:
      decodeWlan(buf, off, end, pkt, 0);
      return;
    case LINKTYPE_IEEE802_11_RADIOTAP:
      decodeRadiotap(buf, off, end, pkt);
      return;
    case LINKTYPE_NFLOG:
      decodeNflog(buf, off, end, pkt);
      return;
    case LINKTYPE_PFLOG:
      decodePflog(buf, off, end, pkt);
      return;
    case LINKTYPE_PPP:
    case LINKTYPE_PPP_HDLC:
      decodePpp(buf, off, end, pkt);
      return;
    case LINKTYPE_C_HDLC:
      decodeChdlc(buf, off, end, pkt);
      return;
    case LINKTYPE_IEEE802_11_PRISM:
      decodePrism(buf, off, end, pkt);
      return;
    case LINKTYPE_IEEE802_11_AVS:
      decodeAvs(buf, off, end, pkt);
      return;
    case LINKTYPE_PPI:
      decodePpi(buf, off, end, pkt);
      return;
    default:
      pkt.setEvent(DecodeEvent.LINKTYPE_UNSUPPORTED, off);
  }
}
