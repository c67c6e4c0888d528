/**
 * Entry point of the decoder: one frame of a given link type into the reused DecodedPacket.
 * Hot path. Guarantees: never throws on any bytes; never reads outside [off, end) (end is first
 * clamped to buf.length); every offset left in pkt is -1 or inside [off, end]; no allocation.
 * Bad bytes set the first DecodeEvent and keep the layers decoded before them.
 */
import { EtherType } from "../net/ethertypes.js";
import { LinkType } from "../net/linktypes.js";
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

/** True if decodeFrame decodes this link type (others give LINKTYPE_UNSUPPORTED). */
export function isSupportedLinktype(linktype: number): boolean {
  switch (linktype) {
    case LinkType.NULL:
    case LinkType.ETHERNET:
    case LinkType.RAW_DLT12:
    case LinkType.RAW_DLT14:
    case LinkType.RAW:
    case LinkType.IEEE802_11:
    case LinkType.LOOP:
    case LinkType.LINUX_SLL:
    case LinkType.IEEE802_11_RADIOTAP:
    case LinkType.IPV4:
    case LinkType.IPV6:
    case LinkType.LINUX_SLL2:
    case LinkType.PPP:
    case LinkType.PPP_HDLC:
    case LinkType.C_HDLC:
    case LinkType.PFLOG:
    case LinkType.IEEE802_11_PRISM:
    case LinkType.IEEE802_11_AVS:
    case LinkType.PPI:
    case LinkType.NFLOG:
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
    case LinkType.ETHERNET:
      decodeEthernet(buf, off, end, pkt);
      return;
    case LinkType.LINUX_SLL:
      decodeSll(buf, off, end, pkt);
      return;
    case LinkType.LINUX_SLL2:
      decodeSll2(buf, off, end, pkt);
      return;
    case LinkType.RAW:
    case LinkType.RAW_DLT12:
    case LinkType.RAW_DLT14: {
      // The version nibble decides.
      const v = u8(buf, off) >> 4;
      if (v === 4) {
        pkt.etherType = EtherType.IPV4;
        decodeIpv4(buf, off, end, pkt);
      } else if (v === 6) {
        pkt.etherType = EtherType.IPV6;
        decodeIpv6(buf, off, end, pkt);
      } else pkt.setEvent(DecodeEvent.LINK_PROTO_UNSUPPORTED, off);
      return;
    }
    case LinkType.IPV4:
      pkt.etherType = EtherType.IPV4;
      decodeIpv4(buf, off, end, pkt);
      return;
    case LinkType.IPV6:
      pkt.etherType = EtherType.IPV6;
      decodeIpv6(buf, off, end, pkt);
      return;
    case LinkType.NULL:
      decodeNull(buf, off, end, pkt);
      return;
    case LinkType.LOOP:
      decodeLoop(buf, off, end, pkt);
      return;
    case LinkType.IEEE802_11:
      decodeWlan(buf, off, end, pkt, 0);
      return;
    case LinkType.IEEE802_11_RADIOTAP:
      decodeRadiotap(buf, off, end, pkt);
      return;
    case LinkType.NFLOG:
      decodeNflog(buf, off, end, pkt);
      return;
    case LinkType.PFLOG:
      decodePflog(buf, off, end, pkt);
      return;
    case LinkType.PPP:
    case LinkType.PPP_HDLC:
      decodePpp(buf, off, end, pkt);
      return;
    case LinkType.C_HDLC:
      decodeChdlc(buf, off, end, pkt);
      return;
    case LinkType.IEEE802_11_PRISM:
      decodePrism(buf, off, end, pkt);
      return;
    case LinkType.IEEE802_11_AVS:
      decodeAvs(buf, off, end, pkt);
      return;
    case LinkType.PPI:
      decodePpi(buf, off, end, pkt);
      return;
    default:
      pkt.setEvent(DecodeEvent.LINKTYPE_UNSUPPORTED, off);
  }
}
