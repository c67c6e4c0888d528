/**
 * Helper-process capture backend: `tcpdump -w -` does the privileged capture, we parse its pcap stream.
 *
 * - argv only (shell: false); the filter is ONE argv element after "--", never interpreted by a shell.
 * - Nanosecond kernel timestamps (`--time-stamp-precision=nano`), original lengths, kernel buffer -B.
 * - Drop counters: tcpdump prints pcap_stats on stderr when it gets SIGUSR1 (Linux) and on exit
 *   ("N packets dropped by kernel" / "N packets dropped by interface"); we send SIGUSR1 every
 *   statsIntervalSec and parse the lines. Drops caused by a slow consumer are kernel drops too: when we read
 *   slowly the pipe fills, tcpdump blocks, the kernel ring overflows and ps_drop counts it.
 * - start() resolves at tcpdump's "listening on" line (pcap_activate + setfilter done); failures before it
 *   are classified from tcpdump's stderr into LiveCaptureError.
 * - Devices with microsecond time stamps only (libpcap's netfilter module: `nflog:N`) refuse
 *   --time-stamp-precision=nano ("Can't set nanosecond time stamp precision"): tcpdump is run without it for
 *   nflog, and for any other device that refuses it start() retries once without it. The pcap stream's
 *   magic number says which precision it has; the parser converts to nanoseconds either way.
 * - nflog: tcpdump's "dropped by kernel" is libpcap's count of ENOBUFS errors (overflow episodes of the
 *   netlink socket, each losing one or more netlink messages of one or more packets), not a packet count:
 *   0 means nothing was lost; a positive n means at least n packets were, so kernelDrops is then -1 (unknown)
 *   with kernelDropsMin = n. Records get the kernel's NFULA_TIMESTAMP when they carry one (live-nflog.ts).
 * - tcpdump dies with pfw: a SIGKILLed pfw cannot stop its helper, so tcpdump is started under util-linux
 *   `setpriv --pdeathsig KILL` (PR_SET_PDEATHSIG: the kernel sends SIGKILL when pfw's process dies; Node cannot
 *   call prctl itself). The kernel clears that setting when a process changes its uid, and tcpdump started as
 *   root drops to its own user ("tcpdump" on Debian) once the device is open, so as root the drop is done by
 *   setpriv before tcpdump starts instead: user tcpdump, no supplementary groups, CAP_NET_RAW and
 *   CAP_NET_ADMIN kept as ambient capabilities (what the capture needs), then --pdeathsig KILL; tcpdump, not
 *   root, does not drop again. Without setpriv (or without --pdeathsig) tcpdump is spawned as before and
 *   outlives a killed pfw. See deathWrap / tcpdumpCommand.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { classifyPcapError, LiveCaptureError } from "./live-errors.js";
import type { LiveBackend, LiveCapture, LiveStats } from "./live-types.js";
import { isNflogDevice, nflogTimeSink } from "./live-nflog.js";
import { CaptureFormatError } from "./errors.js";
import { CaptureParser } from "./parser.js";
import type { RecordSink } from "./types.js";

/** Options of the tcpdump backend (resolved by openLive). */
export interface TcpdumpCaptureOptions {
  iface: string;
  filter?: string;
  snaplen: number;
  bufferSize: number;
  netns?: string;
  statsIntervalSec?: number;
  /**
   * Pass --immediate-mode: deliver each packet at once. libpcap then uses a fixed-slot ring (TPACKET_V2)
   * holding only about bufferSize/snaplen packets, which drops under bursts (bench: 0.2-4.5 % at 60-140k
   * packets/s). Default false: block ring (TPACKET_V3), no drops in the bench, latency up to ~1 s.
   */
  immediate?: boolean;
  /** Pass -U (flush the pcap stream after each packet). Default true. */
  packetBuffered?: boolean;
  /**
   * Ask tcpdump for nanosecond time stamps (default: yes, except on nflog devices, which have microseconds
   * only). A device that refuses them is retried once without.
   */
  nanoTimestamps?: boolean;
  /** tcpdump executable (default "tcpdump"). */
  tcpdumpPath?: string;
  /** Wrap tcpdump so it gets SIGKILL when pfw dies (default true; see the module header). */
  dieWithParent?: boolean;
}

/**
 * How tcpdump is wrapped (see the module header): the setpriv program, whether it knows ambient
 * capabilities, and (when pfw runs as root) the user to run tcpdump as with the capabilities to keep.
 */
export interface DeathWrap {
  setpriv: string;
  ambientCaps: boolean;
  dropTo: { uid: number; gid: number; caps: string[] } | null;
}

let probed: { setpriv: string; ambientCaps: boolean } | null | undefined;

/** setpriv's capabilities, probed once per process with `setpriv --help`; null without --pdeathsig. */
function probeSetpriv(): { setpriv: string; ambientCaps: boolean } | null {
  if (probed !== undefined) return probed;
  const r = spawnSync("setpriv", ["--help"], { encoding: "utf8", shell: false, timeout: 5000 });
  const help = r.error === undefined ? `${r.stdout}${r.stderr}` : "";
  probed = help.includes("--pdeathsig")
    ? { setpriv: "setpriv", ambientCaps: help.includes("--ambient-caps") }
    : null;
  return probed;
}

/** uid and gid of the local user tcpdump drops to as root (Debian, Fedora: "tcpdump"), null if there is none. */
function tcpdumpUser(): { uid: number; gid: number } | null {
  try {
    const line = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((l) => l.startsWith("tcpdump:"));
    const f = line?.split(":");
    const uid = Number(f?.[2]);
    const gid = Number(f?.[3]);
    return f !== undefined && Number.isInteger(uid) && uid > 0 && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}

/** The capture capabilities this process has (effective set), as setpriv names them. */
function captureCaps(): string[] {
  let eff = 0n;
  try {
    const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    if (hex !== undefined) eff = BigInt(`0x${hex}`);
  } catch {
    // unknown: keep none
  }
  const caps: string[] = [];
  if (eff & (1n << 13n)) caps.push("net_raw");
  if (eff & (1n << 12n)) caps.push("net_admin");
  return caps;
}

/** The wrapper for this process (null: spawn tcpdump plainly). */
export function deathWrap(): DeathWrap | null {
  const sp = probeSetpriv();
  if (sp === null) return null;
  let dropTo: DeathWrap["dropTo"] = null;
  const user = process.getuid?.() === 0 || process.geteuid?.() === 0 ? tcpdumpUser() : null;
  const caps = user !== null && sp.ambientCaps ? captureCaps() : [];
  if (user !== null && caps.includes("net_raw")) dropTo = { ...user, caps };
  return { ...sp, dropTo };
}

/**
 * Program and argv that start tcpdump (inside netns, wrapped by `wrap`); exported for tests. With a wrap:
 *   setpriv --pdeathsig KILL -- [ip netns exec NS] tcpdump ARGS            (not root, or no tcpdump user)
 *   [setpriv --pdeathsig KILL -- ip netns exec NS] setpriv --reuid=U --regid=G --clear-groups
 *     --inh-caps=+net_raw,+net_admin --ambient-caps=+net_raw,+net_admin --pdeathsig KILL -- tcpdump ARGS
 * (`ip netns exec` needs root, so the uid changes inside it; its own pdeathsig covers the steps before.)
 */
export function tcpdumpCommand(
  o: TcpdumpCaptureOptions,
  nano: boolean,
  wrap: DeathWrap | null,
): [string, string[]] {
  let argv = [o.tcpdumpPath ?? "tcpdump", ...tcpdumpArgs(o, nano)];
  const drop = wrap?.dropTo ?? null;
  if (wrap !== null && drop !== null) {
    const caps = drop.caps.map((c) => `+${c}`).join(",");
    argv = [
      wrap.setpriv,
      `--reuid=${drop.uid}`,
      `--regid=${drop.gid}`,
      "--clear-groups",
      `--inh-caps=${caps}`,
      `--ambient-caps=${caps}`,
      "--pdeathsig",
      "KILL",
      "--",
      ...argv,
    ];
  }
  if (o.netns !== undefined) argv = ["ip", "netns", "exec", o.netns, ...argv];
  if (wrap !== null && (drop === null || o.netns !== undefined))
    argv = [wrap.setpriv, "--pdeathsig", "KILL", "--", ...argv];
  return [argv[0] as string, argv.slice(1)];
}

/** tcpdump's DLT names (from its "listening on ..., link-type NAME" line) -> LINKTYPE_* numbers. */
const DLT_NAMES: Record<string, number> = {
  NULL: 0,
  EN10MB: 1,
  RAW: 101,
  IEEE802_11: 105,
  LOOP: 108,
  LINUX_SLL: 113,
  IEEE802_11_RADIO: 127,
  LINUX_SLL2: 276,
  IPV4: 228,
  IPV6: 229,
  PPP: 9,
  PPP_SERIAL: 50,
  C_HDLC: 104,
  PFLOG: 117,
  PRISM_HEADER: 119,
  IEEE802_11_RADIO_AVS: 163,
  PPI: 192,
  NFLOG: 239,
};

/** tcpdump's fixed pcap timeout (1000 ms) = TPACKET_V3 block retire timeout, plus margin. */
const BLOCK_RETIRE_WAIT_MS = 1200;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** tcpdump's complaint when the device has no nanosecond time stamps. */
const NANO_REFUSED_RE = /Can't set nanosecond time stamp precision|doesn't support that time stamp precision/;
const STAT_RE = /^(\d+) packets? (captured|received by filter|dropped by kernel|dropped by interface)/;
const LISTEN_RE = /listening on \S+, link-type (\S+)/;

/**
 * Build tcpdump's argv (exported for tests / the bench). nano: ask for nanosecond time stamps (default: yes,
 * except on nflog devices, which have microseconds only).
 */
export function tcpdumpArgs(o: TcpdumpCaptureOptions, nano = !isNflogDevice(o.iface)): string[] {
  const args = [
    "-i",
    o.iface,
    "-n",
    "-w",
    "-",
    "-s",
    String(o.snaplen),
    "-B",
    String(Math.max(1, Math.ceil(o.bufferSize / 1024))),
  ];
  if (nano) args.push("--time-stamp-precision=nano");
  if (o.packetBuffered !== false) args.push("-U");
  if (o.immediate === true) args.push("--immediate-mode");
  if (o.filter !== undefined && o.filter.trim() !== "") args.push("--", o.filter);
  return args;
}

/** Live capture through a tcpdump helper process. */
export class TcpdumpCapture implements LiveCapture {
  readonly backend: LiveBackend = "tcpdump";
  linktype = -1;
  private readonly opts: TcpdumpCaptureOptions;
  private child: ChildProcessByStdio<null, Readable, Readable> | null = null;
  private parser: CaptureParser | null = null;
  private kernelDrops = 0;
  /** nflog: tcpdump's "dropped by kernel" counts overflow episodes, so it is only a lower bound. */
  private readonly dropsAreEpisodes: boolean;
  private ifDrops = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed: Promise<void> | null = null;
  private listening = false;
  private stopping = false;
  private stopped: Promise<void> | null = null;
  private stderrTail = "";
  private stderrAll = "";
  private onError: ((e: LiveCaptureError) => void) | undefined;

  constructor(opts: TcpdumpCaptureOptions) {
    this.opts = opts;
    this.dropsAreEpisodes = isNflogDevice(opts.iface);
  }

  stats(): LiveStats {
    const captured = this.parser?.packets ?? 0;
    if (this.dropsAreEpisodes && this.kernelDrops > 0)
      return { captured, kernelDrops: -1, kernelDropsMin: this.kernelDrops, ifDrops: this.ifDrops };
    return { captured, kernelDrops: this.kernelDrops, ifDrops: this.ifDrops };
  }

  /** Start tcpdump; resolves once it is listening. onError gets failures after that (tcpdump died, bad stream). */
  async start(sink: RecordSink, onError?: (e: LiveCaptureError) => void): Promise<void> {
    if (this.child) throw new LiveCaptureError("UNSUPPORTED", "This live capture was already started.");
    const out = isNflogDevice(this.opts.iface) ? nflogTimeSink(sink) : sink;
    const nano = this.opts.nanoTimestamps ?? !isNflogDevice(this.opts.iface);
    try {
      await this.startOnce(out, onError, nano);
    } catch (e) {
      // A device without nanosecond time stamps: tcpdump exited before listening; once more without.
      if (!nano || !(e instanceof LiveCaptureError) || !NANO_REFUSED_RE.test(e.detail)) throw e;
      this.child = null;
      this.parser = null;
      this.closed = null;
      this.listening = false;
      this.stderrTail = "";
      this.stderrAll = "";
      await this.startOnce(out, onError, false);
    }
  }

  private startOnce(
    sink: RecordSink,
    onError: ((e: LiveCaptureError) => void) | undefined,
    nano: boolean,
  ): Promise<void> {
    this.onError = onError;
    const o = this.opts;
    const [cmd, args] = tcpdumpCommand(o, nano, o.dieWithParent === false ? null : deathWrap());
    const parser = new CaptureParser(sink, { fileName: `tcpdump -i ${o.iface}` });
    this.parser = parser;
    const child = spawn(cmd, args, {
      shell: false,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (e: LiveCaptureError): void => {
        if (!settled) {
          settled = true;
          reject(e);
        } else if (!this.stopping) {
          this.onError?.(e);
        }
      };

      child.on("error", (err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") {
          const missing = o.netns !== undefined ? "ip (iproute2)" : "tcpdump";
          fail(
            new LiveCaptureError(
              "TOOL_MISSING",
              `The program ${missing} is not installed; install it (apt-get install ${o.netns !== undefined ? "iproute2" : "tcpdump"}) or choose another capture backend.`,
              err.message,
            ),
          );
        } else {
          fail(
            new LiveCaptureError("CAPTURE_FAILED", `Could not start tcpdump: ${err.message}.`, err.message),
          );
        }
      });

      child.stdout.on("data", (chunk: Buffer) => {
        try {
          parser.push(chunk);
        } catch (e) {
          this.kill();
          if (!(e instanceof CaptureFormatError)) throw e; // the sink threw: a bug of the consumer, not ours
          fail(
            new LiveCaptureError("CAPTURE_FAILED", "The capture stream from tcpdump is corrupt.", e.message),
          );
        }
      });

      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (text: string) => {
        this.stderrAll = (this.stderrAll + text).slice(-8192);
        const lines = (this.stderrTail + text).split("\n");
        this.stderrTail = lines.pop() ?? "";
        for (const line of lines) {
          if (!this.listening) {
            const m = LISTEN_RE.exec(line);
            if (m && m[1]) {
              this.listening = true;
              this.linktype = DLT_NAMES[m[1]] ?? -1;
              this.startStatsTimer();
              if (!settled) {
                settled = true;
                resolve();
              }
              continue;
            }
          }
          const s = STAT_RE.exec(line.trim());
          if (s && s[1] && s[2]) {
            const n = Number(s[1]);
            if (s[2] === "dropped by kernel") this.kernelDrops = n;
            else if (s[2] === "dropped by interface") this.ifDrops = n;
          }
        }
      });

      this.closed = new Promise<void>((done) => {
        child.on("close", (code, signal) => {
          this.clearStatsTimer();
          try {
            parser.end();
          } catch {
            // A record cut by a killed tcpdump: everything complete was delivered.
          }
          if (!this.stopping || !settled) {
            const text = this.stderrAll + this.stderrTail;
            // `ip netns exec` / setpriv could not start tcpdump.
            if (/exec of "?[^"]*"? failed|^setpriv: failed to execute /m.test(text)) {
              fail(
                new LiveCaptureError(
                  "TOOL_MISSING",
                  "The program tcpdump is not installed; install it (apt-get install tcpdump) or choose another capture backend.",
                  text,
                ),
              );
            } else if (!settled || code !== 0) {
              // Only tcpdump's complaint: not its "listening on" banner nor its statistics lines.
              const complaint = text
                .split("\n")
                .filter((l) => !LISTEN_RE.test(l) && !STAT_RE.test(l.trim()))
                .join("\n");
              const e = classifyPcapError(
                complaint.trim() || `tcpdump exited with ${code ?? signal}`,
                o.iface,
                o.filter,
              );
              fail(e);
            }
          }
          done();
        });
      });
    });
  }

  stop(): Promise<void> {
    if (!this.child) return Promise.resolve();
    this.stopped ??= this.doStop();
    return this.stopped;
  }

  private async doStop(): Promise<void> {
    if (!this.child || !this.closed) return;
    this.stopping = true;
    this.clearStatsTimer();
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      // Block mode: packets sit in the current ring block until the kernel retires it (tcpdump's 1000 ms
      // timeout); tcpdump does not read an unretired block on exit, so wait for the retire timer first.
      if (this.opts.immediate !== true && this.listening) await sleep(BLOCK_RETIRE_WAIT_MS);
      child.kill("SIGINT"); // tcpdump flushes, prints final pcap_stats and exits
      const hard = setTimeout(() => child.kill("SIGKILL"), 3000);
      await this.closed;
      clearTimeout(hard);
    } else {
      await this.closed;
    }
  }

  private kill(): void {
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  }

  private startStatsTimer(): void {
    const sec = this.opts.statsIntervalSec ?? 1;
    if (sec <= 0) return;
    this.timer = setInterval(() => {
      const c = this.child;
      if (c && c.exitCode === null && c.signalCode === null) c.kill("SIGUSR1");
    }, sec * 1000);
    this.timer.unref();
  }

  private clearStatsTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
