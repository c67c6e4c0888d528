/**
 * `pfw enforce apply|status|flush`: argument parsing and printing only (the work is src/app/enforce.ts).
 * Exit codes: 0 done, 2 error (not root, nft/iptables missing, rules invalid, kernel refused);
 * every error is one sentence on stderr.
 */
import { Command, Option } from "commander";
import { terminalSafeLines } from "../app/terminal.js";

// src/app/enforce (and through it src/enforce, src/rules) is imported by the actions only, so `pfw --help`
// does not load it
const loadEnforce = (): Promise<typeof import("../app/enforce.js")> => import("../app/enforce.js");

async function fail(e: unknown): Promise<void> {
  const { EnforceError } = await loadEnforce();
  if (e instanceof EnforceError) {
    process.stderr.write(`pfw: ${terminalSafeLines(e.message)}\n`);
    if (process.env.PFW_DEBUG && e.detail) process.stderr.write(e.detail);
    process.exitCode = e.exitCode;
    return;
  }
  throw e;
}

const backendOption = (): Option =>
  new Option("--backend <name>", "nft (default) or iptables").choices(["nft", "iptables"]).default("nft");
const netnsOption = (): Option =>
  new Option("--netns <name>", "act inside this network namespace (ip netns exec), e.g. for testing");

/** Register `enforce apply`, `enforce status`, `enforce flush` on the program. */
export function registerEnforceCommands(program: Command): void {
  const enforce = program
    .command("enforce")
    .description("enforce the rules in the kernel: nftables table inet pfw (or iptables chains PFW-*)");

  enforce
    .command("apply")
    .description(
      "compile block rules (and allow rules before them) into pfw's own table and apply it atomically; " +
        "alert/log rules and the default action are not enforced",
    )
    .addOption(new Option("--rules <file>", "rules file (default: rules/default.json shipped with pfw)"))
    .addOption(new Option("--dry-run", "print the exact script instead of applying it (needs no root)"))
    .addOption(backendOption())
    .addOption(new Option("--home-net <cidrs>", "comma-separated home networks (added to the file's)"))
    .addOption(
      new Option(
        "--no-ssh-guard",
        "do not accept established SSH sessions first (by default tcp port 22 established,related is accepted before any block)",
      ),
    )
    .addOption(new Option("--ssh-port <ports>", "comma-separated ports of the SSH guard").default("22"))
    .addOption(netnsOption())
    .action(
      async (o: {
        rules?: string;
        dryRun?: boolean;
        backend: string;
        homeNet?: string;
        sshGuard: boolean;
        sshPort: string;
        netns?: string;
      }) => {
        try {
          const { applyRuleFile } = await loadEnforce();
          const applied = await applyRuleFile(o);
          const file = applied.file;
          if (!applied.ok) {
            for (const p of applied.problems)
              process.stderr.write(`pfw: ${terminalSafeLines(`${file}: ${p}`)}\n`);
            process.exitCode = 2;
            return;
          }
          const res = applied.result;
          for (const n of res.notes) process.stderr.write(`pfw: note: ${n}\n`);
          if (o.dryRun) {
            process.stdout.write(res.script);
          } else {
            const where = o.backend === "nft" ? "table inet pfw" : "chains PFW-INPUT/PFW-OUTPUT";
            process.stdout.write(`pfw: applied ${res.enforcedRules} rules from ${file} (${where}).\n`);
          }
          process.exitCode = 0;
        } catch (e) {
          await fail(e);
        }
      },
    );

  enforce
    .command("status")
    .description(
      "show pfw's installed rules with packet/byte counters (drops per rule), set sizes, and their owner " +
        "(a running pfw live, one that is gone: the rules stay until flush, or persistent)",
    )
    .addOption(backendOption())
    .addOption(new Option("--json", "print the status as JSON"))
    .addOption(netnsOption())
    .action(async (o: { backend: string; json?: boolean; netns?: string }) => {
      try {
        const { statusOf, formatStatus, flushCommand } = await loadEnforce();
        const st = await statusOf(o.backend, o.netns);
        process.stdout.write(
          o.json ? `${JSON.stringify(st, null, 2)}\n` : formatStatus(st, flushCommand(o.backend, o.netns)),
        );
        process.exitCode = 0;
      } catch (e) {
        await fail(e);
      }
    });

  enforce
    .command("flush")
    .description("remove exactly pfw's table (nft) or chains and jumps (iptables); nothing else is touched")
    .addOption(backendOption())
    .addOption(netnsOption())
    .action(async (o: { backend: string; netns?: string }) => {
      try {
        const { flush } = await loadEnforce();
        const removed = await flush(o.backend, o.netns);
        process.stdout.write(removed ? "pfw: removed pfw's rules.\n" : "pfw: nothing to remove.\n");
        process.exitCode = 0;
      } catch (e) {
        await fail(e);
      }
    });
}
