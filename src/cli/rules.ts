/**
 * `pfw rules check FILE...` and `pfw rules convert FILE`: argument parsing and printing only;
 * the work is src/app/rules.ts (imported by the actions only, so `pfw --help` does not load it).
 * Exit code 2 (via process.exitCode) when a file has problems.
 */
import type { Command } from "commander";
import { terminalSafeLines } from "../app/terminal.js";

/** Add the `rules` command group (check, convert) to the program. */
export function registerRulesCommands(program: Command): void {
  const rules = program.command("rules").description("validate and convert rule files");

  rules
    .command("check")
    .description("validate rule files; print every problem with its JSON path (exit code 2 if any)")
    .argument("<file...>", "rule files (legacy allow/block or native format)")
    .action(async (files: string[]) => {
      const [{ checkRuleFile }, { EXIT_ERROR }] = await Promise.all([
        import("../app/rules.js"),
        import("../app/exit.js"),
      ]);
      for (const file of files) {
        const c = checkRuleFile(file);
        if (c.problems.length > 0) {
          for (const p of c.problems) process.stderr.write(terminalSafeLines(`${file}: ${p}`) + "\n");
          process.exitCode = EXIT_ERROR;
          continue;
        }
        process.stdout.write(
          terminalSafeLines(`${file}: OK, ${c.rules} rule${c.rules === 1 ? "" : "s"} (${c.format})`) + "\n",
        );
        for (const n of c.notes) process.stdout.write(terminalSafeLines(`${file}: note: ${n}`) + "\n");
      }
    });

  rules
    .command("convert")
    .description("print the native-format equivalent of a rule file (same decisions for every packet)")
    .argument("<file>", "rule file (usually a legacy allow/block file)")
    .action(async (file: string) => {
      const [{ convertRuleFile }, { EXIT_ERROR }] = await Promise.all([
        import("../app/rules.js"),
        import("../app/exit.js"),
      ]);
      const res = convertRuleFile(file);
      if ("problems" in res) {
        for (const p of res.problems) process.stderr.write(terminalSafeLines(`${file}: ${p}`) + "\n");
        process.exitCode = EXIT_ERROR;
        return;
      }
      process.stdout.write(res.text);
    });
}
