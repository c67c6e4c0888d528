/**
 * In-process capture backend on the npm `cap` libpcap binding (optional dependency, 0.2.1).
 *
 * Measured limits of cap (issue 4) and what we do about them:
 * - cap does not keep a reference to the packet buffer passed to open(): if it is garbage-collected libpcap
 *   writes into freed memory. This class holds the buffer (this.buffer) until stop() has closed the handle.
 * - no timestamp, no original length, no drop counter: tsSec/tsNsec are the wall clock at delivery
 *   (performance.timeOrigin + performance.now(), microsecond resolution), origLen = caplen, and
 *   stats().kernelDrops / ifDrops are -1 (unknown). Packets it loses are lost silently: not the default.
 * - one JS call per packet, in the main thread: the per-packet work here is a few field stores.
 * - a Cap whose open() failed (bad filter, no permission) must NEVER be closed or garbage-collected: its
 *   close() (also run by its destructor) calls uv_poll_stop on a poll handle that was never initialised and
 *   segfaults (measured: open("nope0") then close() -> SIGSEGV). Failed handles are parked in FAILED_HANDLES
 *   for the life of the process (a small leak, only on errors).
 * - for an interface without an IPv4 address cap prints "Warning: ... This may not actually work" on stderr.
 * - capture runs in the process's own network namespace only.
 */
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { classifyPcapError, LiveCaptureError } from "./live-errors.js";
import type { LiveBackend, LiveCapture, LiveStats } from "./live-types.js";
import { newCaptureRecord, type RecordSink } from "./types.js";

/** The part of cap's native Cap object we use. */
interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  on(event: "packet", cb: (nbytes: number, truncated: boolean) => void): void;
  removeAllListeners(event?: string): void;
}
interface CapModule {
  Cap: new () => CapHandle;
}

/** cap's link-type strings -> LINKTYPE_* numbers. */
const CAP_LINKTYPES: Record<string, number> = {
  NULL: 0,
  ETHERNET: 1,
  IEEE802_11_RADIO: 127,
  LINKTYPE_LINUX_SLL: 113,
  RAW: 101,
};

/** Cap objects whose open() failed: kept referenced forever (see header: closing them segfaults). */
const FAILED_HANDLES: unknown[] = [];

function loadCap(): CapModule {
  try {
    const require = createRequire(import.meta.url);
    return require("cap") as CapModule;
  } catch (e) {
    throw new LiveCaptureError(
      "BACKEND_UNAVAILABLE",
      "The cap capture backend is not installed (the npm package cap needs libpcap-dev to build); use --backend tcpdump.",
      String(e),
    );
  }
}

/** Options of the cap backend (resolved by openLive). */
export interface CapCaptureOptions {
  iface: string;
  filter?: string;
  snaplen: number;
  bufferSize: number;
}

/** Live capture through the npm cap binding (in-process libpcap). */
export class CapCapture implements LiveCapture {
  readonly backend: LiveBackend = "cap";
  linktype = -1;
  private readonly mod: CapModule;
  private readonly opts: CapCaptureOptions;
  private handle: CapHandle | null = null;
  /** Packet buffer libpcap copies into: MUST stay referenced while the handle is open (cap keeps no ref). */
  private buffer: Buffer | null = null;
  private captured = 0;

  private constructor(mod: CapModule, opts: CapCaptureOptions) {
    this.mod = mod;
    this.opts = opts;
  }

  /** Load cap (throws BACKEND_UNAVAILABLE if it is not built) and make a capture. */
  static create(opts: CapCaptureOptions): CapCapture {
    return new CapCapture(loadCap(), opts);
  }

  stats(): LiveStats {
    return { captured: this.captured, kernelDrops: -1, ifDrops: -1 };
  }

  async start(sink: RecordSink): Promise<void> {
    if (this.handle) throw new LiveCaptureError("UNSUPPORTED", "This live capture was already started.");
    const o = this.opts;
    // cap always uses snaplen 65535; a smaller buffer would truncate frames.
    const buffer = Buffer.alloc(Math.max(65535, Math.min(o.snaplen, 262144)));
    const handle = new this.mod.Cap();
    let lt: string;
    try {
      lt = handle.open(o.iface, o.filter ?? "", o.bufferSize, buffer);
    } catch (e) {
      FAILED_HANDLES.push(handle);
      throw classifyPcapError((e as Error).message ?? String(e), o.iface, o.filter);
    }
    this.buffer = buffer;
    this.handle = handle;
    this.linktype = CAP_LINKTYPES[lt] ?? -1;
    const rec = newCaptureRecord(buffer, this.linktype);
    const origin = performance.timeOrigin;
    // Hot path: one call per packet from cap.
    handle.on("packet", (nbytes: number) => {
      const ms = origin + performance.now();
      const sec = Math.floor(ms / 1000);
      rec.caplen = nbytes;
      rec.origLen = nbytes;
      rec.tsSec = sec;
      rec.tsNsec = Math.floor((ms - sec * 1000) * 1e6);
      rec.frame = ++this.captured;
      sink(rec);
    });
  }

  async stop(): Promise<void> {
    const h = this.handle;
    if (!h) return;
    this.handle = null;
    h.removeAllListeners("packet");
    h.close();
    // Keep the buffer alive a little longer: cap's close may defer cleanup until its poll callback returns.
    const buf = this.buffer;
    await new Promise<void>((r) => setImmediate(r));
    void buf;
    this.buffer = null;
  }
}
