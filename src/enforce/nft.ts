/**
 * nftables backend. pfw owns exactly one table, `inet pfw` (IPv4 and IPv6), and never touches
 * any other table. A script always starts with `table inet pfw` + `delete table inet pfw`, so
 * applying it with `nft -f -` replaces the whole table in one kernel transaction: if any part
 * fails, nothing changes (nftables batches are all-or-nothing). nft 1.0.6 (Debian 12) has no
 * `destroy table`, hence the add-then-delete idiom.
 *
 * Layout of the table:
 *   sets   home4/home6 (interval, from --home-net), blocklist4/blocklist6 (timeout, dynamic
 *          blocks of `pfw live --enforce`), r<N>_src4 / r<N>_dst6 ... (interval, one per rule
 *          field with more than one address; a single address is written inline)
 *   chains input (hook input) and output (hook output), priority -10, policy accept:
 *          1. SSH guard: tcp port 22 ct state established,related accept, and tcp port 22 that is
 *             not an opening SYN accept (sessions older than conntrack)   (unless --no-ssh-guard)
 *          2. dynamic blocks (drop)
 *          3. the rules in file order, each with a counter and comment "pfw:<index>:<id>"
 * `accept` in pfw's chains only ends pfw's evaluation: other tables still see the packet.
 * The table's comment records its owner (owner.ts): `pfw live` (pid, start time, command) or
 * `pfw enforce apply`; `statusNft` reads it back and checks whether the owner process still runs.
 */
import { isIPv4, isIPv6 } from "node:net";
import type { Ruleset } from "../rules/types.js";
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from "../rules/addr.js";
import { EnforceError } from "./errors.js";
import { runTool, requirePrivileged, type ToolOptions } from "./exec.js";
import {
  buildPlan,
  DYNAMIC_LABEL,
  SSH_GUARD_LABEL,
  type Hook,
  type Plan,
  type PlanOptions,
  type PlanRule,
} from "./plan.js";
import { ownerComment, ownerRunning, parseOwnerComment, type TableOwner } from "./owner.js";
import { cidrTexts, portText } from "./render-util.js";
import { lifetimeOf, summarizeCounters, type EnforceStatus, type KernelRule } from "./status.js";

/** Options of the nft script generator. */
export interface NftOptions extends PlanOptions {
  /** Add blocklist4/blocklist6 timeout sets and their drop rules (default true). */
  dynamicSet?: boolean;
  /** Dynamic blocks to carry over into the new table (see listDynamicBlocks), so a re-apply keeps them. */
  dynamicBlocks?: DynamicBlock[];
  /** Record this owner as the table's comment (see owner.ts); none by default. */
  owner?: TableOwner;
}

/** One dynamic block: an address and the seconds it stays blocked. */
export interface DynamicBlock {
  addr: string;
  timeoutSec: number;
}

/** Options of the nft runners. */
export interface NftRunOptions extends ToolOptions {
  /** Path of the nft program (default "nft" from PATH). */
  nftPath?: string;
}

/** Name of pfw's table. */
export const NFT_TABLE = "pfw";
/** Priority of pfw's base chains (before the usual filter priority 0). */
export const NFT_PRIORITY = -10;

const ELEMS_PER_LINE = 8;

function setDecl(name: string, type: string, flags: string, elems: string[]): string {
  let s = `\tset ${name} {\n\t\ttype ${type}\n\t\tflags ${flags}\n`;
  if (flags.includes("interval")) s += "\t\tauto-merge\n";
  if (elems.length > 0) {
    const lines: string[] = [];
    for (let i = 0; i < elems.length; i += ELEMS_PER_LINE)
      lines.push(elems.slice(i, i + ELEMS_PER_LINE).join(", "));
    s += `\t\telements = {\n\t\t\t${lines.join(",\n\t\t\t")}\n\t\t}\n`;
  }
  return `${s}\t}\n`;
}

function setOrValue(values: string[]): string {
  return values.length === 1 ? (values[0] ?? "") : `{ ${values.join(", ")} }`;
}

/** Render one plan rule into nft rule lines (more than one when `port` or home splits it). */
function renderRule(plan: Plan, r: PlanRule, sets: Map<string, { type: string; elems: string[] }>): string[] {
  // A family-agnostic rule that must exclude home networks, or that looks at the fragment offset
  // (a field of the IPv4 header / of the IPv6 fragment header), is split per family.
  if (
    r.family === 0 &&
    ((r.remoteOnly && plan.home4.length + plan.home6.length > 0) || r.transportHeader !== undefined)
  ) {
    return [...renderRule(plan, { ...r, family: 4 }, sets), ...renderRule(plan, { ...r, family: 6 }, sets)];
  }
  const m: string[] = [];
  if (r.notLoopback) m.push(r.hook === "input" ? 'iifname != "lo"' : 'oifname != "lo"');
  const fam = r.family === 4 ? "ip" : "ip6";
  let familyMatched = false;
  const addr = (field: "src" | "dst", list: PlanRule["src"]): void => {
    if (list === undefined) return;
    const texts = cidrTexts(list);
    const key = field === "src" ? "saddr" : "daddr";
    if (texts.length === 1) {
      m.push(`${fam} ${key} ${texts[0]}`);
    } else {
      const name = `r${r.index}_${field}${r.family}`;
      sets.set(name, { type: r.family === 4 ? "ipv4_addr" : "ipv6_addr", elems: texts });
      m.push(`${fam} ${key} @${name}`);
    }
    familyMatched = true;
  };
  addr("src", r.src);
  addr("dst", r.dst);
  if (r.remoteOnly && r.family !== 0) {
    const home = r.family === 4 ? plan.home4 : plan.home6;
    if (home.length > 0) {
      m.push(`${fam} ${r.hook === "input" ? "saddr" : "daddr"} != @home${r.family}`);
      familyMatched = true;
    }
  }
  if (r.family !== 0 && !familyMatched)
    m.splice(r.notLoopback ? 1 : 0, 0, `meta nfproto ${r.family === 4 ? "ipv4" : "ipv6"}`);
  if (r.proto !== undefined) m.push(`meta l4proto ${setOrValue(r.proto.map(String))}`);
  // Alternatives (nft has no OR inside a rule): every combination becomes a rule, all with the
  // rule's label. IPv6 "not a non-first fragment" = no fragment header, or offset 0.
  let frag: string[] = [""];
  if (r.transportHeader === false)
    frag = [r.family === 4 ? "ip frag-off & 0x1fff != 0" : "frag frag-off != 0"];
  if (r.transportHeader === true)
    frag = r.family === 4 ? ["ip frag-off & 0x1fff == 0"] : ["exthdr frag missing", "frag frag-off 0"];
  const ports = (side: "sport" | "dport", list: PlanRule["sport"]): string =>
    `th ${side} ${setOrValue(list?.map((p) => portText(p, "-")) ?? [])}`;
  const tail = `counter ${r.verdict} comment "${r.label}"`;
  const fixed: string[] = [];
  if (r.sport !== undefined) fixed.push(ports("sport", r.sport));
  if (r.dport !== undefined) fixed.push(ports("dport", r.dport));
  // "either port": one rule for each side.
  const either = r.port === undefined ? [""] : [ports("sport", r.port), ports("dport", r.port)];
  const out: string[] = [];
  for (const f of frag)
    for (const e of either) out.push([...m, f, ...fixed, e, tail].filter((x) => x !== "").join(" "));
  return out;
}

/** Generate the complete nft script for a ruleset (apply with `nft -f -`). */
export function buildNftScript(ruleset: Ruleset, opts: NftOptions): string {
  const plan = buildPlan(ruleset, opts);
  return renderNftPlan(plan, opts.dynamicSet ?? true, opts.dynamicBlocks ?? [], opts.owner);
}

/** Render a plan (see buildNftScript). */
export function renderNftPlan(
  plan: Plan,
  dynamicSet: boolean,
  dynamicBlocks: DynamicBlock[] = [],
  owner?: TableOwner,
): string {
  const carried: Record<4 | 6, string[]> = { 4: [], 6: [] };
  for (const b of dynamicBlocks) {
    const d = checkDynamicBlock(b.addr, b.timeoutSec);
    carried[d.family].push(`${d.text} timeout ${b.timeoutSec}s`);
  }
  const sets = new Map<string, { type: string; elems: string[] }>();
  const chains: Record<Hook, string[]> = { input: [], output: [] };
  if (plan.sshGuard) {
    const p = setOrValue(plan.sshPorts.map(String));
    for (const hook of ["input", "output"] as const) {
      // Server side (dport) and client side (sport) of established SSH sessions: what conntrack
      // knows as established, and - for sessions opened before conntrack was active in this
      // network namespace, which conntrack would first see as NEW - every TCP segment on the SSH
      // port except a connection-opening SYN (SYN without ACK). New sessions still meet the rules.
      for (const side of ["dport", "sport"]) {
        chains[hook].push(
          `tcp ${side} ${p} ct state established,related counter accept comment "${SSH_GUARD_LABEL}"`,
        );
      }
      for (const side of ["dport", "sport"]) {
        chains[hook].push(
          `tcp ${side} ${p} tcp flags & (syn | ack) != syn counter accept comment "${SSH_GUARD_LABEL}"`,
        );
      }
    }
  }
  if (dynamicSet) {
    chains.input.push(`ip saddr @blocklist4 counter drop comment "${DYNAMIC_LABEL}"`);
    chains.input.push(`ip6 saddr @blocklist6 counter drop comment "${DYNAMIC_LABEL}"`);
    chains.output.push(`ip daddr @blocklist4 counter drop comment "${DYNAMIC_LABEL}"`);
    chains.output.push(`ip6 daddr @blocklist6 counter drop comment "${DYNAMIC_LABEL}"`);
  }
  for (const r of plan.rules) chains[r.hook].push(...renderRule(plan, r, sets));

  let s = "#!/usr/sbin/nft -f\n# Generated by pfw enforce: replaces table inet pfw atomically.\n";
  s += `table inet ${NFT_TABLE}\ndelete table inet ${NFT_TABLE}\ntable inet ${NFT_TABLE} {\n`;
  if (owner !== undefined) s += `\tcomment "${ownerComment(owner)}"\n`;
  if (plan.home4.length > 0) s += setDecl("home4", "ipv4_addr", "interval", cidrTexts(plan.home4));
  if (plan.home6.length > 0) s += setDecl("home6", "ipv6_addr", "interval", cidrTexts(plan.home6));
  if (dynamicSet) {
    s += setDecl("blocklist4", "ipv4_addr", "timeout", carried[4]);
    s += setDecl("blocklist6", "ipv6_addr", "timeout", carried[6]);
  }
  for (const [name, d] of sets) s += setDecl(name, d.type, "interval", d.elems);
  for (const hook of ["input", "output"] as const) {
    s += `\tchain ${hook} {\n\t\ttype filter hook ${hook} priority ${NFT_PRIORITY}; policy accept;\n`;
    for (const line of chains[hook]) s += `\t\t${line}\n`;
    s += "\t}\n";
  }
  return `${s}}\n`;
}

/** First meaningful line of nft's error output. */
function firstError(stderr: string): string {
  const line = stderr.split("\n").find((l) => l.includes("Error")) ?? stderr.split("\n")[0] ?? "";
  return line.trim().replace(/\.$/, "");
}

/**
 * Apply a script with `nft -f -` (one transaction). On failure throws APPLY_FAILED; the kernel
 * has then applied nothing, so the previous pfw table (or its absence) is untouched.
 */
export async function applyNft(script: string, opts: NftRunOptions = {}): Promise<void> {
  requirePrivileged("pfw enforce apply");
  const res = await runTool(opts.nftPath ?? "nft", ["-f", "-"], script, opts);
  if (res.code !== 0) {
    throw new EnforceError(
      "APPLY_FAILED",
      `nft rejected the rules, nothing was changed: ${firstError(res.stderr)}.`,
      res.stderr,
    );
  }
}

/** Remove pfw's table (and only it). Resolves true if a table was removed, false if there was none. */
export async function flushNft(opts: NftRunOptions = {}): Promise<boolean> {
  requirePrivileged("pfw enforce flush");
  const nft = opts.nftPath ?? "nft";
  const had = (await runTool(nft, ["list", "table", "inet", NFT_TABLE], null, opts)).code === 0;
  // add-then-delete never fails on a missing table and removes it in one transaction.
  const res = await runTool(
    nft,
    ["-f", "-"],
    `table inet ${NFT_TABLE}\ndelete table inet ${NFT_TABLE}\n`,
    opts,
  );
  if (res.code !== 0) {
    throw new EnforceError(
      "FLUSH_FAILED",
      `nft could not remove table inet ${NFT_TABLE}: ${firstError(res.stderr)}.`,
      res.stderr,
    );
  }
  return had;
}

interface NftJsonRule {
  chain?: string;
  comment?: string;
  expr?: Record<string, unknown>[];
}
interface NftJsonSet {
  name?: string;
  elem?: unknown[];
}

/** Parse `nft -j list table inet pfw` output into a status (exported for tests). */
export function parseNftStatus(json: string): EnforceStatus {
  const doc = JSON.parse(json) as { nftables?: Record<string, unknown>[] };
  const kernel: KernelRule[] = [];
  const sets: { name: string; size: number }[] = [];
  for (const item of doc.nftables ?? []) {
    const rule = item.rule as NftJsonRule | undefined;
    if (rule !== undefined) {
      let packets = 0;
      let bytes = 0;
      let verdict = "";
      for (const e of rule.expr ?? []) {
        const c = e.counter as { packets?: number; bytes?: number } | undefined;
        if (c !== undefined) {
          packets += c.packets ?? 0;
          bytes += c.bytes ?? 0;
        }
        if ("drop" in e) verdict = "drop";
        if ("accept" in e) verdict = "accept";
      }
      kernel.push({ label: rule.comment ?? "", hook: rule.chain ?? "", verdict, packets, bytes });
    }
    const set = item.set as NftJsonSet | undefined;
    if (set !== undefined) sets.push({ name: set.name ?? "", size: set.elem?.length ?? 0 });
  }
  return {
    backend: "nft",
    installed: true,
    rules: summarizeCounters(kernel),
    sets,
    owner: null,
    lifetime: lifetimeOf(null),
  };
}

/** The table's comment as `nft list table inet pfw` prints it (the line after the table's). */
export function parseTableComment(text: string): string | null {
  return /^table inet pfw \{\n[ \t]*comment "([^"\n]*)"$/m.exec(text)?.[1] ?? null;
}

/** The comment of pfw's table: from the JSON listing when nft puts it there (newer nft), else from `nft -t list`. */
async function readTableComment(json: string, opts: NftRunOptions): Promise<string | null> {
  const doc = JSON.parse(json) as { nftables?: { table?: { name?: string; comment?: unknown } }[] };
  for (const item of doc.nftables ?? [])
    if (item.table?.name === NFT_TABLE && typeof item.table.comment === "string") return item.table.comment;
  const res = await runTool(opts.nftPath ?? "nft", ["-t", "list", "table", "inet", NFT_TABLE], null, opts);
  return res.code === 0 ? parseTableComment(res.stdout) : null;
}

/** Read what pfw has installed: rules with counters (summed per rule id) and set sizes. */
export async function statusNft(opts: NftRunOptions = {}): Promise<EnforceStatus> {
  requirePrivileged("pfw enforce status");
  const res = await runTool(opts.nftPath ?? "nft", ["-j", "list", "table", "inet", NFT_TABLE], null, opts);
  if (res.code !== 0) {
    if (/No such file or directory/.test(res.stderr))
      return { backend: "nft", installed: false, rules: [], sets: [], owner: null, lifetime: null };
    throw new EnforceError(
      "STATUS_FAILED",
      `nft could not list table inet ${NFT_TABLE}: ${firstError(res.stderr)}.`,
      res.stderr,
    );
  }
  let st: EnforceStatus;
  try {
    st = parseNftStatus(res.stdout);
  } catch {
    throw new EnforceError("STATUS_FAILED", `nft printed JSON pfw cannot read.`, res.stdout.slice(0, 200));
  }
  const recorded = parseOwnerComment(await readTableComment(res.stdout, opts));
  if (recorded !== null) {
    st.owner = { ...recorded, running: ownerRunning(recorded) };
    st.lifetime = lifetimeOf(st.owner);
  }
  return st;
}

/** Largest timeout accepted for a dynamic block (30 days). */
export const MAX_DYNAMIC_TIMEOUT_SEC = 30 * 24 * 3600;

/** Validate a dynamic block; returns the address re-formatted from its numbers, and its family. */
function checkDynamicBlock(addr: string, timeoutSec: number): { text: string; family: 4 | 6 } {
  let r: { text: string; family: 4 | 6 };
  const v6 = isIPv6(addr) ? parseIpv6(addr) : null;
  if (isIPv4(addr) && parseIpv4(addr) >= 0) r = { text: formatIpv4(parseIpv4(addr)), family: 4 };
  else if (v6 !== null) r = { text: formatIpv6(v6), family: 6 };
  else throw new EnforceError("BAD_ARGUMENT", `${JSON.stringify(addr)} is not an IPv4 or IPv6 address.`);
  if (!Number.isInteger(timeoutSec) || timeoutSec < 1 || timeoutSec > MAX_DYNAMIC_TIMEOUT_SEC) {
    throw new EnforceError("BAD_ARGUMENT", `the block timeout must be 1-${MAX_DYNAMIC_TIMEOUT_SEC} seconds.`);
  }
  return r;
}

/**
 * The dynamic blocks currently in pfw's table with their remaining seconds (empty if there is
 * no table). Pass them as `dynamicBlocks` when re-applying so a rules reload keeps them.
 */
export async function listDynamicBlocks(opts: NftRunOptions = {}): Promise<DynamicBlock[]> {
  requirePrivileged("pfw enforce status");
  const res = await runTool(opts.nftPath ?? "nft", ["-j", "list", "table", "inet", NFT_TABLE], null, opts);
  if (res.code !== 0) {
    if (/No such file or directory/.test(res.stderr)) return [];
    throw new EnforceError(
      "STATUS_FAILED",
      `nft could not list table inet ${NFT_TABLE}: ${firstError(res.stderr)}.`,
      res.stderr,
    );
  }
  return parseDynamicBlocks(res.stdout);
}

/** Dynamic blocks from `nft -j list table inet pfw` output (exported for tests). */
export function parseDynamicBlocks(json: string): DynamicBlock[] {
  const out: DynamicBlock[] = [];
  const doc = JSON.parse(json) as { nftables?: Record<string, unknown>[] };
  for (const item of doc.nftables ?? []) {
    const set = item.set as NftJsonSet | undefined;
    if (set?.name !== "blocklist4" && set?.name !== "blocklist6") continue;
    for (const e of set.elem ?? []) {
      const el = (e as { elem?: { val?: unknown; expires?: unknown } }).elem;
      if (typeof el?.val !== "string" || typeof el.expires !== "number") continue;
      const left = Math.ceil(el.expires);
      if (left >= 1) out.push({ addr: el.val, timeoutSec: Math.min(left, MAX_DYNAMIC_TIMEOUT_SEC) });
    }
  }
  return out;
}

/**
 * Block one address for `timeoutSec` seconds (kernel-side timeout) by adding it to blocklist4 /
 * blocklist6 (the table must have been applied with dynamicSet). The address is validated and
 * re-formatted; it never reaches nft as raw text.
 */
export async function addDynamicBlock(
  addr: string,
  timeoutSec: number,
  opts: NftRunOptions = {},
): Promise<void> {
  requirePrivileged("pfw live --enforce");
  const { text, family } = checkDynamicBlock(addr, timeoutSec);
  const set = `blocklist${family}`;
  const args = ["add", "element", "inet", NFT_TABLE, set, "{", text, "timeout", `${timeoutSec}s`, "}"];
  const res = await runTool(opts.nftPath ?? "nft", args, null, opts);
  if (res.code !== 0) {
    throw new EnforceError(
      "APPLY_FAILED",
      `nft could not add ${text} to ${set}: ${firstError(res.stderr)}.`,
      res.stderr,
    );
  }
}
