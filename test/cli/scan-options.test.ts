/** `pfw scan` option parsing (src/cli/scan.ts): the parsed ScanCliOptions the engine receives. */
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { registerScanCommand, type ScanCliOptions } from "../../src/cli/scan.js";

/** Parse a scan command line without running the engine: the registered action is replaced. */
async function parse(args: string[]): Promise<{ files: string[]; opts: ScanCliOptions }> {
  const program = new Command().exitOverride();
  registerScanCommand(program);
  const scan = program.commands.find((c) => c.name() === "scan")!;
  let got: { files: string[]; opts: ScanCliOptions } | null = null;
  scan.action((files: string[], opts: ScanCliOptions) => {
    got = { files, opts };
  });
  await program.parseAsync(["scan", ...args], { from: "user" });
  return got!;
}

describe("pfw scan options", () => {
  it("--no-fast-path gives fastPath false; the default is true", async () => {
    expect((await parse(["a.pcap"])).opts.fastPath).toBe(true);
    const off = await parse(["a.pcap", "--no-fast-path", "b.pcap"]);
    expect(off.opts.fastPath).toBe(false);
    expect(off.files).toEqual(["a.pcap", "b.pcap"]);
  });

  it("--no-fast-path is listed in the help", () => {
    const program = new Command();
    registerScanCommand(program);
    const help = program.commands
      .find((c) => c.name() === "scan")!
      .helpInformation()
      .replace(/\s+/g, " "); // help text is wrapped to the terminal width
    expect(help).toContain(
      "--no-fast-path decode every packet fully, without the per-flow fast path (slower; for verification)",
    );
  });

  it("keeps the other defaults", async () => {
    const { opts } = await parse(["a.pcap"]);
    expect(opts.format).toBe("table");
    expect(opts.maxFlows).toBe("1000000");
    expect(opts.progress).toBe(true);
  });
});
