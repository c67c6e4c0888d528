/**
 * Exit codes of every pfw command, decided here only.
 *   0 nothing flagged / done, 1 something flagged, 2 error (bad usage, bad input, a tool failed; 2 wins
 *   over 1), 130 interrupted twice (reports not written), 143 terminated before anything could be written.
 */
import { PfwError } from "../net/errors.js";

export const EXIT_OK = 0;
export const EXIT_FLAGGED = 1;
export const EXIT_ERROR = 2;
export const EXIT_INTERRUPTED = 130;

/** The exit code of a finished run: error beats flagged beats ok. */
export function runExitCode(hadError: boolean, flagged: boolean): number {
  if (hadError) return EXIT_ERROR;
  return flagged ? EXIT_FLAGGED : EXIT_OK;
}

/** True when an error is one pfw raised on purpose (print its message, no stack trace, exit 2). */
export function isExpectedError(e: unknown): boolean {
  if (e instanceof PfwError) return true;
  const io = e as NodeJS.ErrnoException | null;
  return (
    io !== null && typeof io === "object" && typeof io.code === "string" && typeof io.syscall === "string"
  );
}
