/**
 * Shared contracts of packet sources (file readers and live capture).
 * A source hands each record to a sink; the record object and its buffer are REUSED:
 * a sink that keeps bytes must copy them.
 */

/** One captured frame as a reader hands it out (reused object). */
export interface CaptureRecord {
  /** Buffer holding the frame; valid only during the sink call. */
  buf: Uint8Array;
  /** Offset of the frame in buf. */
  off: number;
  /** Captured length (bytes present in buf from off). */
  caplen: number;
  /** Original length on the wire. */
  origLen: number;
  /** Timestamp: whole seconds since the epoch (may exceed 2^32). */
  tsSec: number;
  /** Timestamp: nanoseconds within the second (0..999999999). */
  tsNsec: number;
  /** False for records without a timestamp (pcapng Simple Packet Block). */
  hasTs: boolean;
  /** Link type (LINKTYPE_* number, FCS/reserved bits masked off). */
  linktype: number;
  /** Interface index (pcapng interface id; 0 for classic pcap), section-qualified for pcapng. */
  ifIndex: number;
  /** 1-based frame number within the source. */
  frame: number;
  /** Byte offset of the record header in the (decompressed) file. */
  fileOffset: number;
}

/** Receives records from a source. */
export type RecordSink = (rec: CaptureRecord) => void;

/**
 * A fresh record over buf with every field set (the one object a source then reuses). Every source builds
 * its record here, so all records have the same shape and the engine's hot path sees one hidden class.
 */
export function newCaptureRecord(buf: Uint8Array, linktype: number): CaptureRecord {
  return {
    buf,
    off: 0,
    caplen: 0,
    origLen: 0,
    tsSec: 0,
    tsNsec: 0,
    hasTs: true,
    linktype,
    ifIndex: 0,
    frame: 0,
    fileOffset: 0,
  };
}
