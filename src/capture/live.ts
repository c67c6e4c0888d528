/**
 * Live capture: one interface for all capture backends, and interface listing for `pfw interfaces`.
 *
 * Backends, measured with `npm run bench:live` (300,000 UDP datagrams over a veth pair, same run as
 * `tcpdump -w /dev/null`, which captured 100 % every time):
 *  - "native" (DEFAULT when built: `node native/build.mjs`): our N-API libpcap addon; TPACKET_V3 block ring
 *    with a 50 ms block timeout, batches of packets per JS call, nanosecond kernel timestamps, pcap_stats
 *    drops, captures inside a named netns. 100 % at 60k/s and at 121k/s; latency avg 7-16 ms, max <= 103 ms.
 *  - "tcpdump" (default when the addon is not built): a `tcpdump -w -` helper process whose pcap stream is
 *    parsed incrementally (Wireshark's dumpcap model); same timestamps/drops; netns via `ip netns exec`.
 *    100 % at 60k/s and 91k/s; tcpdump's fixed 1 s block timeout gives latency up to ~1 s, so stop() waits
 *    1.2 s. With `immediate` (--immediate-mode) libpcap uses a fixed-slot ring: 3-5 % dropped (all counted).
 *  - "cap": the npm `cap` binding in-process (optional dependency). No timestamps (clock at delivery), no
 *    original length, no drop counter (stats() -1 = unknown): lost 0.5-2.5 % SILENTLY at 60k/s. Not default.
 * Under overload (1 MiB buffer, busy consumer) native and tcpdump lose ~35 % and their drop counters account
 * for every lost packet (sent = captured + kernelDrops).
 * Netfilter log groups (`nflog:N`, link type 239): native and tcpdump backends, see live-nflog.ts (time
 * stamps), the addon's header (EAGAIN, queue threshold, exact drops) and live-tcpdump.ts (microseconds,
 * drops as a lower bound).
 *
 * Guarantees: every open/run failure is a LiveCaptureError with a stable code and a one-sentence message;
 * records handed to the sink are reused (copy what you keep); start() resolves only once the kernel capture
 * is active, so traffic sent after it is captured; stop() resolves after the last record was delivered and
 * the final drop counters were read. The contracts (LiveCapture, LiveStats, LiveBackend) live in
 * live-types.ts, which the backends import instead of this module (no import circle).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { LiveCaptureError } from "./live-errors.js";
import { loadNative, nativeAddonPath } from "./live-native.js";
import { isNflogDevice } from "./live-nflog.js";
import type { LiveBackend, LiveCapture } from "./live-types.js";

export { LiveCaptureError, type LiveCaptureErrorCode } from "./live-errors.js";
export type { LiveBackend, LiveCapture, LiveStats } from "./live-types.js";
export type { RecordSink } from "./types.js";

/** Options of openLive(). */
export interface LiveOptions {
  /** Interface name (as `pfw interfaces` lists it). */
  iface: string;
  /** BPF filter expression (kernel side). */
  filter?: string;
  /** Bytes kept per packet (default 262144). */
  snaplen?: number;
  /** Kernel capture buffer in bytes (default 32 MiB). */
  bufferSize?: number;
  /** Backend (default: defaultBackend(), the one the benchmark picked). */
  backend?: LiveBackend;
  /** Capture inside this named network namespace (`ip netns`); tcpdump and native backends. */
  netns?: string;
  /**
   * tcpdump backend: deliver each packet at once (--immediate-mode) instead of per kernel ring block
   * (latency up to ~1 s). Costs capacity: see TcpdumpCaptureOptions.immediate. Default false.
   */
  immediate?: boolean;
  /** Seconds between kernel-counter refreshes (default 1). */
  statsIntervalSec?: number;
}

/**
 * Default backend, chosen by `npm run bench:live`: "native" when the addon is built (no loss up to the
 * sender's limit, exact drop counts, <= ~100 ms latency), else "tcpdump" (same capture counts, latency up to
 * ~1 s, stop() waits 1.2 s). Never "cap" (silent losses, no drop counter).
 */
export function defaultBackend(): LiveBackend {
  return nativeAddonPath() !== null ? "native" : "tcpdump";
}
/** Default snap length (tcpdump's). */
export const DEFAULT_SNAPLEN = 262144;
/** Default kernel buffer: 32 MiB (tcpdump's default is 2 MiB). */
export const DEFAULT_BUFFER_SIZE = 32 * 1024 * 1024;

const IFNAME_RE = /^[A-Za-z0-9_.:@-]{1,15}$/;
const NETNS_RE = /^[A-Za-z0-9_.-]{1,64}$/;
/**
 * libpcap devices that are not network interfaces: "any", and netfilter log groups "nflog[:N[,M...]]"
 * (native and tcpdump backends; see live-nflog.ts).
 */
function isPseudoDevice(iface: string): boolean {
  return iface === "any" || isNflogDevice(iface);
}

/**
 * Open a live capture (not started yet). Validates what can be validated without capturing:
 * interface name / existence (in the current namespace), netns existence, backend availability.
 * The filter and permissions are checked by start(), where libpcap compiles and activates.
 */
export async function openLive(opts: LiveOptions): Promise<LiveCapture> {
  const backend = opts.backend ?? defaultBackend();
  if (!IFNAME_RE.test(opts.iface) && !isPseudoDevice(opts.iface)) {
    throw new LiveCaptureError(
      "NO_SUCH_INTERFACE",
      `Interface "${opts.iface}" does not exist; run "pfw interfaces" to list the interfaces you can capture on.`,
    );
  }
  if (opts.netns !== undefined) {
    if (!NETNS_RE.test(opts.netns) || !existsSync(`/run/netns/${opts.netns}`)) {
      throw new LiveCaptureError("NO_SUCH_NETNS", `The network namespace "${opts.netns}" does not exist.`);
    }
  } else if (!isPseudoDevice(opts.iface) && !existsSync(`/sys/class/net/${opts.iface}`)) {
    throw new LiveCaptureError(
      "NO_SUCH_INTERFACE",
      `Interface "${opts.iface}" does not exist; run "pfw interfaces" to list the interfaces you can capture on.`,
    );
  }
  const snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
  const bufferSize = opts.bufferSize ?? DEFAULT_BUFFER_SIZE;
  switch (backend) {
    case "tcpdump": {
      const { TcpdumpCapture } = await import("./live-tcpdump.js");
      return new TcpdumpCapture({ ...opts, snaplen, bufferSize });
    }
    case "cap": {
      if (isNflogDevice(opts.iface)) {
        throw new LiveCaptureError(
          "UNSUPPORTED",
          "The cap backend cannot capture on netfilter log groups; use --backend native or --backend tcpdump.",
        );
      }
      if (opts.netns !== undefined) {
        throw new LiveCaptureError(
          "UNSUPPORTED",
          "The cap backend captures only in its own network namespace; run pfw inside the namespace or use --backend tcpdump.",
        );
      }
      const { CapCapture } = await import("./live-cap.js");
      return CapCapture.create({ ...opts, snaplen, bufferSize });
    }
    case "native": {
      const { NativeCapture } = await import("./live-native.js");
      return NativeCapture.create({ ...opts, snaplen, bufferSize });
    }
    default:
      throw new LiveCaptureError(
        "UNSUPPORTED",
        `Unknown capture backend "${String(backend)}"; use tcpdump or cap.`,
      );
  }
}

/** One interface as `pfw interfaces` lists it. */
export interface InterfaceInfo {
  name: string;
  /** Addresses in CIDR notation ("10.0.0.1/24", "fe80::1/64"); empty for interfaces without any. */
  addresses: string[];
}

/**
 * Interfaces of the current network namespace: os.networkInterfaces() plus address-less ones from /sys,
 * plus libpcap's "nflog" pseudo device (netfilter log group 0; "nflog:N" for group N) when libpcap lists it
 * (asked through the native addon when it is built).
 */
export function listInterfaces(): InterfaceInfo[] {
  const out = new Map<string, InterfaceInfo>();
  let sysNames: string[] = [];
  try {
    sysNames = readdirSync("/sys/class/net");
  } catch {
    // Not Linux or /sys not mounted: addresses only.
  }
  for (const name of sysNames) out.set(name, { name, addresses: [] });
  const nics = networkInterfaces();
  for (const [name, addrs] of Object.entries(nics)) {
    const info = out.get(name) ?? { name, addresses: [] };
    for (const a of addrs ?? []) {
      const cidr = a.cidr ?? a.address;
      if (!info.addresses.includes(cidr)) info.addresses.push(cidr);
    }
    out.set(name, info);
  }
  if (nativeAddonPath() !== null) {
    try {
      for (const name of loadNative().devices?.() ?? [])
        if (name === "nflog" && !out.has(name)) out.set(name, { name, addresses: [] });
    } catch {
      // addon not loadable: network interfaces only
    }
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Local addresses of iface (without prefix length, e.g. "10.0.0.1", "fe80::1"), from
 * `ip [-n NETNS] -j addr show dev IFACE` run without a shell; an empty list on any failure (no ip program,
 * no such interface or namespace, an ip without JSON output, a namespace name that is not a plain name).
 */
export function interfaceAddresses(iface: string, netns?: string): string[] {
  if (netns !== undefined && !NETNS_RE.test(netns)) return [];
  const argv = netns !== undefined ? ["-n", netns] : [];
  argv.push("-j", "addr", "show", "dev", iface);
  const r = spawnSync("ip", argv, { encoding: "utf8", shell: false, timeout: 10_000 });
  if (r.error || r.status !== 0) return [];
  try {
    const data: unknown = JSON.parse(r.stdout);
    if (!Array.isArray(data)) return [];
    const out: string[] = [];
    for (const link of data as { addr_info?: unknown }[]) {
      if (!Array.isArray(link?.addr_info)) continue;
      for (const a of link.addr_info as { local?: unknown }[])
        if (typeof a?.local === "string" && a.local !== "") out.push(a.local);
    }
    return out;
  } catch {
    return []; // no JSON output (old iproute2)
  }
}
