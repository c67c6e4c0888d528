/**
 * One line per frame for `pfw packets` (like `tshark -T fields`), also the conformance test's view.
 * Text is built here only, never in the decoder.
 */
import type { CaptureRecord } from "../capture/types.js";
import { DECODE_EVENT_NAMES } from "../decode/events.js";
import { dstAddrString, srcAddrString, tcpFlagsHex } from "../decode/format.js";
import type { DecodedPacket } from "../decode/packet.js";

/** CSV header of `pfw packets --csv`, exactly as documented. */
export const PACKET_FIELDS = [
  "frame",
  "ts",
  "len",
  "caplen",
  "src",
  "dst",
  "ip_proto",
  "sport",
  "dport",
  "icmp_type",
  "tcp_flags",
  "vlan",
  "event",
] as const;

/** Epoch seconds with 9 decimals, or "" for a record without timestamp. */
export function formatTs(rec: CaptureRecord): string {
  if (!rec.hasTs) return "";
  return `${rec.tsSec}.${String(rec.tsNsec).padStart(9, "0")}`;
}

/** Field values of one decoded frame, in PACKET_FIELDS order. */
export function packetFields(rec: CaptureRecord, pkt: DecodedPacket): string[] {
  return [
    String(rec.frame),
    formatTs(rec),
    String(rec.origLen),
    String(rec.caplen),
    pkt.ipVersion ? srcAddrString(pkt) : "",
    pkt.ipVersion ? dstAddrString(pkt) : "",
    pkt.ipProto >= 0 ? String(pkt.ipProto) : "",
    pkt.srcPort >= 0 ? String(pkt.srcPort) : "",
    pkt.dstPort >= 0 ? String(pkt.dstPort) : "",
    pkt.icmpType >= 0 ? String(pkt.icmpType) : "",
    pkt.tcpFlags >= 0 ? tcpFlagsHex(pkt.tcpFlags) : "",
    pkt.vlanId >= 0 ? String(pkt.vlanId) : "",
    DECODE_EVENT_NAMES[pkt.event] ?? `EVENT_${pkt.event}`,
  ];
}
