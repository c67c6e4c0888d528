/**
 * Capture-file format errors.
 * Guarantees: every error a reader raises for bad file CONTENT is a CaptureFormatError (a PfwError) with a
 * stable `code`, the file name and the byte offset (in the decompressed stream) where the problem starts.
 * I/O errors (ENOENT, EACCES, ...) are never wrapped into this class.
 */
import { PfwError } from "../net/errors.js";

/** Stable codes of capture-format errors. */
export type CaptureErrorCode =
  | "BAD_MAGIC" // first 4 bytes are neither a pcap nor a pcapng magic
  | "TRUNCATED" // the file ends inside a header or record
  | "RECORD_TOO_LARGE" // record/block claims more than the allowed maximum (256 KiB of packet data)
  | "BLOCK_LENGTH_MISMATCH" // pcapng block lengths disagree, are not a multiple of 4, or too small for the block
  | "BAD_VERSION" // unsupported pcap (major != 2) or pcapng (not 1.0 / 1.2) version
  | "BAD_BYTE_ORDER" // pcapng section header with an unknown byte-order magic
  | "BAD_OPTION" // pcapng option of SHB/IDB runs past its block, or an invalid if_tsresol
  | "BAD_LINKTYPE" // classic pcap link-type field with reserved bits set (libpcap/tshark refuse it too)
  | "BAD_INTERFACE" // pcapng packet block names an interface that has no IDB in its section
  | "GZIP_CORRUPT"; // gzip stream is corrupt or ends early

/** A capture file is corrupt, truncated or of an unsupported variant. */
export class CaptureFormatError extends PfwError {
  /** Stable machine-readable code. */
  declare readonly code: CaptureErrorCode;
  /** File name (or source name) as given to the reader. */
  declare readonly file: string;
  /** Byte offset in the (decompressed) capture stream where the problem starts. */
  declare readonly offset: number;
  /** Short reason without file/offset prefix. */
  readonly reason: string;

  constructor(code: CaptureErrorCode, file: string, offset: number, reason: string) {
    super(
      code,
      code === "BAD_MAGIC"
        ? `${file}: not a pcap or pcapng capture (${reason})`
        : `${file}: file truncated/corrupt at byte ${offset}: ${reason}`,
      { file, offset },
    );
    this.name = "CaptureFormatError";
    this.reason = reason;
  }
}
