/**
 * Live capture on Linux netfilter log groups (`nflog`, `nflog:N`, `nflog:N,M`): device names and the
 * kernel timestamp of an NFLOG record, shared by the native and tcpdump backends.
 *
 * libpcap's nflog module (pcap-netfilter-linux.c, 1.10) stamps each record with gettimeofday() when it
 * READS the netlink message, in microseconds. The kernel batches log messages per group (by default up to
 * 100 packets or 1 s, net/netfilter/nfnetlink_log.c), so that read time can be up to 1 s late. For packets
 * seen on the prerouting, input and forward hooks the record carries the kernel's own time stamp
 * (NFULA_TIMESTAMP: when the packet arrived); nflogKernelTime() puts it in the record's header fields, so
 * the log, flows and `--write` capture use the packet's time. Records of the output / postrouting hooks
 * have no such TLV and keep libpcap's read time (immediate with the native backend, which sets the group's
 * queue threshold to 1 packet).
 *
 * Hot path: allocation-free, reads only inside [off, off + caplen), never throws.
 */
import { endianness } from "node:os";
import { LinkType } from "../net/linktypes.js";
import type { CaptureRecord, RecordSink } from "./types.js";

/** libpcap's netfilter log device: "nflog" (group 0) or "nflog:N[,M...]" (groups 0..65535, at most 32). */
export const NFLOG_DEVICE_RE = /^nflog(:\d{1,5}(,\d{1,5}){0,31})?$/;

/** True if iface names a netfilter log device with valid group numbers. */
export function isNflogDevice(iface: string): boolean {
  if (!NFLOG_DEVICE_RE.test(iface)) return false;
  const groups = iface.length > 5 ? iface.slice(6).split(",") : [];
  return groups.every((g) => Number(g) <= 65535);
}

/** LINKTYPE_NFLOG. */
export const LINKTYPE_NFLOG = LinkType.NFLOG;
/** NFLOG header before the TLVs: family, version, resource id (group, big-endian). */
const NFLOG_HDR = 4;
/** TLV header: length (including itself) and type, both in the capturing host's byte order. */
const TLV_HDR = 4;
/** NFULA_TIMESTAMP (linux/netfilter/nfnetlink_log.h): struct { be64 sec; be64 usec; }. */
const NFULA_TIMESTAMP = 3;
const TS_TLV_LEN = TLV_HDR + 16;
/** Type bits above the attribute number (NLA_F_NESTED, NLA_F_NET_BYTEORDER). */
const TYPE_MASK = 0x3fff;
/** Most TLVs looked at per record (a real record has about ten). */
const MAX_TLVS = 64;
const HOST_LE = endianness() === "LE";

function u16h(b: Uint8Array, o: number): number {
  return HOST_LE ? b[o]! | (b[o + 1]! << 8) : (b[o]! << 8) | b[o + 1]!;
}
function u32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/**
 * If the NFLOG record at rec.off carries NFULA_TIMESTAMP, set rec.tsSec / rec.tsNsec from it (microsecond
 * resolution) and return true; else leave the record unchanged and return false. Only for records captured
 * on this host (TLV lengths and types are in host byte order).
 */
export function nflogKernelTime(rec: CaptureRecord): boolean {
  const b = rec.buf;
  const end = rec.off + rec.caplen;
  let p = rec.off + NFLOG_HDR;
  for (let n = 0; n < MAX_TLVS && end - p >= TLV_HDR; n++) {
    const len = u16h(b, p);
    if (len < TLV_HDR || len > end - p) return false;
    if ((u16h(b, p + 2) & TYPE_MASK) === NFULA_TIMESTAMP) {
      if (len < TS_TLV_LEN) return false;
      const secHi = u32be(b, p + 4);
      const sec = secHi * 4294967296 + u32be(b, p + 8);
      const usecHi = u32be(b, p + 12);
      const usec = u32be(b, p + 16);
      if (usecHi !== 0 || usec >= 1_000_000 || sec === 0 || secHi >= 0x200000) return false;
      rec.tsSec = sec;
      rec.tsNsec = usec * 1000;
      return true;
    }
    p += (len + 3) & ~3;
  }
  return false;
}

/** A sink that first applies nflogKernelTime() to NFLOG records, then calls sink. */
export function nflogTimeSink(sink: RecordSink): RecordSink {
  return (rec) => {
    if (rec.linktype === LINKTYPE_NFLOG) nflogKernelTime(rec);
    sink(rec);
  };
}
