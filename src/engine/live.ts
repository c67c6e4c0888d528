/**
 * `pfw live IFACE` and `pfw interfaces`: the same Engine as `pfw scan`, fed by a live capture.
 * Prints flagged packets as they happen (rate-limited, the log gets all), a status line every
 * second, reloads the rules file on change and SIGHUP (a file with problems is refused and the old
 * rules stay), and on Ctrl-C / SIGTERM stops cleanly and writes the same reports as scan.
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
import { combineFilters, deriveBpf } from "./bpf.js";
import { loadRulesOrExplain, parseHomeNet, reportStamp, resolveDefaultRules, UsageError } from "./common.js";
import { Engine } from "./engine.js";
import { EXIT_ERROR, EXIT_FLAGGED, EXIT_OK } from "./scan.js";

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
  let capture: LiveCapture | null = null;
  let enforced = false;
  const nftOpts = opts.netns ? { netns: opts.netns } : {};
  try {
    const rulesPath = opts.rules ?? resolveDefaultRules();
    const ruleset = loadRulesOrExplain(rulesPath);
    const homeNet = opts.homeNet ? parseHomeNet(opts.homeNet) : interfaceAddresses(iface, opts.netns);
    const maxFlows = Number(opts.maxFlows);
    const duration = opts.duration !== undefined ? Number(opts.duration) : Infinity;
    const maxCount = opts.count !== undefined ? Number(opts.count) : Infinity;
    if (!(duration > 0))
      throw new UsageError(`--duration: "${opts.duration}" is not a positive number of seconds`);
    if (!(maxCount > 0)) throw new UsageError(`--count: "${opts.count}" is not a positive number`);
    if (!Number.isInteger(maxFlows) || maxFlows < 1)
      throw new UsageError(`--max-flows: "${opts.maxFlows}" is not a positive integer`);

    const stamp = reportStamp();
    const base = path.join("reports", `live-${iface}-${stamp}`);
    const csvPath = opts.out ?? `${base}.csv`;
    const logPath = opts.log ?? `${base}.log`;
    for (const p of [csvPath, logPath, opts.json, opts.jsonl, opts.write])
      if (p) fs.mkdirSync(path.dirname(path.resolve(p)), { recursive: true });

    // Console: flagged packets (and ALLOWED with -v), at most 50 lines a second; the log has them all.
    let consoleBudget = 50;
    let consoleSuppressed = 0;
    const engine: Engine = new Engine({
      ruleset,
      homeNet,
      maxFlows,
      outputs: { csvPath, logPath, jsonPath: opts.json ?? null, jsonlPath: opts.jsonl ?? null },
      onVerdictMinRank: opts.verbose ? 0 : 1,
      onVerdict: (pkt: DecodedPacket, rec: CaptureRecord, rank: number, ruleIndex: number) => {
        if (consoleBudget <= 0) {
          consoleSuppressed++;
          return;
        }
        consoleBudget--;
        const l = engine.lookup();
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
            iface,
          ) + "\n",
        );
      },
    });
    const fileIndex = engine.addFile(`live:${iface}`);

    if (opts.enforce) {
      const { enforceApply } = await import("../enforce/index.js");
      await enforceApply(ruleset, {
        backend: "nft",
        dryRun: false,
        homeNet,
        sshGuard: opts.sshGuard !== false,
        ...nftOpts,
      });
      enforced = true;
      process.stderr.write(`pfw: enforcing ${rulesPath} with nftables (table inet pfw)\n`);
    }

    const derived = deriveBpf(ruleset, { seeAll: Boolean(opts.write || opts.verbose) });
    const filter = combineFilters(opts.filter, derived);
    capture = await openLive({
      iface,
      ...(filter ? { filter } : {}),
      ...(opts.backend ? { backend: opts.backend } : {}),
      ...(opts.netns ? { netns: opts.netns } : {}),
    });
    let writer: PcapWriter | null = null;
    let count = 0;
    let stopping: ((why: string) => void) | null = null;
    const stopped = new Promise<string>((resolve) => (stopping = resolve));
    let captureError: LiveCaptureError | null = null;
    await capture.start(
      (rec) => {
        if (count >= maxCount) return;
        count++;
        if (opts.write) {
          writer ??= new PcapWriter(opts.write, { linktype: rec.linktype });
          writer.writeRecord(rec.buf, rec.off, rec.caplen, rec.origLen, rec.tsSec, rec.tsNsec);
        }
        engine.handle(rec, fileIndex);
        if (count >= maxCount) stopping?.("count");
      },
      (e) => {
        captureError = e;
        stopping?.("error");
      },
    );
    process.stderr.write(
      `pfw: capturing on ${iface} (${capture.backend} backend${filter ? `, filter: ${filter}` : ""}); Ctrl-C to stop\n`,
    );

    // Rules reload: file watch (editors replace files, so watch the folder) and SIGHUP.
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
      engine.setRules(rs);
      process.stderr.write(`pfw: rules reloaded (${why}): ${rs.rules.length} rules from ${rulesPath}\n`);
      if (enforced) {
        void import("../enforce/index.js").then(({ enforceApply }) =>
          enforceApply(rs, {
            backend: "nft",
            dryRun: false,
            homeNet,
            sshGuard: opts.sshGuard !== false,
            ...nftOpts,
          }).catch((e: unknown) =>
            err(
              `re-applying the rules with nftables failed, the previous kernel rules stay: ${(e as Error).message}`,
            ),
          ),
        );
      }
    };
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
    const onHup = (): void => {
      lastText = safeRead(rulesPath);
      reload("SIGHUP");
    };
    const onSignal = (sig: string) => (): void => stopping?.(sig);
    const onInt = onSignal("SIGINT");
    const onTerm = onSignal("SIGTERM");
    process.on("SIGHUP", onHup);
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);

    // Status line every second; flow expiry on the wall clock.
    const started = Date.now();
    let lastCount = 0;
    const tty = process.stderr.isTTY === true;
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
      consoleBudget = 50;
      const st = capture!.stats();
      engine.expire(Date.now() / 1000);
      const rate = count - lastCount;
      lastCount = count;
      const flagged = engine.summary.packetVerdicts;
      const nFlagged = (flagged[1] ?? 0) + (flagged[2] ?? 0) + (flagged[3] ?? 0);
      const line =
        `${rate} pkt/s, ${count} packets, ${engine.liveFlows} flows, ${nFlagged} flagged, ` +
        `kernel drops ${st.kernelDrops < 0 ? "unknown" : st.kernelDrops}` +
        (consoleSuppressed ? `, ${consoleSuppressed} lines not shown (see ${logPath})` : "");
      if (opts.status !== false) {
        if (tty) process.stderr.write(`\r\x1b[K${line}`);
        else if (ticks % 5 === 0) process.stderr.write(`status: ${line}\n`);
      }
      if ((Date.now() - started) / 1000 >= duration) stopping?.("duration");
    }, 1000);

    const why = await stopped;
    clearInterval(timer);
    watcher.close();
    if (debounce) clearTimeout(debounce);
    process.off("SIGHUP", onHup);
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    if (tty && opts.status !== false) process.stderr.write("\r\x1b[K");
    await capture.stop();
    (writer as PcapWriter | null)?.close();
    const st = capture.stats();
    engine.summary.live = { captured: st.captured, kernel_drops: st.kernelDrops };
    if (captureError) {
      engine.summary.addError({
        file: `live:${iface}`,
        code: (captureError as LiveCaptureError).code,
        offset: null,
        message: (captureError as LiveCaptureError).message,
      });
    }
    const result = engine.finish();
    process.stdout.write(result.tableText + "\n" + result.summaryText);
    process.stderr.write(
      `pfw: stopped (${why}); captured ${st.captured}, kernel drops ${st.kernelDrops < 0 ? "unknown" : st.kernelDrops}\n` +
        `CSV report: ${csvPath}\nlog: ${logPath}\n` +
        (opts.json ? `JSON: ${opts.json}\n` : "") +
        (opts.write ? `capture: ${opts.write}\n` : ""),
    );
    if (captureError) {
      err((captureError as LiveCaptureError).message);
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
    throw e;
  } finally {
    if (enforced && !opts.persist) {
      const { enforceFlush } = await import("../enforce/index.js");
      await enforceFlush("nft", nftOpts).catch((e: unknown) =>
        err(`removing the nftables table failed: ${(e as Error).message}`),
      );
    }
  }
}

function safeRead(p: string): string | null {
  try {
    return fs.readFileSync(p, "utf8");
  } catch {
    return null;
  }
}
