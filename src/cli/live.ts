/** `pfw live` and `pfw interfaces`: argument parsing only; the work is src/engine/live.ts. */
import { Command, Option } from "commander";

/** Options of `pfw live` after parsing. */
export interface LiveCliOptions {
  rules?: string;
  filter?: string;
  homeNet?: string;
  jsonl?: string;
  log?: string;
  json?: string;
  out?: string;
  write?: string;
  verbose?: boolean;
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

/** Register `pfw live IFACE` and `pfw interfaces`. */
export function registerLiveCommands(program: Command): void {
  program
    .command("interfaces")
    .description("list network interfaces with their addresses (choose one for `pfw live`)")
    .action(async () => {
      const { runInterfacesCli } = await import("../engine/live.js");
      process.exitCode = await runInterfacesCli();
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
    .option("--log <path>", "suspicious-packets log (default: reports/live-<iface>-<time>.log)")
    .option("--jsonl <path>", "flagged packets as JSON lines (EVE-like)")
    .option("--json <path>", "on exit, write the machine-readable result (summary + flows)")
    .option(
      "-o, --out <path>",
      "on exit, flagged-flow CSV report path (default: reports/live-<iface>-<time>.csv)",
    )
    .option("-w, --write <path>", "also record the capture (pcap) for a later `pfw scan`")
    .option("-v, --verbose", "print ALLOWED packets too")
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
      const { runLiveCli } = await import("../engine/live.js");
      process.exitCode = await runLiveCli(iface, opts);
    });
}
