/**
 * Text for reporters only (never called by the decoders): a decoded packet's addresses as Wireshark 4.0
 * prints them (through src/net/addr.ts, the one address formatter) and TCP flags as tshark prints them.
 * Allocates strings; keep it off the per-packet hot path unless a line is actually written.
 */
import { ipv4ToString, ipv6ToString } from "../net/addr.js";
import { Layer, type DecodedPacket } from "./packet.js";

/**
 * Source address of the outermost IP header, "" if none. Also for a header cut short after the
 * source address (ipVersion set, Layer.IPV4/IPV6 not), as tshark shows it.
 */
export function srcAddrString(pkt: DecodedPacket): string {
  if (pkt.ipVersion === 4) return ipv4ToString(pkt.src4);
  if (pkt.ipVersion === 6) return ipv6ToString(pkt.src6a, pkt.src6b, pkt.src6c, pkt.src6d);
  return "";
}

/** Destination address of the outermost IP header, "" if none or not captured. */
export function dstAddrString(pkt: DecodedPacket): string {
  if (pkt.layers & Layer.IPV4) return ipv4ToString(pkt.dst4);
  if (pkt.layers & Layer.IPV6) return ipv6ToString(pkt.dst6a, pkt.dst6b, pkt.dst6c, pkt.dst6d);
  return "";
}

/** TCP flags as tshark prints tcp.flags: "0x" and four lowercase hex digits ("0x0018"); "" if none (< 0). */
export function tcpFlagsHex(flags: number): string {
  if (flags < 0) return "";
  return "0x" + (flags & 0xffff).toString(16).padStart(4, "0");
}
