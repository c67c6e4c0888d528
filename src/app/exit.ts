/**
 * Exit codes of every pfw command, decided here only.
 *   0 nothing flagged / done, 1 something flagged, 2 error (bad usage, bad input, a tool failed; 2 wins
 *   over 1), 130 / 143 stopped by SIGINT / SIGTERM (scan: the reports of what was read are written, marked
 *   "complete": false; a second signal exits at once and leaves no half-written report).
 */
import { PfwError } from "../net/errors.js";

export const EXIT_OK = 0;
export const EXIT_FLAGGED = 1;
export const EXIT_ERROR = 2;
export const EXIT_INTERRUPTED = 130;
/** SIGTERM (128 + 15): the scan stopped early, its reports are written and marked. */
export const EXIT_TERMINATED = 143;

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
