/**
 * Running the firewall tools. Guarantees: child processes are spawned with argument arrays and
 * `shell: false` (no shell string is ever built); scripts go through stdin, never argv or temp
 * files; a missing program becomes an EnforceError with a one-sentence message.
 * `netns` runs the tool inside a named network namespace (`ip netns exec NS tool ...`), which is
 * how the tests (and `pfw enforce --netns`) keep their rules away from the host.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { EnforceError, type EnforceErrorCode } from "./errors.js";

/** Where and how to run a firewall tool. */
export interface ToolOptions {
  /** Run inside this network namespace (`ip netns exec NS ...`). */
  netns?: string;
}

/** Exit code and output of one tool run. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

const NETNS_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** Human name and error code for a missing program. */
function missing(prog: string): { code: EnforceErrorCode; msg: string } {
  if (prog.endsWith("nft")) {
    return {
      code: "NFT_MISSING",
      msg: `nft is not installed (install the nftables package, or use --backend iptables).`,
    };
  }
  if (prog.includes("tables")) {
    return {
      code: "IPTABLES_MISSING",
      msg: `${prog} is not installed (install the iptables package, or use --backend nft).`,
    };
  }
  return { code: "IP_MISSING", msg: `${prog} is not installed (install the iproute2 package).` };
}

/**
 * Run `prog args...` (optionally inside `netns`) with `input` on stdin; resolves with the exit
 * code and output. Rejects only when the program (or `ip` for --netns) cannot be started.
 */
export function runTool(
  prog: string,
  args: readonly string[],
  input: string | null,
  opts: ToolOptions = {},
): Promise<ToolResult> {
  let cmd = prog;
  let argv = [...args];
  if (opts.netns !== undefined) {
    if (!NETNS_NAME.test(opts.netns)) {
      return Promise.reject(
        new EnforceError(
          "BAD_ARGUMENT",
          `${JSON.stringify(opts.netns)} is not a valid network namespace name.`,
        ),
      );
    }
    cmd = "ip";
    argv = ["netns", "exec", opts.netns, prog, ...args];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { shell: false, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    // The tool may exit before reading all of stdin (e.g. a parse error): ignore EPIPE.
    child.stdin.on("error", () => undefined);
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") {
        const m = missing(cmd);
        reject(new EnforceError(m.code, m.msg));
      } else {
        reject(new EnforceError("APPLY_FAILED", `could not run ${cmd}: ${e.message}.`));
      }
    });
    child.on("close", (code, signal) => {
      const stderr = Buffer.concat(err).toString("utf8");
      // `ip netns exec` reports a missing program as: exec of "nft" failed: No such file or directory
      if (
        opts.netns !== undefined &&
        code !== 0 &&
        /^exec of ".*" failed: No such file or directory/m.test(stderr)
      ) {
        const m = missing(prog);
        reject(new EnforceError(m.code, m.msg, stderr));
        return;
      }
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString("utf8"), stderr });
    });
    if (input !== null) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** Effective capability mask (hex text) of this process from /proc/self/status, or "" if unknown. */
export function readCapEff(): string {
  try {
    return /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? "";
  } catch {
    return "";
  }
}

/**
 * Whether a process may change the firewall: uid 0, or CAP_NET_ADMIN (capability 12) in its
 * effective set. Defaults to this process.
 */
export function isPrivileged(
  uid: number | undefined = process.getuid?.(),
  capEff: string = readCapEff(),
): boolean {
  if (uid === 0) return true;
  if (!/^[0-9a-f]{1,16}$/i.test(capEff)) return false;
  return (BigInt(`0x${capEff}`) & (1n << 12n)) !== 0n;
}

/** Throw NOT_ROOT unless the process may change the firewall. */
export function requirePrivileged(what: string): void {
  if (!isPrivileged()) {
    throw new EnforceError(
      "NOT_ROOT",
      `changing or reading the firewall needs root (or CAP_NET_ADMIN): run ${what} with sudo.`,
    );
  }
}
