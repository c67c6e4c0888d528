/**
 * The one error base of pfw. Every error that pfw raises on purpose (bad input, bad usage, a tool that
 * failed) is a PfwError: a stable machine-readable `code`, a message that is one sentence for the user, and
 * where it applies the file, the byte offset in it, or the JSON path of a rule. Layers subclass it
 * (CaptureFormatError, LiveCaptureError, EnforceError, UsageError, ...); the app decides exit codes from
 * the class in one place (src/app/exit.ts). Anything else that is thrown is a bug or an I/O error.
 */

/** Where an error points to, when it points somewhere. */
export interface PfwErrorWhere {
  /** File (or source) name as the user gave it. */
  file?: string;
  /** Byte offset in that file (in the decompressed stream for gzip). */
  offset?: number;
  /** JSON path of a rule or option, e.g. `rules[3].dport`. */
  rulePath?: string;
}

/** Base class of every error pfw raises deliberately. */
export class PfwError extends Error {
  /** Stable machine-readable code (e.g. "TRUNCATED", "NOT_ROOT", "USAGE"). */
  readonly code: string;
  readonly file: string | undefined;
  readonly offset: number | undefined;
  readonly rulePath: string | undefined;

  constructor(code: string, message: string, where: PfwErrorWhere = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.file = where.file;
    this.offset = where.offset;
    this.rulePath = where.rulePath;
  }
}

/** True for errors pfw raised on purpose (print the message, no stack trace). */
export function isPfwError(e: unknown): e is PfwError {
  return e instanceof PfwError;
}
