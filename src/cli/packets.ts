/** `pfw packets FILE...`: argument parsing and printing only; the work is src/app/packets.ts. */
import { Option, type Command } from "commander";
import { terminalSafeLines } from "../app/terminal.js";

/** Register `pfw packets FILE...`. */
export function registerPacketsCommand(program: Command): void {
  program
    .command("packets")
    .description(
      "print one line per frame (like tshark -T fields): frame, ts, len, caplen, addresses, ports, ...",
    )
    .argument("<file...>", "pcap / pcapng capture files or folders (gzip allowed; - reads standard input)")
    .addOption(new Option("--csv", "CSV with a header line instead of tab-separated columns"))
    .action(async (files: string[], opts: { csv?: boolean }) => {
      const { listPackets } = await import("../app/packets.js");
      const res = await listPackets(files, { csv: opts.csv ?? false });
      for (const e of res.errors) process.stderr.write(`pfw: ${terminalSafeLines(e)}\n`);
      process.exitCode = res.errors.length ? 2 : 0;
    });
}
