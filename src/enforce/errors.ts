/**
 * Errors of the enforcement layer. Every failure that reaches the user is an EnforceError (a PfwError): one
 * sentence with a stable `code`; the CLI prints the message and exits with `exitCode` (2: pfw could not do
 * its job).
 */
import { PfwError } from "../net/errors.js";

/** Stable codes of enforcement failures. */
export type EnforceErrorCode =
  | "NOT_ROOT" // not uid 0 and no CAP_NET_ADMIN
  | "NFT_MISSING" // the nft program is not installed
  | "IPTABLES_MISSING" // iptables-restore / ip6tables-restore / iptables-save not installed
  | "IP_MISSING" // the ip program (iproute2) is missing (only needed for --netns)
  | "APPLY_FAILED" // the kernel / the tool rejected the script; the previous state is untouched
  | "FLUSH_FAILED" // removing pfw's table / chains failed
  | "STATUS_FAILED" // reading pfw's table / chains failed
  | "BAD_RULE" // a rule field is out of range (a loader bug or a hand-built Ruleset)
  | "UNSUPPORTED" // the backend cannot express a rule (ip6tables and IPv6 fragment offsets)
  | "BAD_ARGUMENT"; // bad CLI / API argument (address, timeout, backend, namespace name)

/** An enforcement failure with a stable code; `exitCode` is what the CLI exits with. */
export class EnforceError extends PfwError {
  override readonly name = "EnforceError";
  /** Stable machine-readable code. */
  declare readonly code: EnforceErrorCode;
  /** What the CLI exits with (always 2). */
  readonly exitCode: number;
  /** Raw stderr of the tool that failed, if any (for --verbose / debugging). */
  readonly detail: string;

  constructor(code: EnforceErrorCode, message: string, detail = "") {
    super(code, message);
    this.exitCode = 2;
    this.detail = detail;
  }
}
