/**
 * Incremental PUSH parser for classic pcap and pcapng capture streams (file readers and live capture): the
 * entry point that picks the format. The formats are parsed by pcap-parser.ts and pcapng-parser.ts, on the
 * chunk loop they share in parser-base.ts.
 *
 * Guarantees:
 * - The format is detected from the magic number only (the first 4 bytes, which may arrive over several
 *   pushes): classic pcap (usec a1b2c3d4, nsec a1b23c4d, the "modified"/Kuznetzov a1b2cd34 with 24-byte
 *   record headers; both byte orders) or pcapng (0a0d0d0a); anything else is BAD_MAGIC at byte 0.
 * - Everything the format parsers guarantee holds unchanged: records through ONE reused CaptureRecord as
 *   views (copied only when split across chunks), memory independent of the stream length, CaptureFormatError
 *   after every earlier record was delivered, and the same records and error whatever the chunking. This
 *   class adds one call per chunk and nothing per record.
 */

import { CaptureFormatError } from "./errors.js";
import { hex32, u32be, type CaptureParserOptions } from "./parser-base.js";
import { isPcapMagic, PcapParser } from "./pcap-parser.js";
import { isPcapngMagic, PcapngParser } from "./pcapng-parser.js";
import type { RecordSink } from "./types.js";

export { DEFAULT_MAX_RECORD, type CaptureParserOptions } from "./parser-base.js";

/** Incremental capture parser of either format: push() chunks, end() at end of stream. */
export class CaptureParser {
  private readonly sink: RecordSink;
  private readonly opts: CaptureParserOptions;
  /** The format's parser, once the magic is known. */
  private impl: PcapParser | PcapngParser | null = null;
  /** The first bytes while fewer than 4 arrived. */
  private readonly head = new Uint8Array(4);
  private headLen = 0;
  /** Bytes pushed before a bad magic was seen. */
  private nBytes = 0;
  private failed: CaptureFormatError | null = null;

  /** Create a parser that hands every record to sink. */
  constructor(sink: RecordSink, opts: CaptureParserOptions = {}) {
    this.sink = sink;
    this.opts = opts;
  }

  /** Number of records delivered so far. */
  get packets(): number {
    return this.impl !== null ? this.impl.packets : 0;
  }

  /** Bytes pushed so far (= offset reached in the decompressed stream). */
  get bytesConsumed(): number {
    return this.impl !== null ? this.impl.bytesConsumed : this.nBytes;
  }

  /** Detected format: "pcap" | "pcap-nsec" | "pcap-modified" | "pcapng" ("" before the header was read). */
  get formatName(): string {
    return this.impl !== null ? this.impl.formatName : "";
  }

  /** True when the current section/file is big-endian. */
  get bigEndian(): boolean {
    return this.impl !== null ? this.impl.bigEndian : false;
  }

  /** Distinct link types announced by the file header / IDBs, in order of appearance. */
  linktypes(): number[] {
    return this.impl !== null ? this.impl.linktypes() : [];
  }

  /** Feed the next chunk of the stream. Records are delivered synchronously; throws CaptureFormatError. */
  push(chunk: Uint8Array): void {
    if (this.impl !== null) this.impl.push(chunk);
    else this.detect(chunk);
  }

  /** Signal end of stream; throws CaptureFormatError (TRUNCATED) if it ends inside a header or record. */
  end(): void {
    if (this.impl !== null) {
      this.impl.end();
      return;
    }
    if (this.failed === null) {
      const fileName = this.opts.fileName ?? "<capture>";
      this.failed =
        this.headLen === 0
          ? new CaptureFormatError("TRUNCATED", fileName, 0, "empty file (no capture header)")
          : new CaptureFormatError(
              "TRUNCATED",
              fileName,
              0,
              `file too short for a capture header (${this.headLen} bytes)`,
            );
    }
    throw this.failed;
  }

  /** Before the format is known: collect the magic, then hand everything pushed so far to its parser. */
  private detect(chunk: Uint8Array): void {
    if (this.failed !== null) throw this.failed;
    const have = this.headLen;
    if (have + chunk.length < 4) {
      this.head.set(chunk, have);
      this.headLen = have + chunk.length;
      this.nBytes = this.headLen;
      return;
    }
    let m: number;
    if (have === 0) m = u32be(chunk, 0);
    else {
      const magic = new Uint8Array(4);
      magic.set(this.head.subarray(0, have), 0);
      magic.set(chunk.subarray(0, 4 - have), have);
      m = u32be(magic, 0);
    }
    if (isPcapngMagic(m)) this.impl = new PcapngParser(this.sink, this.opts);
    else if (isPcapMagic(m)) this.impl = new PcapParser(this.sink, this.opts);
    else {
      this.nBytes = have + chunk.length;
      this.failed = new CaptureFormatError(
        "BAD_MAGIC",
        this.opts.fileName ?? "<capture>",
        0,
        `magic ${hex32(m)}`,
      );
      throw this.failed;
    }
    if (have > 0) this.impl.push(this.head.subarray(0, have));
    this.impl.push(chunk);
  }
}
