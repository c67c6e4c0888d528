/**
 * Dispatch on the IP protocol number to the transport decoders. Hot path, allocation-free.
 * Tunnels (GRE 47, IP-in-IP 4/41, ...) and other protocols are not decoded into: their bytes are
 * reported as the payload of the outer IP header, and ipProto names them.
 */
import { IpProto } from "../net/protocols.js";
import { decodeIcmp } from "./icmp.js";
import { decodeIcmpv6 } from "./icmpv6.js";
import { decodeTcp } from "./tcp.js";
import { decodeUdp } from "./udp.js";
import type { DecodedPacket } from "./packet.js";

/**
 * Decode the transport header of protocol proto at off. end: end of the captured IP payload;
 * ipEnd: end the IP header declares (>= end when the capture was cut short).
 */
export function decodeIpPayload(
  buf: Uint8Array,
  off: number,
  end: number,
  pkt: DecodedPacket,
  proto: number,
  ipEnd: number,
): void {
  switch (proto) {
    case IpProto.TCP:
      decodeTcp(buf, off, end, pkt);
      return;
    case IpProto.UDP:
      decodeUdp(buf, off, end, pkt, ipEnd);
      return;
    case IpProto.ICMP:
      decodeIcmp(buf, off, end, pkt);
      return;
    case IpProto.ICMPV6:
      decodeIcmpv6(buf, off, end, pkt);
      return;
    default:
      pkt.payloadOff = off;
      pkt.payloadLen = end - off;
  }
}
