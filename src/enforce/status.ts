/**
 * What pfw has installed, as reported by `pfw enforce status`, for both backends: one entry per
 * pfw rule (kernel rules carrying the same label are summed: a rule may become several kernel
 * rules, one per hook, family, or port side) with packet/byte counters, plus set sizes (nft), and
 * who owns the rules: a running `pfw live --enforce` (removes them when it stops), a `pfw live`
 * that is gone (killed: the rules stay in force, fail-closed), or nobody (`pfw enforce apply`,
 * `--persist`: persistent until `pfw enforce flush`).
 */
import type { TableOwner } from "./owner.js";
import { parseLabel } from "./plan.js";

/** One kernel rule as read back from the kernel. */
export interface KernelRule {
  /** Comment: "pfw:<index>:<id>", "pfw:ssh-guard", "pfw:dynamic" (or "" for foreign rules). */
  label: string;
  /** Chain / hook it sits in. */
  hook: string;
  /** "drop", "accept" (nft) or "return" (iptables: pfw's accept), "" if unknown. */
  verdict: string;
  packets: number;
  bytes: number;
}

/** Counters of one pfw rule, summed over its kernel rules. */
export interface RuleCounter {
  label: string;
  /** Rule index in the file, null for the SSH guard / dynamic rules. */
  index: number | null;
  /** Sanitised rule id (or "ssh-guard" / "dynamic"). */
  id: string;
  verdict: string;
  hooks: string[];
  /** How many kernel rules carry this label. */
  kernelRules: number;
  packets: number;
  bytes: number;
}

/** Result of `enforce status`. */
export interface EnforceStatus {
  backend: "nft" | "iptables";
  /** Whether pfw's table / chains exist. */
  installed: boolean;
  rules: RuleCounter[];
  /** nft sets and their element counts (empty for iptables). */
  sets: { name: string; size: number }[];
  /** The owner recorded in the table (nft), null when none is recorded (iptables, older pfw, not installed). */
  owner: OwnerStatus | null;
  /**
   * How long the rules stay (null when nothing is installed):
   *  "session"    a running `pfw live --enforce` removes them when it stops;
   *  "orphaned"   their `pfw live` is gone (kill -9, double Ctrl-C): they stay until `pfw enforce flush`;
   *  "persistent" nothing is meant to remove them (`pfw enforce apply`, `--persist`, no owner recorded).
   */
  lifetime: "session" | "orphaned" | "persistent" | null;
}

/** The recorded owner and whether its process still runs. */
export interface OwnerStatus extends TableOwner {
  /** live: whether the owner process still runs; null for apply (no owner process). */
  running: boolean | null;
}

/** The lifetime of installed rules with this owner (see EnforceStatus.lifetime). */
export function lifetimeOf(owner: OwnerStatus | null): "session" | "orphaned" | "persistent" {
  if (owner === null || owner.kind !== "live" || owner.running === null) return "persistent";
  if (owner.persist) return "persistent";
  return owner.running ? "session" : "orphaned";
}

/**
 * The owner lines of the text status. `flush` is the command that removes the rules (with --netns /
 * --backend as needed). A dead owner reads:
 *   owner pfw live (pid 123) is no longer running: the rules stay in force until "pfw enforce flush"
 */
export function ownerLines(s: EnforceStatus, flush = "pfw enforce flush"): string[] {
  const o = s.owner;
  const until = `the rules stay in force until "${flush}"`;
  if (o !== null && o.kind === "live" && o.pid !== null && o.running !== null) {
    const who = `pfw live (pid ${o.pid})`;
    const lines = o.running
      ? [
          `owner: ${who}, running${o.started !== null ? ` since ${o.started}` : ""}; ` +
            (o.persist
              ? "it keeps the rules when it stops (--persist)"
              : "it removes the rules when it stops"),
        ]
      : [`owner ${who} is no longer running${o.persist ? " (started with --persist)" : ""}: ${until}`];
    if (o.command !== null) lines.push(`owner command: ${o.command}`);
    return lines;
  }
  if (o !== null && o.kind === "apply")
    return [
      `persistent: applied by "pfw enforce apply"${o.started !== null ? ` at ${o.started}` : ""}, no process watches them; ${until}`,
    ];
  if (s.backend === "iptables")
    return [`persistent: applied by "pfw enforce apply", no process watches them; ${until}`];
  return [`persistent: no owner recorded, no process watches them; ${until}`];
}

/** Sum kernel rules per label, in order of first appearance. */
export function summarizeCounters(kernel: readonly KernelRule[]): RuleCounter[] {
  const byLabel = new Map<string, RuleCounter>();
  for (const k of kernel) {
    let c = byLabel.get(k.label);
    if (c === undefined) {
      const parsed = parseLabel(k.label);
      c = {
        label: k.label,
        index: parsed?.index ?? null,
        id: parsed?.id ?? k.label.replace(/^pfw:/, ""),
        verdict: k.verdict,
        hooks: [],
        kernelRules: 0,
        packets: 0,
        bytes: 0,
      };
      byLabel.set(k.label, c);
    }
    if (!c.hooks.includes(k.hook)) c.hooks.push(k.hook);
    c.kernelRules++;
    c.packets += k.packets;
    c.bytes += k.bytes;
  }
  return [...byLabel.values()];
}

/** Human-readable status (the CLI's default output); `flush` as for ownerLines. */
export function formatStatus(s: EnforceStatus, flush?: string): string {
  if (!s.installed) return `pfw has nothing installed (backend ${s.backend}).\n`;
  const rows = [["#", "rule", "verdict", "hooks", "packets", "bytes"]];
  for (const r of s.rules) {
    rows.push([
      r.index === null ? "-" : String(r.index),
      r.id,
      r.verdict,
      r.hooks.join(","),
      String(r.packets),
      String(r.bytes),
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  let out = `backend ${s.backend}: ${s.rules.length} rules installed\n`;
  for (const line of ownerLines(s, flush)) out += `${line}\n`;
  for (const row of rows)
    out +=
      row
        .map((v, i) => (i >= 4 ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd() + "\n";
  if (s.sets.length > 0) out += `sets: ${s.sets.map((x) => `${x.name}=${x.size}`).join(" ")}\n`;
  return out;
}
