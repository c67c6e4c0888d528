/**
 * Errors of live capture. Every failure to open or run a live capture is a LiveCaptureError (a PfwError)
 * with a stable `code` and a message that is ONE sentence meant for the user (the CLI prints `message` and exits 2,
 * never a stack trace). `detail` keeps the raw text from libpcap / tcpdump for -v and bug reports.
 */
import { PfwError } from "../net/errors.js";

/** Stable codes of live-capture errors. */
export type LiveCaptureErrorCode =
  | "NO_SUCH_INTERFACE" // the named interface does not exist (in the given namespace)
  | "NO_SUCH_NETNS" // the named network namespace does not exist
  | "PERMISSION_DENIED" // not root and no CAP_NET_RAW / CAP_NET_ADMIN
  | "BAD_FILTER" // the BPF filter expression does not compile
  | "TOOL_MISSING" // tcpdump (helper-process backend) is not installed
  | "BACKEND_UNAVAILABLE" // the cap / native backend is not built (libpcap-dev missing at install)
  | "UNSUPPORTED" // an option the chosen backend cannot do (e.g. netns with an in-process backend)
  | "INTERFACE_DOWN" // the interface is down / not up
  | "INTERFACE_GONE" // the interface was removed or went down while capturing
  | "CAPTURE_FAILED"; // anything else libpcap or tcpdump reported; `detail` has their text

/** A live capture could not be opened or failed while running. */
export class LiveCaptureError extends PfwError {
  /** Stable machine-readable code. */
  declare readonly code: LiveCaptureErrorCode;
  /** Raw diagnostic text from libpcap / tcpdump (may be empty). */
  readonly detail: string;

  constructor(code: LiveCaptureErrorCode, message: string, detail = "") {
    super(code, message);
    this.name = "LiveCaptureError";
    this.detail = detail;
  }
}

/** Turn a libpcap / tcpdump error text into a LiveCaptureError (shared by all backends). */
export function classifyPcapError(text: string, iface: string, filter: string | undefined): LiveCaptureError {
  const t = text.trim();
  const firstLine =
    t
      .split("\n")
      .map((l) => l.replace(/^tcpdump:\s*(pcap_loop:\s*)?/, "").trim())
      .find((l) => l.length > 0) ?? "unknown error";
  if (/interface disappeared|interface went down/i.test(t)) {
    return new LiveCaptureError(
      "INTERFACE_GONE",
      `Interface "${iface}" disappeared or went down while capturing.`,
      t,
    );
  }
  if (
    /No such device|doesn't exist|does not exist|no such interface/i.test(t) &&
    !/netns|namespace/i.test(t)
  ) {
    return new LiveCaptureError(
      "NO_SUCH_INTERFACE",
      `Interface "${iface}" does not exist; run "pfw interfaces" to list the interfaces you can capture on.`,
      t,
    );
  }
  // libpcap's nflog module binding a log group another socket (ulogd, tcpdump, another pfw) already
  // listens on: the kernel answers EPERM (net/netfilter/nfnetlink_log.c), which is not a missing privilege.
  if (/Can't listen on group/i.test(t) && /not permitted|EPERM|busy/i.test(t)) {
    return new LiveCaptureError(
      "CAPTURE_FAILED",
      `The netfilter log group of "${iface}" is already read by another program (ulogd, tcpdump, another pfw); a group has one reader at a time.`,
      t,
    );
  }
  // Before the namespace test: entering an existing namespace without root fails with EPERM and a
  // text that names the namespace ("setns to network namespace "X" failed: Operation not permitted").
  const netns = /namespace "([^"\n]*)"/i.exec(t)?.[1];
  if (/permission|Operation not permitted|EPERM|EACCES/i.test(t)) {
    return new LiveCaptureError(
      "PERMISSION_DENIED",
      /netns|namespace/i.test(t)
        ? `Capturing inside the network namespace ${netns !== undefined ? `"${netns}" ` : ""}needs root.`
        : `Capturing on "${iface}" needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities.`,
      t,
    );
  }
  if (/Cannot open network namespace|network namespace/i.test(t)) {
    return new LiveCaptureError(
      "NO_SUCH_NETNS",
      netns !== undefined
        ? `The network namespace "${netns}" does not exist.`
        : `The network namespace for interface "${iface}" does not exist.`,
      t,
    );
  }
  if (/link-layer type filtering not implemented/i.test(t)) {
    // libpcap compiles no filter at all for some link types, e.g. NFLOG (`nflog:N`).
    return new LiveCaptureError(
      "BAD_FILTER",
      `A capture filter cannot be used on "${iface}" (libpcap: ${firstLine.replace(/\.$/, "")}); the rules still see every packet.`,
      t,
    );
  }
  if (
    /syntax error|filter expression|can't parse filter|unknown host|unknown port|illegal token|not a valid/i.test(
      t,
    )
  ) {
    const why = firstLine.replace(/^.*?(syntax error|can't parse filter expression:?)\s*/i, "$1 ").trim();
    return new LiveCaptureError(
      "BAD_FILTER",
      `The capture filter ${JSON.stringify(filter ?? "")} is not valid BPF syntax (${why}).`,
      t,
    );
  }
  if (/is not up|interface is down|ENETDOWN/i.test(t)) {
    return new LiveCaptureError("INTERFACE_DOWN", `Interface "${iface}" is down; bring it up first.`, t);
  }
  return new LiveCaptureError(
    "CAPTURE_FAILED",
    `Capture on "${iface}" failed: ${firstLine.replace(/\.$/, "")}.`,
    t,
  );
}
