/**
 * `pfw live IFACE` and `pfw interfaces`: the same Engine as `pfw scan`, fed by a live capture.
 * Prints flagged packets as they happen (rate-limited, the log gets all), a status line every
 * second, reloads the rules file on change and SIGHUP (a file with problems is refused and the old
 * rules stay), and on Ctrl-C / SIGTERM stops cleanly and writes the same reports as scan.
 *
 * Guarantees:
 *  - Nothing is written (no report files, no folders) before the capture is running, so "not root",
 *    "no such interface" and a bad --filter leave no empty reports behind; each is one sentence, exit 2.
 *  - Frame numbers are positions in the live stream, so they are the frame numbers `pfw scan` gives the
 *    --write file; with --write every captured packet is recorded and scan reports the same flows.
 *  - The kernel filter derived from the rules (src/engine/bpf.ts) follows rule reloads: when the new
 *    rules need a different filter, a second capture is started with it and the first is stopped, cut
 *    at the second one's start time (kernel timestamps), so no packet is lost or counted twice.
 *    `captured` and `kernel_drops` add up every capture of the run.
 *  - A derived filter libpcap refuses (e.g. Ethernet escapes on a raw-IP link) falls back to a smaller
 *    one and then to the user's --filter alone: deriving never prevents capturing.
 *  - --enforce: the blocks go into the kernel (nft table inet pfw) once the capture runs, so a capture that
 *    cannot start never touches the firewall; reloads re-apply them one at a time, in order; the table is
 *    removed on every way out (Ctrl-C even during start-up) unless --persist. Dropped incoming packets are
 *    still captured (the packet tap sees them before the netfilter input hook) and reported BLOCKED.
 *  - When stdout closes (`pfw live | head`), printing stops and the run stops cleanly as on Ctrl-C.
 */
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { listInterfaces, LiveCaptureError, openLive, type LiveCapture } from "../capture/live.js";
import type { CaptureRecord } from "../capture/types.js";
import { PcapWriter } from "../capture/writer.js";
import type { DecodedPacket } from "../decode/packet.js";
import type { LiveCliOptions } from "../cli/live.js";
import { formatPacketLine } from "../report/packet-log.js";
import { parseCidrDetailed } from "../rules/addr.js";
import { formatProblem, loadRuleFile } from "../rules/load.js";
import type { Cidr, Ruleset } from "../rules/types.js";
import { combineFilters, deriveBpf } from "../rules/prefilter.js";
import {
  ensureParentDir,
  loadRulesOrExplain,
  parseHomeNet,
  reportStamp,
  resolveDefaultRules,
  UsageError,
} from "./common.js";
import { Engine } from "./engine.js";
import { EXIT_ERROR, EXIT_FLAGGED, EXIT_OK } from "./scan.js";

/** Most flagged-packet lines printed per second (the log gets all of them). */
export const CONSOLE_LINES_PER_SEC = 50;

/** `pfw interfaces`. */
export async function runInterfacesCli(): Promise<number> {
  const list = listInterfaces();
  for (const i of list)
    process.stdout.write(`${i.name.padEnd(16)} ${i.addresses.join(" ") || "(no addresses)"}\n`);
  return EXIT_OK;
}

/** Addresses of an interface (in a netns if given), as /32 and /128 home networks. */
function interfaceAddresses(iface: string, netns?: string): Cidr[] {
  const argv = netns
    ? ["-n", netns, "-j", "addr", "show", "dev", iface]
    : ["-j", "addr", "show", "dev", iface];
  const r = spawnSync("ip", argv, { encoding: "utf8" });
  const out: Cidr[] = [];
  if (r.status !== 0) return out;
  try {
    const data = JSON.parse(r.stdout) as { addr_info?: { local?: string }[] }[];
    for (const link of data)
      for (const a of link.addr_info ?? []) {
        if (!a.local) continue;
        const c = parseCidrDetailed(a.local);
        if (c.cidr) out.push(c.cidr);
      }
  } catch {
    // no JSON support: no derived home net
  }
  return out;
}

/** Filters to try, best first: derived with link escapes, derived without, the user's alone. */
function filterAttempts(ruleset: Ruleset, homeNet: Cidr[], opts: LiveCliOptions): (string | undefined)[] {
  const seeAll = Boolean(opts.write || opts.verbose);
  const full = deriveBpf(ruleset, { seeAll, homeNet });
  const attempts: (string | undefined)[] = [];
  if (full !== null) {
    attempts.push(combineFilters(opts.filter, full));
    const small = deriveBpf(ruleset, { seeAll, homeNet, linkEscapes: false });
    if (small !== null && small !== full) attempts.push(combineFilters(opts.filter, small));
  }
  attempts.push(opts.filter || undefined);
  return attempts;
}

/** A copy of a record whose buffer the source reuses. */
function copyRecord(rec: CaptureRecord): CaptureRecord {
  const buf = Uint8Array.prototype.slice.call(rec.buf, rec.off, rec.off + rec.caplen);
  return { ...rec, buf, off: 0 };
}

/** Run `pfw live`; returns the exit code. */
export async function runLiveCli(iface: string | undefined, opts: LiveCliOptions): Promise<number> {
  const err = (s: string): void => void process.stderr.write(`pfw: ${s}\n`);
  if (!iface) {
    const list = listInterfaces().filter((i) => i.name !== "lo");
    err(
      `which interface? Run "pfw live <iface>" with one of: ${list.map((i) => i.name).join(", ") || "(none found)"} (see "pfw interfaces").`,
    );
    return EXIT_ERROR;
  }
  /** The running capture, and the counters of those retired by a filter change. */
  let capture: LiveCapture | null = null;
  let retired = { captured: 0, kernelDrops: 0, unknown: false };
  let enforced = false;
  /** The last re-apply of the rules to the kernel (they run one after the other). */
  let enforcing: Promise<void> = Promise.resolve();
  /** Undo timers, watchers and signal handlers, on every way out (so the process can exit). */
  const cleanups: (() => void)[] = [];
  const nftOpts = opts.netns ? { netns: opts.netns } : {};
  try {
    const rulesPath = opts.rules ?? resolveDefaultRules();
    let ruleset = loadRulesOrExplain(rulesPath);
    const homeNet = opts.homeNet ? parseHomeNet(opts.homeNet) : interfaceAddresses(iface, opts.netns);
    const maxFlows = Number(opts.maxFlows);
    const duration = opts.duration !== undefined ? Number(opts.duration) : Infinity;
    const maxCount = opts.count !== undefined ? Number(opts.count) : Infinity;
    if (!(duration > 0))
      throw new UsageError(`--duration: "${opts.duration}" is not a positive number of seconds`);
    if (!(maxCount > 0)) throw new UsageError(`--count: "${opts.count}" is not a positive number`);
    if (!Number.isInteger(maxFlows) || maxFlows < 1)
      throw new UsageError(`--max-flows: "${opts.maxFlows}" is not a positive integer`);

    if (opts.enforce) {
      // Checked before capturing so the sentence names what the user ran (not "pfw enforce apply").
      const { requirePrivileged } = await import("../enforce/exec.js");
      requirePrivileged("pfw live --enforce");
    }

    // The pipeline; created once the capture runs (so a capture that cannot start writes nothing).
    let engine: Engine | null = null;
    let fileIndex = 0;
    let writer: PcapWriter | null = null;
    let count = 0;
    let stopping: ((why: string) => void) | null = null;
    const stopped = new Promise<string>((resolve) => (stopping = resolve));
    // `pfw live | head -3`: when the reader goes away, stop printing and stop cleanly (as tcpdump
    // exits), still writing the reports; never an unhandled EPIPE with a stack trace.
    let stdoutOpen = true;
    const onStdoutError = (): void => {
      if (!stdoutOpen) return;
      stdoutOpen = false;
      stopping?.("stdout closed");
    };
    process.stdout.on("error", onStdoutError);
    cleanups.push(() => {
      process.stdout.off("error", onStdoutError);
      if (!process.stdout.listeners("error").includes(ignoreError)) process.stdout.on("error", ignoreError);
    });
    // Ctrl-C / SIGTERM from here on stop cleanly, also while the capture and the firewall are still being
    // set up (the run then stops as soon as it is up, so an applied table is always removed).
    let signals = 0;
    const onSignal = (sig: string) => (): void => {
      if (++signals > 1) {
        err(`${sig} again: exiting at once, reports not written`);
        process.exit(130);
      }
      stopping?.(sig);
    };
    const onInt = onSignal("SIGINT");
    const onTerm = onSignal("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    cleanups.push(() => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    });
    let captureError: LiveCaptureError | null = null;
    /** Records delivered before the engine existed (copied; normally none). */
    const early: CaptureRecord[] = [];
    const handle = (rec: CaptureRecord): void => {
      if (count >= maxCount) return;
      count++;
      rec.frame = count;
      if (opts.write) {
        writer ??= new PcapWriter(opts.write, { linktype: rec.linktype });
        writer.writeRecord(rec.buf, rec.off, rec.caplen, rec.origLen, rec.tsSec, rec.tsNsec);
      }
      engine!.handle(rec, fileIndex);
      if (count >= maxCount) stopping?.("count");
    };
    /** Sink of one capture; records outside [fromNs, untilNs) belong to the capture before / after it. */
    const makeSink = (gate: { fromNs: number; untilNs: number }) => (rec: CaptureRecord) => {
      if (gate.fromNs > 0 || gate.untilNs < Infinity) {
        const ns = rec.tsSec * 1e9 + rec.tsNsec;
        if (ns < gate.fromNs || ns >= gate.untilNs) return;
      }
      if (engine) handle(rec);
      else early.push(copyRecord(rec));
    };
    const onCaptureError = (c: () => LiveCapture | null) => (e: LiveCaptureError) => {
      if (capture !== c()) return; // a retired capture
      captureError = e;
      stopping?.("error");
    };

    /** Open and start a capture with the first filter libpcap accepts. */
    const startCapture = async (
      attempts: (string | undefined)[],
      gate: { fromNs: number; untilNs: number },
    ): Promise<{ cap: LiveCapture; filter: string | undefined; fellBack: LiveCaptureError | null }> => {
      let fellBack: LiveCaptureError | null = null;
      for (let i = 0; i < attempts.length; i++) {
        const filter = attempts[i];
        const cap = await openLive({
          iface,
          ...(filter ? { filter } : {}),
          ...(opts.backend ? { backend: opts.backend } : {}),
          ...(opts.netns ? { netns: opts.netns } : {}),
        });
        try {
          let self: LiveCapture | null = null;
          await cap.start(
            makeSink(gate),
            onCaptureError(() => self),
          );
          self = cap;
          return { cap, filter, fellBack };
        } catch (e) {
          await cap.stop().catch(() => undefined);
          const last = i === attempts.length - 1;
          if (
            !last &&
            e instanceof LiveCaptureError &&
            (e.code === "BAD_FILTER" || e.code === "CAPTURE_FAILED")
          ) {
            fellBack = e;
            continue;
          }
          throw e;
        }
      }
      throw new Error("unreachable: no capture filter to try");
    };

    const attempts = filterAttempts(ruleset, homeNet, opts);
    let gate = { fromNs: 0, untilNs: Infinity };
    const first = await startCapture(attempts, gate);
    capture = first.cap;
    let activeFilter = first.filter;
    let activeAttempts = attempts;
    if (first.fellBack) {
      err(
        `note: the capture filter derived from the rules was refused by libpcap (${first.fellBack.message}); using ${activeFilter ? JSON.stringify(activeFilter) : "no filter"}.`,
      );
    }

    // Enforcement starts once the capture runs: a capture that cannot start never touches the firewall
    // (nor removes a table an earlier `pfw enforce apply` or `--persist` left).
    const applyRules = async (rs: Ruleset): Promise<void> => {
      const { enforceApply } = await import("../enforce/index.js");
      await enforceApply(rs, {
        backend: "nft",
        dryRun: false,
        homeNet,
        sshGuard: opts.sshGuard !== false,
        ...nftOpts,
      });
    };
    if (opts.enforce) {
      await applyRules(ruleset);
      enforced = true;
      process.stderr.write(`pfw: enforcing ${rulesPath} with nftables (table inet pfw)\n`);
    }

    const stamp = reportStamp();
    const base = path.join("reports", `live-${iface}-${stamp}`);
    const csvPath = opts.out ?? `${base}.csv`;
    const logPath = opts.log ?? `${base}.log`;
    for (const p of [csvPath, logPath, opts.json, opts.jsonl, opts.write]) if (p) ensureParentDir(p);

    // Console: flagged packets (and ALLOWED with -v), at most 50 lines a second; the log has them all.
    const fileName = `live:${iface}`;
    let consoleBudget = CONSOLE_LINES_PER_SEC;
    let consoleSuppressed = 0;
    const eng: Engine = new Engine({
      ruleset,
      homeNet,
      maxFlows,
      outputs: { csvPath, logPath, jsonPath: opts.json ?? null, jsonlPath: opts.jsonl ?? null },
      onVerdictMinRank: opts.verbose ? 0 : 1,
      onVerdict: (pkt: DecodedPacket, rec: CaptureRecord, rank: number, ruleIndex: number) => {
        if (!stdoutOpen) return;
        if (consoleBudget <= 0) {
          consoleSuppressed++;
          return;
        }
        consoleBudget--;
        const l = eng.lookup();
        process.stdout.write(
          formatPacketLine(
            pkt,
            rec.tsSec,
            rec.tsNsec,
            rec.hasTs,
            rank,
            l.id(ruleIndex),
            l.reason(ruleIndex),
            rec.frame,
            fileName,
          ) + "\n",
        );
      },
    });
    fileIndex = eng.addFile(fileName);
    engine = eng;
    for (const rec of early.splice(0)) handle(rec);
    process.stderr.write(
      `pfw: capturing on ${iface} (${capture.backend} backend${activeFilter ? `, filter: ${activeFilter}` : ""}); Ctrl-C to stop\n`,
    );
    if (activeFilter !== undefined && /(^|\(| )less 0\)*$/.test(activeFilter))
      err(
        `note: no rule of ${rulesPath} can flag a packet, so nothing is captured (the rules are watched; -v or --write capture everything).`,
      );

    // Rules reload: a new derived filter means a new capture, cut at its start time.
    let swapping: Promise<void> = Promise.resolve();
    const swapFilter = async (): Promise<void> => {
      const next = filterAttempts(ruleset, homeNet, opts);
      if (next.join("\n") === activeAttempts.join("\n") || !capture) return;
      const old = capture;
      const oldGate = gate;
      const newGate = { fromNs: Infinity, untilNs: Infinity };
      try {
        const started = await startCapture(next, newGate);
        const cutNs = Date.now() * 1e6;
        oldGate.untilNs = cutNs;
        newGate.fromNs = cutNs;
        capture = started.cap;
        gate = newGate;
        activeFilter = started.filter;
        activeAttempts = next;
        await old.stop().catch(() => undefined);
        const st = old.stats();
        retired = {
          captured: retired.captured + st.captured,
          kernelDrops: retired.kernelDrops + Math.max(0, st.kernelDrops),
          unknown: retired.unknown || st.kernelDrops < 0,
        };
        process.stderr.write(`pfw: capture filter now: ${activeFilter ?? "(none)"}\n`);
      } catch (e) {
        err(
          `the capture filter for the new rules could not be applied, the old one stays (packets it drops are not seen): ${(e as Error).message}`,
        );
      }
    };
    const reload = (why: string): void => {
      const res = loadRuleFile(rulesPath);
      if (!res.ruleset || res.problems.length) {
        err(
          `rules reload (${why}) refused, old rules stay in force:\n` +
            res.problems.map((p) => `  ${formatProblem(p)}`).join("\n"),
        );
        return;
      }
      const rs: Ruleset = res.ruleset;
      ruleset = rs;
      eng.setRules(rs);
      process.stderr.write(`pfw: rules reloaded (${why}): ${rs.rules.length} rules from ${rulesPath}\n`);
      swapping = swapping.then(swapFilter);
      if (enforced) {
        // One apply at a time, in reload order; the exit waits for it before removing the table.
        enforcing = enforcing.then(() =>
          applyRules(rs).then(
            () => void process.stderr.write(`pfw: rules re-applied with nftables (table inet pfw)\n`),
            (e: unknown) =>
              err(
                `re-applying the rules with nftables failed, the previous kernel rules stay: ${(e as Error).message}`,
              ),
          ),
        );
      }
    };
    // Editors replace files, so watch the folder and compare the text.
    let lastText = safeRead(rulesPath);
    let debounce: NodeJS.Timeout | null = null;
    const watcher = fs.watch(path.dirname(path.resolve(rulesPath)), () => {
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(() => {
        const text = safeRead(rulesPath);
        if (text !== null && text !== lastText) {
          lastText = text;
          reload("file changed");
        }
      }, 150);
    });
    watcher.on("error", () => undefined);
    cleanups.push(() => {
      watcher.close();
      if (debounce) clearTimeout(debounce);
    });
    const onHup = (): void => {
      lastText = safeRead(rulesPath);
      reload("SIGHUP");
    };
    process.on("SIGHUP", onHup);
    cleanups.push(() => process.off("SIGHUP", onHup));

    const stats = (): { captured: number; kernelDrops: number } => {
      const st = capture!.stats();
      const unknown = retired.unknown || st.kernelDrops < 0;
      return {
        captured: retired.captured + st.captured,
        kernelDrops: unknown ? -1 : retired.kernelDrops + st.kernelDrops,
      };
    };

    // Status line every second; flow expiry on the wall clock.
    const started = Date.now();
    let lastCount = 0;
    const tty = process.stderr.isTTY === true;
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
      consoleBudget = CONSOLE_LINES_PER_SEC;
      const st = stats();
      eng.expire(Date.now() / 1000);
      const rate = count - lastCount;
      lastCount = count;
      const flagged = eng.summary.packetVerdicts;
      const nFlagged = (flagged[1] ?? 0) + (flagged[2] ?? 0) + (flagged[3] ?? 0);
      const line =
        `${rate} pkt/s, ${count} packets, ${eng.liveFlows} flows, ${nFlagged} flagged, ` +
        `kernel drops ${st.kernelDrops < 0 ? "unknown" : st.kernelDrops}` +
        (consoleSuppressed ? `, ${consoleSuppressed} lines not shown (see ${logPath})` : "");
      if (opts.status !== false) {
        if (tty) process.stderr.write(`\r\x1b[K${line}`);
        else if (ticks % 5 === 0) process.stderr.write(`status: ${line}\n`);
      }
      if ((Date.now() - started) / 1000 >= duration) stopping?.("duration");
    }, 1000);
    cleanups.push(() => clearInterval(timer));

    const why = await stopped;
    clearInterval(timer);
    watcher.close();
    if (debounce) clearTimeout(debounce);
    process.off("SIGHUP", onHup);
    await swapping;
    if (tty && opts.status !== false) process.stderr.write("\r\x1b[K");
    await capture.stop();
    (writer as PcapWriter | null)?.close();
    const st = stats();
    eng.summary.live = { captured: st.captured, kernel_drops: st.kernelDrops };
    const capErr = captureError as LiveCaptureError | null;
    if (capErr)
      eng.summary.addError({ file: fileName, code: capErr.code, offset: null, message: capErr.message });
    const result = eng.finish();
    if (stdoutOpen) process.stdout.write(result.tableText + "\n" + result.summaryText);
    process.stderr.write(
      `pfw: stopped (${why}); captured ${st.captured}, kernel drops ${st.kernelDrops < 0 ? "unknown" : st.kernelDrops}` +
        (consoleSuppressed
          ? `; ${consoleSuppressed} flagged packets were not printed (all are in the log)`
          : "") +
        `\nCSV report: ${csvPath}\nlog: ${logPath}\n` +
        (opts.json ? `JSON: ${opts.json}\n` : "") +
        (opts.jsonl ? `JSON lines: ${opts.jsonl}\n` : "") +
        (opts.write ? `capture: ${opts.write}\n` : ""),
    );
    if (capErr) {
      err(capErr.message);
      return EXIT_ERROR;
    }
    return result.flaggedFlows > 0 || result.flaggedPackets > 0 ? EXIT_FLAGGED : EXIT_OK;
  } catch (e) {
    if (capture) await capture.stop().catch(() => undefined);
    if (
      e instanceof UsageError ||
      e instanceof LiveCaptureError ||
      (e as { name?: string }).name === "EnforceError"
    ) {
      err((e as Error).message);
      return EXIT_ERROR;
    }
    const io = e as NodeJS.ErrnoException;
    if (io.syscall && io.code) {
      err(`cannot write the reports: ${io.message}`);
      return EXIT_ERROR;
    }
    throw e;
  } finally {
    for (const c of cleanups.splice(0).reverse()) c();
    if (enforced) {
      await enforcing;
      if (opts.persist) {
        process.stderr.write(
          `pfw: nftables table inet pfw kept (--persist); remove it with: pfw enforce flush${opts.netns ? ` --netns ${opts.netns}` : ""}\n`,
        );
      } else {
        const { enforceFlush } = await import("../enforce/index.js");
        await enforceFlush("nft", nftOpts).then(
          () => void process.stderr.write("pfw: nftables table inet pfw removed\n"),
          (e: unknown) => err(`removing the nftables table failed: ${(e as Error).message}`),
        );
      }
    }
  }
}

/** Keeps a late EPIPE of a closed stdout from becoming an uncaught exception. */
function ignoreError(): void {}

function safeRead(p: string): string | null {
  try {
    return fs.readFileSync(p, "utf8");
  } catch {
    return null;
  }
}
