/**
 * Native capture backend: our own N-API libpcap addon (native/src/pfw_capture.c), built by
 * `node-gyp rebuild -C native` (needs libpcap-dev; optional: without it this backend is unavailable).
 *
 * - TPACKET_V3 block ring with a short block timeout (default 50 ms): the capacity of tcpdump's block mode
 *   with bounded latency; nanosecond kernel timestamps, original lengths, pcap_stats drop counters.
 * - Packets arrive in batches: the addon copies classic-pcap records (16-byte host-order header + data,
 *   4-byte aligned) into ONE ArrayBuffer we own and hold (the addon holds a reference too), then makes ONE
 *   JS call per batch; this file walks the batch with a reused record (no allocation per packet).
 * - Works inside a named network namespace (the addon opens the socket from a thread that entered it).
 * - Netfilter log groups (`nflog:N`): a netlink socket instead of a ring (see the addon's header and
 *   live-nflog.ts): EAGAIN means "no packet yet", microsecond time stamps (the kernel's NFULA_TIMESTAMP when
 *   the record has one), one packet per netlink message so the socket's drop counter is exact; when it
 *   cannot be, kernelDrops is -1 (unknown) and kernelDropsMin the lower bound.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { classifyPcapError, LiveCaptureError } from "./live-errors.js";
import { LINKTYPE_NFLOG, nflogKernelTime } from "./live-nflog.js";
import type { LiveBackend, LiveCapture, LiveStats } from "./live-types.js";
import { newCaptureRecord, type RecordSink } from "./types.js";

interface NativeHandle {
  dispatch(): number;
  /** [received, dropped (-1 = unknown), interface drops, at least this many dropped]. */
  stats(): [number, number, number, number?] | undefined;
  linktype(): number;
  error(): string | undefined;
  close(): void;
}
interface NativeModule {
  open(
    iface: string,
    filter: string,
    snaplen: number,
    bufferSize: number,
    timeoutMs: number,
    netns: string,
    batch: ArrayBuffer,
    cb: (count: number, bytes: number) => void,
  ): NativeHandle;
  libVersion(): string;
  /** Names of the devices pcap_findalldevs() lists (addons built before it lack it). */
  devices?(): string[];
}

const REC_HDR = 16;
/** Batch buffer: 4 MiB (must exceed snaplen + 16). */
const BATCH_BYTES = 4 * 1024 * 1024;
/** Default TPACKET_V3 block retire timeout = worst-case delivery latency. */
export const NATIVE_BLOCK_TIMEOUT_MS = 50;

let cached: NativeModule | null = null;

/** Path of the built addon, searched from this file upwards (src/capture or dist/src/capture). */
export function nativeAddonPath(): string | null {
  const here = fileURLToPath(new URL(".", import.meta.url));
  for (const up of ["../..", "../../.."]) {
    const p = fileURLToPath(new URL(`${up}/native/build/Release/pfw_capture.node`, `file://${here}`));
    if (existsSync(p)) return p;
  }
  return null;
}

/** Load the addon or throw BACKEND_UNAVAILABLE. */
export function loadNative(): NativeModule {
  if (cached) return cached;
  const p = nativeAddonPath();
  if (!p) {
    throw new LiveCaptureError(
      "BACKEND_UNAVAILABLE",
      "The native capture backend is not built (run node-gyp rebuild -C native with libpcap-dev installed); use --backend tcpdump.",
    );
  }
  try {
    cached = createRequire(import.meta.url)(p) as NativeModule;
    return cached;
  } catch (e) {
    throw new LiveCaptureError(
      "BACKEND_UNAVAILABLE",
      "The native capture backend could not be loaded (rebuild it with node-gyp rebuild -C native); use --backend tcpdump.",
      String(e),
    );
  }
}

/** Options of the native backend (resolved by openLive). */
export interface NativeCaptureOptions {
  iface: string;
  filter?: string;
  snaplen: number;
  bufferSize: number;
  netns?: string;
  /** Block retire timeout in ms (latency bound), default 50. */
  blockTimeoutMs?: number;
}

/** Live capture through the pfw_capture addon. */
export class NativeCapture implements LiveCapture {
  readonly backend: LiveBackend = "native";
  linktype = -1;
  private readonly mod: NativeModule;
  private readonly opts: NativeCaptureOptions;
  private handle: NativeHandle | null = null;
  /** The batch buffer: referenced here for the capture's life (and by the addon). */
  private batch: ArrayBuffer | null = null;
  private captured = 0;
  private stopped: Promise<void> | null = null;
  private last: LiveStats = { captured: 0, kernelDrops: 0, ifDrops: 0 };

  private constructor(mod: NativeModule, opts: NativeCaptureOptions) {
    this.mod = mod;
    this.opts = opts;
  }

  /** Load the addon (throws BACKEND_UNAVAILABLE) and make a capture. */
  static create(opts: NativeCaptureOptions): NativeCapture {
    return new NativeCapture(loadNative(), opts);
  }

  stats(): LiveStats {
    const s = this.handle?.stats();
    if (s) {
      this.last = { captured: this.captured, kernelDrops: s[1], ifDrops: s[2] };
      if (s[1] < 0 && s[3] !== undefined) this.last.kernelDropsMin = s[3];
    } else this.last = { ...this.last, captured: this.captured };
    return this.last;
  }

  /** Start; onError gets a failure after start (interface removed or down), after which nothing is delivered. */
  async start(sink: RecordSink, onError?: (e: LiveCaptureError) => void): Promise<void> {
    if (this.handle) throw new LiveCaptureError("UNSUPPORTED", "This live capture was already started.");
    const o = this.opts;
    const snaplen = Math.min(o.snaplen, BATCH_BYTES - REC_HDR - 4);
    const batch = new ArrayBuffer(BATCH_BYTES);
    const bytes = new Uint8Array(batch);
    const words = new Uint32Array(batch); // host byte order, 4-byte aligned headers
    const rec = newCaptureRecord(bytes, -1);
    let nflog = false;
    // Hot path: one call per batch; walks the records with the reused rec.
    const onBatch = (count: number, _len: number): void => {
      if (count < 0) {
        onError?.(classifyPcapError(this.handle?.error() ?? "capture failed", o.iface, o.filter));
        return;
      }
      let off = 0;
      for (let i = 0; i < count; i++) {
        const w = off >>> 2;
        const caplen = words[w + 2]!;
        rec.tsSec = words[w]!;
        rec.tsNsec = words[w + 1]!;
        rec.caplen = caplen;
        rec.origLen = words[w + 3]!;
        rec.off = off + REC_HDR;
        rec.frame = ++this.captured;
        if (nflog) nflogKernelTime(rec);
        sink(rec);
        off += (REC_HDR + caplen + 3) & ~3;
      }
    };
    let h: NativeHandle;
    try {
      h = this.mod.open(
        o.iface,
        o.filter ?? "",
        snaplen,
        o.bufferSize,
        o.blockTimeoutMs ?? NATIVE_BLOCK_TIMEOUT_MS,
        o.netns ?? "",
        batch,
        onBatch,
      );
    } catch (e) {
      throw classifyPcapError((e as Error).message ?? String(e), o.iface, o.filter);
    }
    this.batch = batch;
    this.handle = h;
    this.linktype = h.linktype();
    rec.linktype = this.linktype;
    nflog = this.linktype === LINKTYPE_NFLOG;
  }

  stop(): Promise<void> {
    if (!this.handle && !this.stopped) return Promise.resolve();
    this.stopped ??= this.doStop();
    return this.stopped;
  }

  private async doStop(): Promise<void> {
    const h = this.handle;
    if (!h) return;
    // Let the kernel retire the current ring block (block timeout), read it, then close.
    await new Promise((r) => setTimeout(r, 2 * (this.opts.blockTimeoutMs ?? NATIVE_BLOCK_TIMEOUT_MS) + 20));
    h.dispatch();
    this.stats();
    this.handle = null;
    h.close();
    this.batch = null;
    // The addon closes the pcap handle in libuv's close phase, which runs before the next timers phase:
    // after this, the device is released (an nflog group can be bound again by the next capture).
    await new Promise((r) => setTimeout(r, 1));
  }
}
