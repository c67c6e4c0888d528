/**
 * `pfw rules check FILE...` and `pfw rules convert FILE`: argument parsing and printing only;
 * the work is in src/rules/load.ts (imported by the actions only, so `pfw --help` does not load it).
 * Exit code 2 (via process.exitCode) when a file has problems.
 */
import type { Command } from "commander";

/** Add the `rules` command group (check, convert) to the program. */
export function registerRulesCommands(program: Command): void {
  const rules = program.command("rules").description("validate and convert rule files");

  rules
    .command("check")
    .description("validate rule files; print every problem with its JSON path (exit code 2 if any)")
    .argument("<file...>", "rule files (legacy allow/block or native format)")
    .action(async (files: string[]) => {
      const { formatProblem, loadRuleFile } = await import("../rules/load.js");
      for (const file of files) {
        const res = loadRuleFile(file);
        if (res.ruleset === undefined) {
          for (const p of res.problems) process.stderr.write(`${file}: ${formatProblem(p)}\n`);
          process.exitCode = 2;
          continue;
        }
        const rs = res.ruleset;
        const n = rs.rules.length;
        process.stdout.write(`${file}: OK, ${n} rule${n === 1 ? "" : "s"} (${rs.format})\n`);
        if (rs.homeNet.length === 0 && rs.rules.some((r) => r.direction !== "any")) {
          process.stdout.write(
            `${file}: note: rules use "direction" but the file has no "home_net"; give --home-net (or run live) or they never match\n`,
          );
        }
      }
    });

  rules
    .command("convert")
    .description("print the native-format equivalent of a rule file (same decisions for every packet)")
    .argument("<file>", "rule file (usually a legacy allow/block file)")
    .action(async (file: string) => {
      const { formatNativeJson, formatProblem, loadRuleFile, rulesetToNative } =
        await import("../rules/load.js");
      const res = loadRuleFile(file);
      if (res.ruleset === undefined) {
        for (const p of res.problems) process.stderr.write(`${file}: ${formatProblem(p)}\n`);
        process.exitCode = 2;
        return;
      }
      process.stdout.write(formatNativeJson(rulesetToNative(res.ruleset)));
    });
}
