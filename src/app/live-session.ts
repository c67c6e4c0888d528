/**
 * The live use case: one LiveSession is `pfw live IFACE` (and, later, the dashboard's live view). The same
 * Engine and report sinks as a scan, fed by a live capture. Life cycle: start() -> (reload(), stats(),
 * requestStop()) -> stop() -> close(). It prints nothing (messages go to hooks.info / hooks.warn), owns no
 * signal handler and never exits the process: the CLI maps signals to requestStop() and reload().
 *
 * Guarantees:
 *  - Nothing is written (no report files, no folders) before the capture is running, so "not root",
 *    "no such interface" and a bad --filter leave no empty reports behind; start() throws one error.
 *  - Frame numbers are positions in the live stream, so they are the frame numbers `pfw scan` gives the
 *    --write file; with --write every captured packet is recorded and scan reports the same flows.
 *  - The kernel filter derived from the rules (rules/prefilter) follows rule reloads: when the new rules
 *    need a different filter, a second capture is started with it and the first is stopped, cut at the
 *    second one's start time (kernel timestamps), so no packet is lost or counted twice. `captured` and
 *    `kernel_drops` add up every capture of the run.
 *  - A derived filter libpcap refuses (e.g. Ethernet escapes on a raw-IP link) falls back to a smaller
 *    one and then to the user's --filter alone: deriving never prevents capturing.
 *  - Messages name the derived filter by a summary ("derived from 9 rules, 1,234 chars, ANDed with --filter
 *    "udp"; full text with --show-filter"); the full text (kilobytes for big rule files) only with showFilter.
 *  - Without enforce, a notice says nothing is blocked (MONITOR_ONLY_NOTICE) before "capturing on ...".
 *  - The log goes beside the CSV report (x/r.csv -> x/r.log), as in `pfw scan`; --log wins.
 *  - enforce: the blocks go into the kernel (nft table inet pfw) once the capture runs, so a capture that
 *    cannot start never touches the firewall; reloads re-apply them one at a time, in order; close()
 *    removes the table on every way out (also after a failed start) unless persist. Dropped incoming
 *    packets are still captured (the packet tap sees them before the netfilter input hook).
 */
import fs from "node:fs";
import path from "node:path";
import { interfaceAddresses, LiveCaptureError, openLive, type LiveCapture } from "../capture/live.js";
import type { CaptureRecord } from "../capture/types.js";
import { PcapWriter } from "../capture/writer.js";
import { Engine } from "../engine/engine.js";
import type { EngineContext, Sink } from "../engine/sink.js";
import { combineFilters, deriveBpf, ruleClause } from "../rules/prefilter.js";
import { formatProblem, loadRuleFile } from "../rules/load.js";
import type { Cidr, Ruleset } from "../rules/types.js";
import { UsageError } from "./errors.js";
import { EXIT_ERROR, runExitCode } from "./exit.js";
import { ReportSet, type ReportResult } from "./outputs.js";
import { ensureParentDir, reportStamp, resolveDefaultRules } from "./paths.js";
import { addressesAsHomeNet, loadRulesOrExplain, parseHomeNet } from "./rules-file.js";

/** Options of a live session (the CLI's options after parsing). */
export interface LiveSessionOptions {
  rules?: string;
  filter?: string;
  homeNet?: string;
  jsonl?: string;
  log?: string;
  json?: string;
  out?: string;
  write?: string;
  verbose?: boolean;
  /** Print the full kernel capture filter (at start and when a reload changes it), not only its summary. */
  showFilter?: boolean;
  backend?: "native" | "tcpdump" | "cap";
  duration?: string;
  count?: string;
  enforce?: boolean;
  persist?: boolean;
  sshGuard?: boolean;
  status?: boolean;
  maxFlows: string;
  netns?: string;
}

/** How a session talks to its front end. */
export interface LiveHooks {
  /** A progress message ("capturing on ...", "rules reloaded ..."). */
  info(message: string): void;
  /** A problem; the session goes on. */
  warn(message: string): void;
  /** Once a second, after idle flows expired. */
  onTick?(stats: LiveStatsSnapshot): void;
  /** Extra sinks (the live console, the dashboard), attached after the report sinks. */
  sinks?: (ctx: EngineContext) => Sink[];
}

/** Counters of a running session. */
export interface LiveStatsSnapshot {
  /** Frames handled by the engine. */
  packets: number;
  /** Frames handled in the last second. */
  rate: number;
  flows: number;
  flagged: number;
  captured: number;
  /** -1: the backend cannot know. */
  kernelDrops: number;
  uptimeSec: number;
}

/** What a stopped session did. */
export interface LiveOutcome {
  exitCode: number;
  why: string;
  result: ReportResult;
  captured: number;
  kernelDrops: number;
  csvPath: string;
  logPath: string;
  captureError: LiveCaptureError | null;
}

/** A copy of a record whose buffer the source reuses. */
function copyRecord(rec: CaptureRecord): CaptureRecord {
  const buf = Uint8Array.prototype.slice.call(rec.buf, rec.off, rec.off + rec.caplen);
  return { ...rec, buf, off: 0 };
}

function safeRead(p: string): string | null {
  try {
    return fs.readFileSync(p, "utf8");
  } catch {
    return null;
  }
}

interface Gate {
  fromNs: number;
  untilNs: number;
}

/** One capture filter to try: the text given to libpcap and the part of it derived from the rules. */
interface FilterAttempt {
  filter: string | undefined;
  derived: string | null;
}

/** The log path of a CSV report path, as `pfw scan` derives it: x/r.csv -> x/r.log. */
export function logBesideCsv(csvPath: string): string {
  return csvPath.replace(/\.csv$/, "") + ".log";
}

/** The passive-mode notice (no --enforce), printed once the capture runs. */
export const MONITOR_ONLY_NOTICE =
  "monitor only: nothing is blocked; packets the rules would block show as WOULD-BLOCK (add --enforce to block them)";

/** One live monitoring session on one interface. */
export class LiveSession {
  /** Resolves with the reason once a stop was asked for (duration, count, capture error, requestStop). */
  readonly stopRequested: Promise<string>;
  readonly rulesPath: string;
  readonly fileName: string;
  private resolveStop!: (why: string) => void;
  private stopWhy: string | null = null;
  private ruleset: Ruleset;
  private readonly homeNet: Cidr[];
  private readonly maxFlows: number;
  private readonly duration: number;
  private readonly maxCount: number;
  private capture: LiveCapture | null = null;
  private retired = { captured: 0, kernelDrops: 0, unknown: false };
  private enforced = false;
  private enforcing: Promise<void> = Promise.resolve();
  private swapping: Promise<void> = Promise.resolve();
  private engine: Engine | null = null;
  private reports: ReportSet | null = null;
  private fileIndex = 0;
  private writer: PcapWriter | null = null;
  private count = 0;
  private lastCount = 0;
  private captureError: LiveCaptureError | null = null;
  private readonly early: CaptureRecord[] = [];
  private gate: Gate = { fromNs: 0, untilNs: Infinity };
  private activeFilter: FilterAttempt = { filter: undefined, derived: null };
  private activeAttempts: FilterAttempt[] = [];
  private readonly cleanups: (() => void)[] = [];
  private started = 0;
  private csvPath = "";
  private logPath = "";
  private closed = false;

  constructor(
    readonly iface: string,
    private readonly opts: LiveSessionOptions,
    private readonly hooks: LiveHooks,
  ) {
    this.stopRequested = new Promise<string>((resolve) => (this.resolveStop = resolve));
    this.rulesPath = opts.rules ?? resolveDefaultRules();
    this.fileName = `live:${iface}`;
    // what the file held when loaded: a change from here on (even one made before the watcher is set up)
    // is a reload
    this.lastStat = this.statKey();
    this.lastText = safeRead(this.rulesPath);
    this.ruleset = loadRulesOrExplain(this.rulesPath);
    this.homeNet = opts.homeNet
      ? parseHomeNet(opts.homeNet)
      : addressesAsHomeNet(interfaceAddresses(iface, opts.netns));
    this.maxFlows = Number(opts.maxFlows);
    this.duration = opts.duration !== undefined ? Number(opts.duration) : Infinity;
    this.maxCount = opts.count !== undefined ? Number(opts.count) : Infinity;
    if (!(this.duration > 0))
      throw new UsageError(`--duration: "${opts.duration}" is not a positive number of seconds`);
    if (!(this.maxCount > 0)) throw new UsageError(`--count: "${opts.count}" is not a positive number`);
    if (!Number.isInteger(this.maxFlows) || this.maxFlows < 1)
      throw new UsageError(`--max-flows: "${opts.maxFlows}" is not a positive integer`);
  }

  /** Ask the session to stop (Ctrl-C, SIGTERM, stdout closed, a dashboard's stop button). */
  requestStop(why: string): void {
    if (this.stopWhy !== null) return;
    this.stopWhy = why;
    this.resolveStop(why);
  }

  /** Open the capture, apply enforcement, create the reports and start the clock. Throws on failure. */
  async start(): Promise<void> {
    const opts = this.opts;
    if (opts.enforce) {
      // Checked before capturing so the sentence names what the user ran (not "pfw enforce apply").
      const { requirePrivileged } = await import("../enforce/exec.js");
      requirePrivileged("pfw live --enforce");
    }
    const attempts = this.filterAttempts();
    const first = await this.startCapture(attempts, this.gate);
    this.capture = first.cap;
    this.activeFilter = first.attempt;
    this.activeAttempts = attempts;
    if (first.fellBack) {
      const using = this.activeFilter.filter;
      this.hooks.warn(
        `note: the capture filter derived from the rules was refused by libpcap (${this.shortenFilterText(first.fellBack.message, attempts)}); using ${
          this.activeFilter.derived !== null
            ? "a smaller derived filter (without the Ethernet encapsulation escapes)"
            : using
              ? JSON.stringify(using)
              : "no filter"
        }.`,
      );
    }
    // Enforcement starts once the capture runs: a capture that cannot start never touches the firewall
    // (nor removes a table an earlier `pfw enforce apply` or `--persist` left).
    if (opts.enforce) {
      await this.applyRules(this.ruleset);
      this.enforced = true;
      this.hooks.info(`enforcing ${this.rulesPath} with nftables (table inet pfw)`);
    }

    const stamp = reportStamp();
    const base = path.join("reports", `live-${this.iface}-${stamp}`);
    this.csvPath = opts.out ?? `${base}.csv`;
    this.logPath = opts.log ?? logBesideCsv(this.csvPath); // beside --out, as in `pfw scan`
    for (const p of [this.csvPath, this.logPath, opts.json, opts.jsonl, opts.write])
      if (p) ensureParentDir(p);

    const engine = new Engine({ ruleset: this.ruleset, homeNet: this.homeNet, maxFlows: this.maxFlows });
    this.reports = new ReportSet(engine, {
      csvPath: this.csvPath,
      logPath: this.logPath,
      jsonPath: opts.json ?? null,
      jsonlPath: opts.jsonl ?? null,
      streaming: true,
    });
    for (const s of this.hooks.sinks?.(engine.context) ?? []) engine.addSink(s);
    this.fileIndex = engine.addFile(this.fileName);
    this.engine = engine;
    for (const rec of this.early.splice(0)) this.handle(rec);
    if (!opts.enforce) this.hooks.info(MONITOR_ONLY_NOTICE);
    const summary = this.filterSummary(this.activeFilter);
    this.hooks.info(
      `capturing on ${this.iface} (${this.capture.backend} backend${summary ? `, filter: ${summary}` : ""}); Ctrl-C to stop`,
    );
    if (opts.showFilter && this.activeFilter.filter)
      this.hooks.info(`capture filter (full text): ${this.activeFilter.filter}`);
    const active = this.activeFilter.filter;
    if (active !== undefined && /(^|\(| )less 0\)*$/.test(active))
      this.hooks.warn(
        `note: no rule of ${this.rulesPath} can flag a packet, so nothing is captured (the rules are watched; -v or --write capture everything).`,
      );
    this.watchRules();

    // The clock: flow expiry on wall time, the periodic counters, --duration.
    this.started = Date.now();
    const timer = setInterval(() => this.tick(), 1000);
    this.cleanups.push(() => clearInterval(timer));
  }

  /** Counters now. */
  stats(): LiveStatsSnapshot {
    const cap = this.capStats();
    const c = this.engine?.counters;
    return {
      packets: this.count,
      rate: this.count - this.lastCount,
      flows: this.engine?.liveFlows ?? 0,
      flagged: c ? c.flaggedPackets : 0,
      captured: cap.captured,
      kernelDrops: cap.kernelDrops,
      uptimeSec: this.started ? (Date.now() - this.started) / 1000 : 0,
    };
  }

  /** Lines not printed by a console sink are the CLI's business; the log path is where all of them are. */
  get logFile(): string {
    return this.logPath;
  }

  /** Reload the rules file now (SIGHUP). A file with problems is refused and the old rules stay. */
  reload(why: string): void {
    this.lastText = safeRead(this.rulesPath);
    this.doReload(why);
  }

  /**
   * Stop capturing, end every flow and write the reports. Call once, after start() succeeded and
   * stopRequested resolved (or to end early). Enforcement is removed by close().
   */
  async stop(): Promise<LiveOutcome> {
    const why = this.stopWhy ?? "stopped";
    for (const c of this.cleanups.splice(0).reverse()) c();
    await this.swapping;
    await this.capture!.stop();
    this.writer?.close();
    const recErr = this.writer?.errorMessage;
    if (recErr) this.hooks.warn(recErr);
    const st = this.capStats();
    const engine = this.engine!;
    engine.counters.live = { captured: st.captured, kernel_drops: st.kernelDrops };
    const capErr = this.captureError;
    if (capErr)
      engine.addError({ file: this.fileName, code: capErr.code, offset: null, message: capErr.message });
    engine.finish();
    const result = this.reports!.result();
    return {
      exitCode:
        capErr || result.writeErrors.length > 0
          ? EXIT_ERROR
          : runExitCode(false, result.flaggedFlows > 0 || result.flaggedPackets > 0),
      why,
      result,
      captured: st.captured,
      kernelDrops: st.kernelDrops,
      csvPath: this.csvPath,
      logPath: this.logPath,
      captureError: capErr,
    };
  }

  /** Release everything on every way out: timers, watcher, a running capture, and pfw's nftables table. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.cleanups.splice(0).reverse()) c();
    if (this.capture && !this.engine) await this.capture.stop().catch(() => undefined);
    if (!this.enforced) return;
    await this.enforcing;
    const opts = this.opts;
    if (opts.persist) {
      this.hooks.info(
        `nftables table inet pfw kept (--persist); remove it with: pfw enforce flush${opts.netns ? ` --netns ${opts.netns}` : ""}`,
      );
      return;
    }
    const { enforceFlush } = await import("../enforce/index.js");
    await enforceFlush("nft", opts.netns ? { netns: opts.netns } : {}).then(
      () => this.hooks.info("nftables table inet pfw removed"),
      (e: unknown) => this.hooks.warn(`removing the nftables table failed: ${(e as Error).message}`),
    );
  }

  // ---- internals ----

  private capStats(): { captured: number; kernelDrops: number } {
    if (!this.capture) return { captured: 0, kernelDrops: 0 };
    const st = this.capture.stats();
    const unknown = this.retired.unknown || st.kernelDrops < 0;
    return {
      captured: this.retired.captured + st.captured,
      kernelDrops: unknown ? -1 : this.retired.kernelDrops + st.kernelDrops,
    };
  }

  private tick(): void {
    const engine = this.engine!;
    engine.tick(Date.now() / 1000);
    this.pollRules();
    const snap = this.stats();
    this.lastCount = this.count;
    this.hooks.onTick?.(snap);
    if ((Date.now() - this.started) / 1000 >= this.duration) this.requestStop("duration");
  }

  private handle(rec: CaptureRecord): void {
    if (this.count >= this.maxCount) return;
    this.count++;
    rec.frame = this.count;
    if (this.opts.write) {
      this.writer ??= new PcapWriter(this.opts.write, {
        linktype: rec.linktype,
        output: { atomic: false, mode: 0o600 }, // readable while it grows; it holds payload bytes
      });
      this.writer.writeRecord(rec.buf, rec.off, rec.caplen, rec.origLen, rec.tsSec, rec.tsNsec);
    }
    this.engine!.handle(rec, this.fileIndex);
    if (this.count >= this.maxCount) this.requestStop("count");
  }

  /** Sink of one capture; records outside [fromNs, untilNs) belong to the capture before / after it. */
  private makeSink(gate: Gate): (rec: CaptureRecord) => void {
    return (rec) => {
      if (gate.fromNs > 0 || gate.untilNs < Infinity) {
        const ns = rec.tsSec * 1e9 + rec.tsNsec;
        if (ns < gate.fromNs || ns >= gate.untilNs) return;
      }
      if (this.engine) this.handle(rec);
      else this.early.push(copyRecord(rec));
    };
  }

  /** Filters to try, best first: derived with link escapes, derived without, the user's alone. */
  private filterAttempts(): FilterAttempt[] {
    const opts = this.opts;
    const seeAll = Boolean(opts.write || opts.verbose);
    const full = deriveBpf(this.ruleset, { seeAll, homeNet: this.homeNet });
    const attempts: FilterAttempt[] = [];
    if (full !== null) {
      attempts.push({ filter: combineFilters(opts.filter, full), derived: full });
      const small = deriveBpf(this.ruleset, { seeAll, homeNet: this.homeNet, linkEscapes: false });
      if (small !== null && small !== full)
        attempts.push({ filter: combineFilters(opts.filter, small), derived: small });
    }
    attempts.push({ filter: opts.filter || undefined, derived: null });
    return attempts;
  }

  /** A libpcap message without the (maybe kilobytes of) derived filter texts it quotes, unless --show-filter. */
  private shortenFilterText(message: string, attempts: FilterAttempt[]): string {
    if (this.opts.showFilter) return message;
    let m = message;
    for (const a of attempts)
      if (a.derived !== null && a.filter)
        m = m.split(JSON.stringify(a.filter)).join("derived from the rules");
    return m;
  }

  /**
   * The capture filter in a few words (the full text can be kilobytes): "derived from 9 rules, 1,234 chars,
   * ANDed with --filter "udp"; full text with --show-filter", or `--filter "udp"` when only the user's
   * filter is used; null for no filter.
   */
  private filterSummary(a: FilterAttempt): string | null {
    if (a.filter === undefined) return null;
    const user = this.opts.filter;
    if (a.derived === null) return `--filter ${JSON.stringify(a.filter)}`;
    const home = [...this.ruleset.homeNet, ...this.homeNet];
    const n = this.ruleset.rules.filter((r) => r.action !== "allow" && ruleClause(r, home) !== null).length;
    return (
      `derived from ${n} rule${n === 1 ? "" : "s"}, ${a.filter.length.toLocaleString("en-US")} chars` +
      (user ? `, ANDed with --filter ${JSON.stringify(user)}` : "") +
      (this.opts.showFilter ? "" : "; full text with --show-filter")
    );
  }

  /** Open and start a capture with the first filter libpcap accepts. */
  private async startCapture(
    attempts: FilterAttempt[],
    gate: Gate,
  ): Promise<{ cap: LiveCapture; attempt: FilterAttempt; fellBack: LiveCaptureError | null }> {
    const opts = this.opts;
    let fellBack: LiveCaptureError | null = null;
    for (let i = 0; i < attempts.length; i++) {
      const attempt = attempts[i]!;
      const filter = attempt.filter;
      const cap = await openLive({
        iface: this.iface,
        ...(filter ? { filter } : {}),
        ...(opts.backend ? { backend: opts.backend } : {}),
        ...(opts.netns ? { netns: opts.netns } : {}),
      });
      try {
        let self: LiveCapture | null = null;
        await cap.start(this.makeSink(gate), (e: LiveCaptureError) => {
          if (this.capture !== self) return; // a retired capture
          this.captureError = e;
          this.requestStop("error");
        });
        self = cap;
        return { cap, attempt, fellBack };
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
  }

  private async applyRules(rs: Ruleset): Promise<void> {
    const { enforceApply, thisProcessOwner } = await import("../enforce/index.js");
    await enforceApply(rs, {
      backend: "nft",
      dryRun: false,
      homeNet: this.homeNet,
      sshGuard: this.opts.sshGuard !== false,
      owner: thisProcessOwner("live", this.opts.persist === true), // shown by `pfw enforce status`
      ...(this.opts.netns ? { netns: this.opts.netns } : {}),
    });
  }

  /** Rules reload: a new derived filter means a new capture, cut at its start time. */
  private async swapFilter(): Promise<void> {
    const next = this.filterAttempts();
    const key = (list: FilterAttempt[]): string => JSON.stringify(list.map((a) => a.filter ?? null));
    if (key(next) === key(this.activeAttempts) || !this.capture) return;
    const old = this.capture;
    const oldGate = this.gate;
    const newGate: Gate = { fromNs: Infinity, untilNs: Infinity };
    try {
      const started = await this.startCapture(next, newGate);
      const cutNs = Date.now() * 1e6;
      oldGate.untilNs = cutNs;
      newGate.fromNs = cutNs;
      this.capture = started.cap;
      this.gate = newGate;
      this.activeFilter = started.attempt;
      this.activeAttempts = next;
      await old.stop().catch(() => undefined);
      const st = old.stats();
      this.retired = {
        captured: this.retired.captured + st.captured,
        kernelDrops: this.retired.kernelDrops + Math.max(0, st.kernelDrops),
        unknown: this.retired.unknown || st.kernelDrops < 0,
      };
      this.hooks.info(`capture filter now: ${this.filterSummary(this.activeFilter) ?? "none"}`);
      if (this.opts.showFilter && this.activeFilter.filter)
        this.hooks.info(`capture filter (full text): ${this.activeFilter.filter}`);
    } catch (e) {
      this.hooks.warn(
        `the capture filter for the new rules could not be applied, the old one stays (packets it drops are not seen): ${(e as Error).message}`,
      );
    }
  }

  private doReload(why: string): void {
    const res = loadRuleFile(this.rulesPath);
    if (!res.ruleset || res.problems.length) {
      this.hooks.warn(
        `rules reload (${why}) refused, old rules stay in force:\n` +
          res.problems.map((p) => `  ${formatProblem(p)}`).join("\n"),
      );
      return;
    }
    const rs: Ruleset = res.ruleset;
    this.ruleset = rs;
    this.engine!.setRules(rs);
    this.hooks.info(`rules reloaded (${why}): ${rs.rules.length} rules from ${this.rulesPath}`);
    this.swapping = this.swapping.then(() => this.swapFilter());
    if (this.enforced) {
      // One apply at a time, in reload order; close() waits for it before removing the table.
      this.enforcing = this.enforcing.then(() =>
        this.applyRules(rs).then(
          () => this.hooks.info(`rules re-applied with nftables (table inet pfw)`),
          (e: unknown) =>
            this.hooks.warn(
              `re-applying the rules with nftables failed, the previous kernel rules stay: ${(e as Error).message}`,
            ),
        ),
      );
    }
  }

  private lastText: string | null = null;
  /** mtime, size and inode of the rules file when last read ("" unreadable). */
  private lastStat = "";

  private statKey(): string {
    try {
      const st = fs.statSync(this.rulesPath);
      return `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      return "";
    }
  }

  /**
   * Once a second (tick): a change the watcher missed (inotify can drop or merge events; an editor's
   * rename can race the watch) is still found by the file's mtime / size / inode, then its text.
   */
  private pollRules(): void {
    const key = this.statKey();
    if (key === this.lastStat) return;
    this.lastStat = key;
    const text = safeRead(this.rulesPath);
    if (text !== null && text !== this.lastText) {
      this.lastText = text;
      this.doReload("file changed");
    }
  }

  /** Editors replace files, so watch the folder and compare the text (and poll, see pollRules). */
  private watchRules(): void {
    let debounce: NodeJS.Timeout | null = null;
    const watcher = fs.watch(path.dirname(path.resolve(this.rulesPath)), () => {
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(() => {
        this.lastStat = this.statKey();
        const text = safeRead(this.rulesPath);
        if (text !== null && text !== this.lastText) {
          this.lastText = text;
          this.doReload("file changed");
        }
      }, 150);
    });
    watcher.on("error", () => undefined);
    this.cleanups.push(() => {
      watcher.close();
      if (debounce) clearTimeout(debounce);
    });
  }
}
