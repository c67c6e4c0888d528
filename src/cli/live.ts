/**
 * `pfw live` and `pfw interfaces`: argument parsing, signals, the console and the status line; the work is
 * the LiveSession of src/app/live-session.ts.
 *  - Ctrl-C / SIGTERM stop cleanly (also during start-up: the session stops as soon as it is up, so an
 *    applied nftables table is always removed); a second one exits at once with 130, reports not written.
 *  - SIGHUP reloads the rules. When stdout closes (`pfw live | head`), printing stops and the run stops
 *    cleanly as on Ctrl-C; never an unhandled EPIPE with a stack trace.
 *  - On a terminal the status line is drawn on stderr without a newline (`\r\x1b[K...`). It is erased before
 *    anything else is printed (a packet line on stdout, a message on stderr), so every line starts at the
 *    left margin, and drawn again once that output is written.
 *  - Without --enforce nothing is blocked: a notice says so at start and the console prints BLOCKED verdicts
 *    as WOULD-BLOCK (the log and JSON lines keep BLOCKED).
 */
import { Command, Option } from "commander";
import type { LiveSessionOptions } from "../app/live-session.js";
import { terminalSafeLines } from "../app/terminal.js";

/** Options of `pfw live` after parsing. */
export type LiveCliOptions = LiveSessionOptions;

/** Register `pfw live IFACE` and `pfw interfaces`. */
export function registerLiveCommands(program: Command): void {
  program
    .command("interfaces")
    .description("list network interfaces with their addresses (choose one for `pfw live`)")
    .action(async () => {
      const { listInterfaces } = await import("../app/interfaces.js");
      for (const i of listInterfaces())
        process.stdout.write(`${i.name.padEnd(16)} ${i.addresses.join(" ") || "(no addresses)"}\n`);
      process.exitCode = 0;
    });

  program
    .command("live")
    .description(
      "watch an interface in real time: print and log flagged packets, report flows on exit (needs root)",
    )
    .argument("[iface]", "interface to capture on (see `pfw interfaces`)")
    .option(
      "-r, --rules <file>",
      "rule file, legacy or native (default: rules/default.json); reloaded on change and SIGHUP",
    )
    .option("--filter <bpf>", "extra capture filter (BPF), ANDed with what the rules need")
    .option("--home-net <cidrs>", "home networks (default: the interface's own addresses)")
    .option("--log <path>", "suspicious-packets log path (default: next to the CSV report, .log)")
    .option("--jsonl <path>", "flagged packets as JSON lines (EVE-like)")
    .option("--json <path>", "on exit, write the machine-readable result (summary + flows)")
    .option(
      "-o, --out <path>",
      "on exit, flagged-flow CSV report path (default: reports/live-<iface>-<time>.csv)",
    )
    .option("-w, --write <path>", "also record the capture (pcap) for a later `pfw scan`")
    .option("-v, --verbose", "print ALLOWED packets too")
    .option(
      "--show-filter",
      "print the full kernel capture filter derived from the rules (by default only a summary)",
    )
    .addOption(
      new Option("--backend <name>", "capture backend (default: native if built, else tcpdump)").choices([
        "native",
        "tcpdump",
        "cap",
      ]),
    )
    .option("--duration <seconds>", "stop after this many seconds")
    .option("--count <n>", "stop after this many packets")
    .option(
      "--enforce",
      "apply the rules' blocks with nftables while running (removed on exit unless --persist)",
    )
    .option("--persist", "with --enforce: keep the nftables table after exit")
    .option("--no-ssh-guard", "with --enforce: do not protect established SSH sessions")
    .option("--no-status", "no status line every second")
    .option("--max-flows <n>", "flow table size; older flows are written out when full", "1000000")
    .option("--netns <name>", "capture inside this network namespace (testing and containers)")
    .action(async (iface: string | undefined, opts: LiveCliOptions) => {
      process.exitCode = await runLiveCli(iface, opts);
    });
}

/** Keeps a late EPIPE of a closed stdout from becoming an uncaught exception. */
function ignoreError(): void {}

/** Run `pfw live`; returns the exit code. */
export async function runLiveCli(iface: string | undefined, opts: LiveCliOptions): Promise<number> {
  // The status line (a terminal only): erased before any other output, drawn again after it.
  let statusText: string | null = null;
  let statusShown = false;
  let redraw: NodeJS.Immediate | null = null;
  const clearStatus = (): void => {
    if (!statusShown) return;
    statusShown = false;
    process.stderr.write("\r\x1b[K");
    redraw ??= setImmediate(() => {
      redraw = null;
      if (statusText !== null && !statusShown) drawStatus(statusText);
    });
  };
  const drawStatus = (line: string): void => {
    statusText = line;
    statusShown = true;
    process.stderr.write(`\r\x1b[K${line}`);
  };
  const err = (s: string): void => {
    clearStatus();
    process.stderr.write(`pfw: ${terminalSafeLines(s)}\n`);
  };
  const [{ LiveSession }, { listInterfaces, listNetnsInterfaces }, { ConsoleSink }, exit] = await Promise.all(
    [
      import("../app/live-session.js"),
      import("../app/interfaces.js"),
      import("../app/outputs.js"),
      import("../app/exit.js"),
    ],
  );
  if (!iface) {
    if (opts.netns !== undefined) {
      // The interfaces inside that namespace, not the host's.
      const ns = opts.netns;
      const found = listNetnsInterfaces(ns);
      if (!found.ok && found.reason === "no-such-netns") err(found.message);
      else if (!found.ok)
        err(
          `which interface? The interfaces of the network namespace "${ns}" could not be listed (${found.message}); run "ip -n ${ns} link" to see them.`,
        );
      else
        err(
          `which interface? Run "pfw live <iface> --netns ${ns}" with one of the interfaces in the network namespace "${ns}": ${found.names.filter((n) => n !== "lo").join(", ") || "(none but lo)"}.`,
        );
      return exit.EXIT_ERROR;
    }
    const list = listInterfaces().filter((i) => i.name !== "lo");
    err(
      `which interface? Run "pfw live <iface>" with one of: ${list.map((i) => i.name).join(", ") || "(none found)"} (see "pfw interfaces").`,
    );
    return exit.EXIT_ERROR;
  }
  const cleanups: (() => void)[] = [];
  let session: InstanceType<typeof LiveSession> | null = null;
  let console: InstanceType<typeof ConsoleSink> | null = null;
  let stdoutOpen = true;
  const tty = process.stderr.isTTY === true;
  const showStatus = opts.status !== false;
  let ticks = 0;
  let pendingStop: string | null = null;
  const stop = (why: string): void => {
    if (session) session.requestStop(why);
    else pendingStop ??= why;
  };
  try {
    // `pfw live | head -3`: when the reader goes away, stop printing and stop cleanly (as tcpdump exits).
    const onStdoutError = (): void => {
      if (!stdoutOpen) return;
      stdoutOpen = false;
      if (console) console.open = false;
      stop("stdout closed");
    };
    process.stdout.on("error", onStdoutError);
    cleanups.push(() => {
      process.stdout.off("error", onStdoutError);
      if (!process.stdout.listeners("error").includes(ignoreError)) process.stdout.on("error", ignoreError);
    });
    let signals = 0;
    const onSignal = (sig: string) => (): void => {
      if (++signals > 1) {
        err(`${sig} again: exiting at once, reports not written`);
        process.exit(exit.EXIT_INTERRUPTED);
      }
      stop(sig);
    };
    const onInt = onSignal("SIGINT");
    const onTerm = onSignal("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    cleanups.push(() => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    });

    const s = new LiveSession(iface, opts, {
      info: err,
      warn: err,
      sinks: (ctx) => {
        const print = (line: string): void => {
          clearStatus();
          process.stdout.write(line);
        };
        console = new ConsoleSink(ctx.rules, `live:${iface}`, print, {
          verbose: opts.verbose === true,
          passive: opts.enforce !== true,
        });
        console.open = stdoutOpen;
        return [console];
      },
      onTick: (st) => {
        ticks++;
        const suppressed = console?.suppressed ?? 0;
        const line =
          `${st.rate} pkt/s, ${st.packets} packets, ${st.flows} flows, ${st.flagged} flagged, ` +
          `kernel drops ${st.kernelDrops < 0 ? "unknown" : st.kernelDrops}` +
          (suppressed ? `, ${suppressed} lines not shown (see ${session?.logFile ?? "the log"})` : "");
        if (showStatus) {
          if (tty) drawStatus(line);
          else if (ticks % 5 === 0) process.stderr.write(`status: ${line}\n`);
        }
      },
    });
    session = s;
    if (pendingStop) s.requestStop(pendingStop);
    const onHup = (): void => s.reload("SIGHUP");
    process.on("SIGHUP", onHup);
    cleanups.push(() => process.off("SIGHUP", onHup));

    await s.start();
    await s.stopRequested;
    statusText = null; // no redraw after the run
    clearStatus();
    const o = await s.stop();
    const suppressed = (console as InstanceType<typeof ConsoleSink> | null)?.suppressed ?? 0;
    if (stdoutOpen) process.stdout.write(o.result.tableText + "\n" + o.result.summaryText);
    process.stderr.write(
      `pfw: stopped (${o.why}); captured ${o.captured}, kernel drops ${o.kernelDrops < 0 ? "unknown" : o.kernelDrops}` +
        (suppressed ? `; ${suppressed} flagged packets were not printed (all are in the log)` : "") +
        `\nCSV report: ${o.csvPath}\nlog: ${o.logPath}\n` +
        (opts.json ? `JSON: ${opts.json}\n` : "") +
        (opts.jsonl ? `JSON lines: ${opts.jsonl}\n` : "") +
        (opts.write ? `capture: ${opts.write}\n` : ""),
    );
    for (const w of o.result.writeErrors) err(w);
    if (o.captureError) err(o.captureError.message);
    return o.exitCode;
  } catch (e) {
    if (exit.isExpectedError(e)) {
      const io = e as NodeJS.ErrnoException;
      err(
        io.syscall && !(e instanceof Error && "file" in e)
          ? `cannot write the reports: ${io.message}`
          : io.message,
      );
      return exit.EXIT_ERROR;
    }
    throw e;
  } finally {
    for (const c of cleanups.splice(0).reverse()) c();
    statusText = null;
    clearStatus();
    if (redraw) clearImmediate(redraw);
    await session?.close();
  }
}
