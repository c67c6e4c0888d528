/**
 * Enforcement facade used by the CLI and by `pfw live --enforce`: one call per action, the
 * backend chosen by name. Everything that touches the system checks privileges first and fails
 * with an EnforceError (one sentence, exit code 2).
 */
import type { Cidr, Ruleset } from "../rules/types.js";
import { parseCidrDetailed } from "../rules/addr.js";
import { EnforceError } from "./errors.js";
import { requirePrivileged, type ToolOptions } from "./exec.js";
import {
  applyNft,
  buildNftScript,
  flushNft,
  listDynamicBlocks,
  statusNft,
  type DynamicBlock,
} from "./nft.js";
import { applyIptables, buildIptablesScripts, flushIptables, statusIptables } from "./iptables.js";
import type { TableOwner } from "./owner.js";
import { buildPlan } from "./plan.js";
import type { EnforceStatus } from "./status.js";

export { EnforceError } from "./errors.js";
export { addDynamicBlock, applyNft, buildNftScript, flushNft, listDynamicBlocks, statusNft } from "./nft.js";
export { applyIptables, buildIptablesScripts, flushIptables, statusIptables } from "./iptables.js";
export { formatStatus, ownerLines, type EnforceStatus, type OwnerStatus } from "./status.js";
export { thisProcessOwner, type TableOwner } from "./owner.js";

/** The two backends. */
export type Backend = "nft" | "iptables";

/** Options of `enforce apply`. */
export interface ApplyOptions extends ToolOptions {
  backend: Backend;
  dryRun: boolean;
  homeNet?: Cidr[];
  sshGuard: boolean;
  sshPorts?: number[];
  /** nft only: create the dynamic-block sets (default true). */
  dynamicSet?: boolean;
  /** nft only: carry the current dynamic blocks into the new table (default true; a reload keeps them). */
  keepDynamicBlocks?: boolean;
  /** nft only: record this owner in the table's comment (thisProcessOwner), shown by `pfw enforce status`. */
  owner?: TableOwner;
}

/** What apply did (or, with dryRun, would do). */
export interface ApplyResult {
  /** The exact script(s): nft script, or the IPv4 then IPv6 iptables-restore scripts. */
  script: string;
  /** Number of rules of the file that are enforced. */
  enforcedRules: number;
  /** Rules left out and why. */
  notes: string[];
}

/** Validate a backend name. */
export function parseBackend(name: string): Backend {
  if (name === "nft" || name === "iptables") return name;
  throw new EnforceError("BAD_ARGUMENT", `unknown backend ${JSON.stringify(name)} (use nft or iptables).`);
}

/** Parse "10.0.0.0/8,fd00::/8" (comma separated CIDRs) for --home-net. */
export function parseCidrList(text: string): Cidr[] {
  const out: Cidr[] = [];
  for (const part of text.split(",")) {
    const t = part.trim();
    if (t === "") continue;
    const r = parseCidrDetailed(t);
    if (r.cidr === undefined) throw new EnforceError("BAD_ARGUMENT", `--home-net: ${r.error}.`);
    out.push(r.cidr);
  }
  return out;
}

/** Compile and (unless dryRun) apply a ruleset atomically with the chosen backend. */
export async function enforceApply(ruleset: Ruleset, opts: ApplyOptions): Promise<ApplyResult> {
  const planOpts = { homeNet: opts.homeNet, sshGuard: opts.sshGuard, sshPorts: opts.sshPorts };
  const plan = buildPlan(ruleset, planOpts);
  const enforcedRules = new Set(plan.rules.map((r) => r.index)).size;
  const tool: ToolOptions = opts.netns !== undefined ? { netns: opts.netns } : {};
  if (!opts.dryRun) requirePrivileged("pfw enforce apply");
  if (opts.backend === "nft") {
    const dynamicSet = opts.dynamicSet ?? true;
    let dynamicBlocks: DynamicBlock[] = [];
    if (!opts.dryRun && dynamicSet && (opts.keepDynamicBlocks ?? true))
      dynamicBlocks = await listDynamicBlocks(tool);
    const owner = opts.owner !== undefined ? { owner: opts.owner } : {};
    const script = buildNftScript(ruleset, { ...planOpts, dynamicSet, dynamicBlocks, ...owner });
    if (!opts.dryRun) await applyNft(script, tool);
    return { script, enforcedRules, notes: plan.notes };
  }
  const scripts = opts.dryRun
    ? buildIptablesScripts(ruleset, planOpts)
    : await applyIptables(ruleset, { ...planOpts, ...tool });
  return { script: scripts.v4 + scripts.v6, enforcedRules, notes: plan.notes };
}

/** What pfw has installed with the chosen backend. */
export function enforceStatus(backend: Backend, opts: ToolOptions = {}): Promise<EnforceStatus> {
  return backend === "nft" ? statusNft(opts) : statusIptables(opts);
}

/** Remove pfw's table / chains; resolves true if something was removed. */
export function enforceFlush(backend: Backend, opts: ToolOptions = {}): Promise<boolean> {
  return backend === "nft" ? flushNft(opts) : flushIptables(opts);
}
