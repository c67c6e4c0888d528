/**
 * What pfw has installed, as reported by `pfw enforce status`, for both backends: one entry per
 * pfw rule (kernel rules carrying the same label are summed: a rule may become several kernel
 * rules, one per hook, family, or port side) with packet/byte counters, plus set sizes (nft).
 */
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

/** Human-readable status (the CLI's default output). */
export function formatStatus(s: EnforceStatus): string {
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
  for (const row of rows)
    out +=
      row
        .map((v, i) => (i >= 4 ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd() + "\n";
  if (s.sets.length > 0) out += `sets: ${s.sets.map((x) => `${x.name}=${x.size}`).join(" ")}\n`;
  return out;
}
