/**
 * Reusable network-namespace fixture for live-capture tests and benchmarks.
 *
 * createNetnsPair(prefix, {ipv6?}) makes two fresh namespaces joined by a veth pair:
 *   nsA (ifA, ipA = 10.203.0.1/24, ip6A = fd00:203::1/64)  <->  nsB (ifB, ipB = 10.203.0.2/24, ip6B = fd00:203::2/64)
 * with loopback up, IPv6 DAD off, static neighbour entries (no ARP / NDP on the wire), and IPv6 router
 * solicitations disabled, so the only traffic on the link is what the caller sends.
 * Names embed process.pid so parallel runs do not collide; namespaces left by a crashed run of the same
 * prefix (whose pid is gone) are deleted first. Requires root and iproute2 (`ip`).
 * All commands run with argument arrays (never through a shell).
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { readdirSync } from "node:fs";

/** Result of a finished command. */
export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A pair of namespaces joined by a veth link. */
export interface NetnsPair {
  nsA: string;
  nsB: string;
  ifA: string;
  ifB: string;
  ipA: string;
  ipB: string;
  ip6A: string;
  ip6B: string;
  macA: string;
  macB: string;
  /** Run argv inside namespace ns (`ip netns exec ns ...`) and wait for it; rejects only if it cannot start. */
  exec(ns: string, argv: string[], opts?: { timeoutMs?: number; input?: string }): Promise<ExecResult>;
  /** Start argv inside namespace ns without waiting (for servers / long-running senders). */
  spawn(ns: string, argv: string[], opts?: SpawnOptions): ChildProcess;
  /** Set a sysctl inside namespace ns, e.g. sysctl(nsA, "net.ipv4.icmp_ratelimit", "0"). */
  sysctl(ns: string, key: string, value: string): Promise<void>;
  /** Delete both namespaces (and so the veth pair). Safe to call twice. */
  cleanup(): Promise<void>;
}

let counter = 0;

/** Run a command (argument array, no shell) and collect its output. */
export function run(argv: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (cmd === undefined) {
      reject(new Error("run: empty argv"));
      return;
    }
    const child = spawn(cmd, args, {
      shell: false,
      stdio: [opts.input !== undefined ? "pipe" : "ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer =
      opts.timeoutMs !== undefined ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs) : undefined;
    child.on("error", (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (child.stdin) {
      child.stdin.on("error", () => undefined); // a child that exits early: EPIPE is not our error
      child.stdin.end(opts.input);
    }
  });
}

/**
 * Set a sysctl inside namespace ns (writes /proc/sys/... with `tee`, so procps' sysctl is not needed).
 * Keys with dots in a component (interface names) are not supported.
 */
export async function setSysctl(ns: string, key: string, value: string): Promise<void> {
  const file = `/proc/sys/${key.replace(/\./g, "/")}`;
  const r = await run(["ip", "netns", "exec", ns, "tee", file], { timeoutMs: 10_000, input: value + "\n" });
  if (r.code !== 0) throw new Error(`sysctl ${key}=${value} in ${ns} failed: ${r.stderr.trim()}`);
}

/** Run a command and throw with its stderr if it fails. */
export async function runOk(argv: string[]): Promise<string> {
  const r = await run(argv, { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (${r.code ?? r.signal}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** True if a command can be started (e.g. `hasTool("tcpdump", ["--version"])`). */
export async function hasTool(cmd: string, args: string[] = ["--version"]): Promise<boolean> {
  try {
    await run([cmd, ...args], { timeoutMs: 5000 });
    return true;
  } catch {
    return false;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Delete namespaces named `${prefix}-<pid>-...` whose pid is no longer running (left by a crashed run). */
async function sweepStale(prefix: string): Promise<void> {
  let names: string[];
  try {
    names = readdirSync("/run/netns");
  } catch {
    return;
  }
  const re = new RegExp(`^${prefix.replace(/[^A-Za-z0-9]/g, "")}-(\\d+)-`);
  for (const name of names) {
    const m = re.exec(name);
    if (!m || !m[1]) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !pidAlive(pid)) await run(["ip", "netns", "del", name], { timeoutMs: 10_000 });
  }
}

async function linkMac(ns: string, ifname: string): Promise<string> {
  const out = await runOk(["ip", "-n", ns, "-j", "link", "show", "dev", ifname]);
  const parsed = JSON.parse(out) as { address?: string }[];
  const mac = parsed[0]?.address;
  if (!mac) throw new Error(`no MAC address for ${ifname} in ${ns}`);
  return mac;
}

/** Options of createNetnsPair. */
export interface NetnsPairOptions {
  /**
   * IPv6 on the veth pair (default true). The kernel sends MLD reports for up to ~2 s after the link comes
   * up (from ::, not switchable off); tests that assert every packet on the link use ipv6: false.
   */
  ipv6?: boolean;
}

/** Create two namespaces joined by a veth pair (see module header). `prefix` must be short (<= 5 chars). */
export async function createNetnsPair(prefix: string, opts: NetnsPairOptions = {}): Promise<NetnsPair> {
  const ipv6 = opts.ipv6 !== false;
  const p = prefix.replace(/[^A-Za-z0-9]/g, "");
  if (p.length === 0 || p.length > 5) throw new Error("createNetnsPair: prefix must be 1..5 alphanumerics");
  await sweepStale(p);
  const n = counter++;
  const pid = process.pid;
  const nsA = `${p}-${pid}-${n}-a`;
  const nsB = `${p}-${pid}-${n}-b`;
  // Interface names: at most 15 bytes.
  const tag = `${pid % 100000}${n}`.slice(-8);
  const ifA = `${p}${tag}a`.slice(0, 15);
  const ifB = `${p}${tag}b`.slice(0, 15);
  const ipA = "10.203.0.1";
  const ipB = "10.203.0.2";
  const ip6A = "fd00:203::1";
  const ip6B = "fd00:203::2";

  const cleanup = async (): Promise<void> => {
    await run(["ip", "netns", "del", nsA], { timeoutMs: 10_000 }).catch(() => undefined);
    await run(["ip", "netns", "del", nsB], { timeoutMs: 10_000 }).catch(() => undefined);
  };

  try {
    await runOk(["ip", "netns", "add", nsA]);
    await runOk(["ip", "netns", "add", nsB]);
    await runOk(["ip", "-n", nsA, "link", "add", ifA, "type", "veth", "peer", "name", ifB, "netns", nsB]);
    for (const [ns, ifn, ip, ip6] of [
      [nsA, ifA, ipA, ip6A],
      [nsB, ifB, ipB, ip6B],
    ] as const) {
      // No router solicitations / DAD / link-local noise: disable autoconf on this link before it comes up.
      await setSysctl(ns, `net.ipv6.conf.${ifn}.router_solicitations`, "0").catch(() => undefined);
      await setSysctl(ns, `net.ipv6.conf.${ifn}.addr_gen_mode`, "1").catch(() => undefined);
      if (!ipv6) await setSysctl(ns, `net.ipv6.conf.${ifn}.disable_ipv6`, "1");
      await runOk(["ip", "-n", ns, "link", "set", "lo", "up"]);
      await runOk(["ip", "-n", ns, "addr", "add", `${ip}/24`, "dev", ifn]);
      if (ipv6) await runOk(["ip", "-n", ns, "-6", "addr", "add", `${ip6}/64`, "dev", ifn, "nodad"]);
      await runOk(["ip", "-n", ns, "link", "set", ifn, "up"]);
    }
    const macA = await linkMac(nsA, ifA);
    const macB = await linkMac(nsB, ifB);
    // Static neighbours: no ARP / neighbour discovery on the wire.
    await runOk(["ip", "-n", nsA, "neigh", "replace", ipB, "lladdr", macB, "dev", ifA, "nud", "permanent"]);
    await runOk(["ip", "-n", nsB, "neigh", "replace", ipA, "lladdr", macA, "dev", ifB, "nud", "permanent"]);
    if (ipv6) {
      await runOk([
        "ip",
        "-n",
        nsA,
        "-6",
        "neigh",
        "replace",
        ip6B,
        "lladdr",
        macB,
        "dev",
        ifA,
        "nud",
        "permanent",
      ]);
      await runOk([
        "ip",
        "-n",
        nsB,
        "-6",
        "neigh",
        "replace",
        ip6A,
        "lladdr",
        macA,
        "dev",
        ifB,
        "nud",
        "permanent",
      ]);
    }

    return {
      nsA,
      nsB,
      ifA,
      ifB,
      ipA,
      ipB,
      ip6A,
      ip6B,
      macA,
      macB,
      exec: (ns, argv, opts) => run(["ip", "netns", "exec", ns, ...argv], opts),
      sysctl: setSysctl,
      spawn: (ns, argv, opts) => spawn("ip", ["netns", "exec", ns, ...argv], { ...opts, shell: false }),
      cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
