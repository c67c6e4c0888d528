/**
 * The enforcement use cases (`pfw enforce apply|status|flush`): load the rule file, then the enforce layer
 * compiles and applies it. Prints nothing; failures are EnforceError / UsageError with one sentence.
 */
import {
  enforceApply,
  enforceFlush,
  enforceStatus,
  EnforceError,
  formatStatus,
  parseBackend,
  parseCidrList,
  thisProcessOwner,
  type ApplyResult,
  type Backend,
  type EnforceStatus,
} from "../enforce/index.js";
import { formatProblem, loadRuleFile } from "../rules/load.js";
import { resolveDefaultRules } from "./paths.js";

export { EnforceError, formatStatus, parseBackend, type Backend, type EnforceStatus };

/** Options of `pfw enforce apply` after parsing. */
export interface ApplyFileOptions {
  rules?: string;
  dryRun?: boolean;
  backend: string;
  homeNet?: string;
  sshGuard: boolean;
  sshPort: string;
  netns?: string;
}

/** Result of applying a rule file: the enforce result, or the file's problems (nothing applied). */
export type ApplyFileResult =
  { ok: true; file: string; result: ApplyResult } | { ok: false; file: string; problems: string[] };

/** Load a rule file and apply (or, dry run, render) it. */
export async function applyRuleFile(o: ApplyFileOptions): Promise<ApplyFileResult> {
  const file = o.rules ?? resolveDefaultRules();
  const loaded = loadRuleFile(file);
  if (loaded.ruleset === undefined) return { ok: false, file, problems: loaded.problems.map(formatProblem) };
  const sshPorts = o.sshPort.split(",").map((p) => Number(p.trim()));
  const result = await enforceApply(loaded.ruleset, {
    backend: parseBackend(o.backend),
    dryRun: o.dryRun ?? false,
    homeNet: o.homeNet !== undefined ? parseCidrList(o.homeNet) : undefined,
    sshGuard: o.sshGuard,
    sshPorts,
    netns: o.netns,
    owner: thisProcessOwner("apply"),
  });
  return { ok: true, file, result };
}

/** The command that removes what pfw installed with these options (named in `pfw enforce status`). */
export function flushCommand(backend: string, netns?: string): string {
  return `pfw enforce flush${backend === "iptables" ? " --backend iptables" : ""}${netns !== undefined ? ` --netns ${netns}` : ""}`;
}

/** What pfw has installed. */
export function statusOf(backend: string, netns?: string): Promise<EnforceStatus> {
  return enforceStatus(parseBackend(backend), netns !== undefined ? { netns } : {});
}

/** Remove pfw's table / chains; true if something was removed. */
export function flush(backend: string, netns?: string): Promise<boolean> {
  return enforceFlush(parseBackend(backend), netns !== undefined ? { netns } : {});
}
