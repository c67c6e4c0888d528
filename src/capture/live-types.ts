/**
 * Contracts shared by live capture (live.ts) and its backends (live-native.ts, live-tcpdump.ts,
 * live-cap.ts). Types only, no code: every backend implements LiveCapture, and live.ts picks one.
 * Guarantees: this module imports nothing at run time, so live.ts and the backends never import each other
 * in a circle (live.ts -> backend -> live-types.ts).
 */
import type { LiveCaptureError } from "./live-errors.js";
import type { RecordSink } from "./types.js";

/** Counters of a live capture. -1 means the backend cannot know (cap backend drops). */
export interface LiveStats {
  /** Records delivered to the sink. */
  captured: number;
  /**
   * Packets the kernel dropped because the capture buffer was full (pcap_stats ps_drop); -1 when the
   * backend / device cannot count them exactly (cap; nflog through tcpdump after an overflow).
   */
  kernelDrops: number;
  /** When kernelDrops is -1: at least this many packets were dropped (absent when nothing is known). */
  kernelDropsMin?: number;
  /** Packets the interface / driver dropped (pcap_stats ps_ifdrop). */
  ifDrops: number;
}

/** A running (or ready-to-start) live capture. */
export interface LiveCapture {
  /**
   * Start delivering records to sink; resolves once the kernel capture is active. onError receives a
   * failure AFTER start (interface removed, helper died); nothing is delivered after it. The sink must not
   * throw (an exception from it is a bug of the consumer and reaches the process as uncaught).
   */
  start(sink: RecordSink, onError?: (e: LiveCaptureError) => void): Promise<void>;
  /** Stop; resolves after the last record was delivered and final counters read. Idempotent. */
  stop(): Promise<void>;
  /** Current counters (kernel counters are refreshed about once a second while running). */
  stats(): LiveStats;
  /** LINKTYPE_* of the capture (1 = Ethernet); known after start() resolved. */
  readonly linktype: number;
  /** Backend in use. */
  readonly backend: LiveBackend;
}

/** Names of the capture backends. */
export type LiveBackend = "tcpdump" | "cap" | "native";
