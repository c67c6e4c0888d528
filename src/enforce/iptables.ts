/**
 * iptables backend (for systems without nft), through `iptables-restore --noflush` and
 * `ip6tables-restore --noflush`: one transaction per IP family, and both scripts are checked with
 * `--test` before either is committed, so a rejected script changes nothing.
 *
 * pfw owns only these chains of the filter table: PFW-INPUT and PFW-OUTPUT (jumped to from the
 * first position of INPUT / OUTPUT by a rule with comment "pfw", inserted only if absent), and
 * PFW-INPUT-LAN / PFW-OUTPUT-LAN (only with home networks: traffic from/to home skips `in`/`out`
 * rules there). Flush removes exactly those chains and jumps.
 *
 * With iptables-nft (Debian 12's default `iptables`), the kernel tables are nftables tables `ip filter` /
 * `ip6 filter`, and iptables-nft creates the table and the base chains INPUT / OUTPUT (policy accept) on
 * demand, i.e. when pfw's jump goes in. So before inserting a jump pfw asks nft what exists (`nft -j list
 * table ip filter`) and records it in the jump's comment: "pfw" (the chain existed, or it could not be
 * told: legacy iptables, no nft program), "pfw:created-chain" (pfw's jump created the chain),
 * "pfw:created-table" (it created the table too). Flush then also removes the base chains pfw created if
 * they are empty with policy accept, and the table if pfw created it and nothing else is left in it; never
 * anything else (a rule or chain the user added since keeps them). nft's checks and deletes are two steps:
 * a rule added in between those few milliseconds would go with the chain.
 *
 * pfw's `allow` is `-j RETURN` (leave pfw's chain; the rest of INPUT/OUTPUT still decides), its
 * `block` is `-j DROP`. There is no ipset here: an address list is expanded into one rule per
 * address (and per protocol, and per 15 ports for multiport), so a list of N addresses costs N
 * rules evaluated one after the other. For large lists use the nft backend (sets are hashed /
 * interval trees). There are no dynamic blocks with this backend.
 */
import { IpProto } from "../net/protocols.js";
import type { Ruleset } from "../rules/types.js";
import { EnforceError } from "./errors.js";
import { runTool, requirePrivileged, type ToolOptions } from "./exec.js";
import { buildPlan, SSH_GUARD_LABEL, type Hook, type Plan, type PlanOptions, type PlanRule } from "./plan.js";
import { cidrTexts, portText } from "./render-util.js";
import { summarizeCounters, type EnforceStatus, type KernelRule } from "./status.js";
import type { PortRange } from "../rules/types.js";

/** pfw's chains in the filter table (and nothing else is ever touched). */
export const IPT_CHAINS = ["PFW-INPUT", "PFW-OUTPUT", "PFW-INPUT-LAN", "PFW-OUTPUT-LAN"] as const;
/** Comment of the jump rules in INPUT / OUTPUT. */
export const IPT_JUMP_COMMENT = "pfw";
/** multiport accepts at most 15 ports, a range counting as two. */
const MULTIPORT_SLOTS = 15;

const TOP: Record<Hook, string> = { input: "PFW-INPUT", output: "PFW-OUTPUT" };
const BUILTIN: Record<Hook, string> = { input: "INPUT", output: "OUTPUT" };

/** What pfw's jump created when it went in (recorded in its comment). */
export type JumpMark = "none" | "chain" | "table";

/** The jump comment for a mark. */
const MARK_COMMENT: Record<JumpMark, string> = {
  none: IPT_JUMP_COMMENT,
  chain: `${IPT_JUMP_COMMENT}:created-chain`,
  table: `${IPT_JUMP_COMMENT}:created-table`,
};

/** What already exists in one family's filter table. */
export interface IptState {
  chains: Set<string>;
  /** Our jump rules as printed by iptables-save, e.g. "-A INPUT -m comment --comment pfw -j PFW-INPUT". */
  jumps: string[];
  /** Per built-in chain with a pfw jump: what that jump created (from its comment). */
  marks: Map<string, JumpMark>;
  /** The tool is iptables-nft (iptables-save says "(nf_tables)"): the table is an nftables table. */
  nftVariant: boolean;
}

/** State of a table where pfw has never run. */
export const EMPTY_IPT_STATE: IptState = {
  chains: new Set(),
  jumps: [],
  marks: new Map(),
  nftVariant: false,
};

const JUMP_RE =
  /^-A (INPUT|OUTPUT) -m comment --comment "?pfw(|:created-chain|:created-table)"? -j (PFW-INPUT|PFW-OUTPUT)$/;

/** Parse `iptables-save -t filter` output (with or without -c) into pfw's state. */
export function parseIptState(save: string): IptState {
  const chains = new Set<string>();
  const jumps: string[] = [];
  const marks = new Map<string, JumpMark>();
  for (const raw of save.split("\n")) {
    const line = raw.replace(/^\[\d+:\d+\] /, "").trim();
    const c = /^:(\S+) /.exec(line);
    if (c?.[1] !== undefined && (IPT_CHAINS as readonly string[]).includes(c[1])) chains.add(c[1]);
    const j = JUMP_RE.exec(line);
    if (j?.[1] !== undefined) {
      jumps.push(line);
      const mark: JumpMark =
        j[2] === ":created-table" ? "table" : j[2] === ":created-chain" ? "chain" : "none";
      if (mark !== "none" || !marks.has(j[1])) marks.set(j[1], mark);
    }
  }
  return {
    chains,
    jumps,
    marks,
    nftVariant: /^# Generated by ip6?tables-save v\S+ \(nf_tables\)/m.test(save),
  };
}

/** What exists in an nftables-backed filter table before pfw's jumps go in (null: cannot be told). */
export interface BaseState {
  table: boolean;
  /** Base chains (INPUT, OUTPUT, FORWARD...) that exist. */
  chains: Set<string>;
}

/** The mark of the jump pfw inserts into a built-in chain, given what existed before. */
function markFor(pre: BaseState | null, chain: string): JumpMark {
  if (pre === null) return "none";
  if (!pre.table) return "table";
  return pre.chains.has(chain) ? "none" : "chain";
}

function chunkPorts(list: PortRange[] | undefined): (string | null)[] {
  if (list === undefined) return [null];
  const out: string[] = [];
  let cur: string[] = [];
  let slots = 0;
  for (const r of list) {
    const cost = r.lo === r.hi ? 1 : 2;
    if (slots + cost > MULTIPORT_SLOTS) {
      out.push(cur.join(","));
      cur = [];
      slots = 0;
    }
    cur.push(portText(r, ":"));
    slots += cost;
  }
  if (cur.length > 0) out.push(cur.join(","));
  return out;
}

/**
 * The fragment test of a rule with transport_header, per protocol (iptables-save's order: after -p).
 * IPv4: -f matches exactly the non-first fragments. IPv6 has no such flag: the tcp and udp matches
 * never match a non-first fragment (the kernel checks the offset), which gives `true` for those
 * two; ip6tables cannot express the rest (no way to match a non-zero fragment offset).
 */
function fragSpec(r: PlanRule, family: 4 | 6, proto: number | null): string {
  if (r.transportHeader === undefined) return "";
  if (family === 4) return r.transportHeader ? " ! -f" : " -f";
  if (r.transportHeader && proto === IpProto.TCP) return " -m tcp";
  if (r.transportHeader && proto === IpProto.UDP) return " -m udp";
  throw new EnforceError(
    "UNSUPPORTED",
    `rule ${JSON.stringify(r.id)}: ip6tables cannot match IPv6 fragment offsets (transport_header ${String(r.transportHeader)}${proto !== null ? ` with protocol ${proto}` : ""}); use the nft backend, or limit the rule to IPv4.`,
  );
}

/** Expand one plan rule into iptables rule specs (without "-A CHAIN") for one family. */
function expandRule(r: PlanRule, family: 4 | 6): string[] {
  const srcs = r.src !== undefined ? cidrTexts(r.src) : [null];
  const dsts = r.dst !== undefined ? cidrTexts(r.dst) : [null];
  const protos = r.proto ?? [null];
  const target = `-m comment --comment "${r.label}" -j ${r.verdict === "drop" ? "DROP" : "RETURN"}`;
  const out: string[] = [];
  for (const s of srcs)
    for (const d of dsts)
      for (const p of protos)
        for (const sp of chunkPorts(r.sport))
          for (const dp of chunkPorts(r.dport))
            for (const ep of chunkPorts(r.port)) {
              let spec = "";
              if (r.notLoopback) spec += r.hook === "input" ? " ! -i lo" : " ! -o lo";
              if (s !== null) spec += ` -s ${s}`;
              if (d !== null) spec += ` -d ${d}`;
              if (p !== null) spec += ` -p ${p}`;
              spec += fragSpec(r, family, p);
              if (sp !== null) spec += ` -m multiport --sports ${sp}`;
              if (dp !== null) spec += ` -m multiport --dports ${dp}`;
              if (ep !== null) spec += ` -m multiport --ports ${ep}`;
              out.push(`${spec} ${target}`.trim());
            }
  return out;
}

/**
 * Render one family's `iptables-restore --noflush` script, given what already exists (`pre`: the nft table
 * and base chains before pfw, recorded in new jumps' comments; null: unknown, recorded as nothing created).
 */
export function renderIptablesPlan(
  plan: Plan,
  family: 4 | 6,
  state: IptState,
  pre: BaseState | null = null,
): string {
  const home = family === 4 ? plan.home4 : plan.home6;
  const declared: string[] = [];
  const lines: string[] = [];
  for (const hook of ["input", "output"] as const) {
    const top = TOP[hook];
    const lan = `${top}-LAN`;
    declared.push(top);
    if (plan.sshGuard) {
      const ports = plan.sshPorts.join(",");
      // Established sessions conntrack knows, and any non-SYN segment (sessions older than conntrack).
      lines.push(
        `-A ${top} -p tcp -m multiport --ports ${ports} -m conntrack --ctstate ESTABLISHED,RELATED -m comment --comment "${SSH_GUARD_LABEL}" -j RETURN`,
      );
      lines.push(
        `-A ${top} -p tcp ! --syn -m multiport --ports ${ports} -m comment --comment "${SSH_GUARD_LABEL}" -j RETURN`,
      );
    }
    const rules = plan.rules.filter((r) => r.hook === hook && (r.family === 0 || r.family === family));
    const split = home.length > 0 && rules.some((r) => r.remoteOnly);
    if (split) {
      declared.push(lan);
      const side = hook === "input" ? "-s" : "-d";
      for (const h of cidrTexts(home)) {
        lines.push(`-A ${top} ${side} ${h} -j ${lan}`);
        lines.push(`-A ${top} ${side} ${h} -j RETURN`);
      }
      for (const r of rules)
        if (!r.remoteOnly) for (const spec of expandRule(r, family)) lines.push(`-A ${lan} ${spec}`);
    }
    for (const r of rules) for (const spec of expandRule(r, family)) lines.push(`-A ${top} ${spec}`);
  }
  let s = `# Generated by pfw enforce (IPv${family}): apply with ${family === 4 ? "iptables" : "ip6tables"}-restore --noflush\n*filter\n`;
  // Declaring a chain creates it, or flushes it if it exists (with --noflush only declared chains are flushed).
  for (const c of declared) s += `:${c} - [0:0]\n`;
  for (const l of lines) s += `${l}\n`;
  // pfw chains left over from an earlier apply that this one does not use (now unreferenced).
  for (const c of IPT_CHAINS) if (state.chains.has(c) && !declared.includes(c)) s += `-F ${c}\n-X ${c}\n`;
  for (const hook of ["input", "output"] as const) {
    const jumped = state.jumps.some((j) => JUMP_RE.exec(j)?.[1] === BUILTIN[hook]);
    if (!jumped) {
      const comment = MARK_COMMENT[markFor(pre, BUILTIN[hook])];
      s += `-I ${BUILTIN[hook]} 1 -m comment --comment "${comment}" -j ${TOP[hook]}\n`;
    }
  }
  return `${s}COMMIT\n`;
}

/** Both families' scripts for a table where pfw has never run (dry run, golden tests). */
export function buildIptablesScripts(ruleset: Ruleset, opts: PlanOptions): { v4: string; v6: string } {
  const plan = buildPlan(ruleset, opts);
  return {
    v4: renderIptablesPlan(plan, 4, EMPTY_IPT_STATE),
    v6: renderIptablesPlan(plan, 6, EMPTY_IPT_STATE),
  };
}

const TOOLS = {
  4: { save: "iptables-save", restore: "iptables-restore" },
  6: { save: "ip6tables-save", restore: "ip6tables-restore" },
} as const;

/** The nftables family of iptables-nft's tables. */
const NFT_FAMILY = { 4: "ip", 6: "ip6" } as const;

/** One filter table as `nft -j list table ip filter` lists it. */
interface NftFilterTable {
  /** chain name -> base chain hook and policy (undefined for regular chains) */
  chains: Map<string, { hook?: string; policy?: string }>;
  /** rules per chain */
  rules: Map<string, number>;
  /** sets, maps, flowtables, stateful objects... (anything that is not a chain or a rule) */
  others: number;
}

/** Parse `nft -j list table ip filter` (exported for tests). */
export function parseNftFilterTable(json: string): NftFilterTable {
  const doc = JSON.parse(json) as { nftables?: Record<string, unknown>[] };
  const t: NftFilterTable = { chains: new Map(), rules: new Map(), others: 0 };
  for (const item of doc.nftables ?? []) {
    const chain = item.chain as { name?: string; hook?: string; policy?: string } | undefined;
    const rule = item.rule as { chain?: string } | undefined;
    if (chain?.name !== undefined) t.chains.set(chain.name, { hook: chain.hook, policy: chain.policy });
    else if (rule !== undefined) t.rules.set(rule.chain ?? "", (t.rules.get(rule.chain ?? "") ?? 0) + 1);
    else if (!("metainfo" in item) && !("table" in item)) t.others++;
  }
  return t;
}

/**
 * The filter table of one family through nft: null when it does not exist, undefined when that cannot be
 * told (no nft program, an nft error).
 */
async function readNftFilterTable(
  family: 4 | 6,
  opts: ToolOptions,
): Promise<NftFilterTable | null | undefined> {
  let res;
  try {
    res = await runTool("nft", ["-j", "list", "table", NFT_FAMILY[family], "filter"], null, opts);
  } catch (e) {
    if (e instanceof EnforceError && e.code === "NFT_MISSING") return undefined;
    throw e;
  }
  if (res.code !== 0) return /No such file or directory/.test(res.stderr) ? null : undefined;
  try {
    return parseNftFilterTable(res.stdout);
  } catch {
    return undefined;
  }
}

/** What exists before pfw's jumps go in (iptables-nft only; null: cannot be told, nothing is marked). */
async function readBaseState(family: 4 | 6, state: IptState, opts: ToolOptions): Promise<BaseState | null> {
  if (!state.nftVariant) return null;
  const t = await readNftFilterTable(family, opts);
  if (t === undefined) return null;
  if (t === null) return { table: false, chains: new Set() };
  return {
    table: true,
    chains: new Set([...t.chains].filter(([, c]) => c.hook !== undefined).map(([n]) => n)),
  };
}

/**
 * The nft script that removes what pfw's jumps created, now that they are gone (exported for tests): the
 * base chains it created that are empty with policy accept, or the whole table when pfw created it and only
 * such chains are left in it. "" when there is nothing to remove.
 */
export function baseCleanupScript(family: 4 | 6, t: NftFilterTable, marks: Map<string, JumpMark>): string {
  const fam = NFT_FAMILY[family];
  const createdTable = [...marks.values()].includes("table");
  const removable = [...marks]
    .filter(([, m]) => m !== "none")
    .map(([name]) => name)
    .filter((name) => {
      const c = t.chains.get(name);
      return c?.hook !== undefined && c.policy === "accept" && (t.rules.get(name) ?? 0) === 0;
    });
  const left = [...t.chains.keys()].filter((n) => !removable.includes(n));
  if (createdTable && left.length === 0 && t.others === 0 && t.rules.size === 0)
    return `delete table ${fam} filter\n`;
  return removable.map((n) => `delete chain ${fam} filter ${n}\n`).join("");
}

function firstLine(stderr: string): string {
  return (stderr.split("\n").find((l) => l.trim() !== "") ?? "").trim().replace(/\.$/, "");
}

async function readSave(family: 4 | 6, counters: boolean, opts: ToolOptions): Promise<string> {
  const args = counters ? ["-c", "-t", "filter"] : ["-t", "filter"];
  const res = await runTool(TOOLS[family].save, args, null, opts);
  if (res.code !== 0) {
    throw new EnforceError(
      "STATUS_FAILED",
      `${TOOLS[family].save} failed: ${firstLine(res.stderr)}.`,
      res.stderr,
    );
  }
  return res.stdout;
}

/**
 * Apply a ruleset with iptables-restore / ip6tables-restore (see applyIptablesScripts).
 * Resolves with the scripts applied (rendered against the current state of each family).
 */
export async function applyIptables(
  ruleset: Ruleset,
  opts: PlanOptions & ToolOptions,
): Promise<{ v4: string; v6: string }> {
  requirePrivileged("pfw enforce apply");
  const plan = buildPlan(ruleset, opts);
  const scripts = { v4: "", v6: "" };
  for (const f of [4, 6] as const) {
    const state = parseIptState(await readSave(f, false, opts));
    const pre = state.jumps.length < 2 ? await readBaseState(f, state, opts) : null;
    scripts[f === 4 ? "v4" : "v6"] = renderIptablesPlan(plan, f, state, pre);
  }
  const { v4, v6 } = scripts;
  await applyIptablesScripts({ v4, v6 }, opts);
  return { v4, v6 };
}

/**
 * Apply both families' restore scripts. Both are checked first with `--test`: if either is
 * rejected, nothing is changed in either family. Each commit is one transaction.
 */
export async function applyIptablesScripts(
  scripts: { v4: string; v6: string },
  opts: ToolOptions = {},
): Promise<void> {
  requirePrivileged("pfw enforce apply");
  const byFamily = { 4: scripts.v4, 6: scripts.v6 };
  for (const f of [4, 6] as const) {
    const res = await runTool(TOOLS[f].restore, ["--noflush", "--test"], byFamily[f], opts);
    if (res.code !== 0) {
      throw new EnforceError(
        "APPLY_FAILED",
        `${TOOLS[f].restore} rejected the rules, nothing was changed: ${firstLine(res.stderr)}.`,
        res.stderr,
      );
    }
  }
  for (const f of [4, 6] as const) {
    const res = await runTool(TOOLS[f].restore, ["--noflush"], byFamily[f], opts);
    if (res.code !== 0) {
      const partial = f === 6 ? " (the IPv4 rules were applied)" : "";
      throw new EnforceError(
        "APPLY_FAILED",
        `${TOOLS[f].restore} rejected the rules${partial}: ${firstLine(res.stderr)}.`,
        res.stderr,
      );
    }
  }
}

/**
 * Remove pfw's chains and jumps (only them) in both families, then (iptables-nft) the empty base chains and
 * table pfw's jumps created (see the module header). Resolves true if anything was removed.
 */
export async function flushIptables(opts: ToolOptions = {}): Promise<boolean> {
  requirePrivileged("pfw enforce flush");
  let removed = false;
  for (const f of [4, 6] as const) {
    const state = parseIptState(await readSave(f, false, opts));
    if (state.chains.size === 0 && state.jumps.length === 0) continue;
    let s = "*filter\n";
    for (const j of state.jumps) s += `${j.replace(/^-A /, "-D ")}\n`;
    for (const c of IPT_CHAINS) if (state.chains.has(c)) s += `-F ${c}\n`;
    for (const c of IPT_CHAINS) if (state.chains.has(c)) s += `-X ${c}\n`;
    s += "COMMIT\n";
    const res = await runTool(TOOLS[f].restore, ["--noflush"], s, opts);
    if (res.code !== 0) {
      throw new EnforceError(
        "FLUSH_FAILED",
        `${TOOLS[f].restore} could not remove pfw's chains: ${firstLine(res.stderr)}.`,
        res.stderr,
      );
    }
    removed = true;
    if (state.nftVariant && [...state.marks.values()].some((m) => m !== "none"))
      await removeCreatedBase(f, state.marks, opts);
  }
  return removed;
}

/** Remove the base chains / table pfw's jumps created, if they are still as pfw left them (empty). */
async function removeCreatedBase(
  family: 4 | 6,
  marks: Map<string, JumpMark>,
  opts: ToolOptions,
): Promise<void> {
  const t = await readNftFilterTable(family, opts);
  if (t === null || t === undefined) return;
  const script = baseCleanupScript(family, t, marks);
  if (script === "") return;
  const res = await runTool("nft", ["-f", "-"], script, opts);
  if (res.code !== 0) {
    throw new EnforceError(
      "FLUSH_FAILED",
      `pfw's chains were removed, but nft could not remove the empty ${NFT_FAMILY[family]} filter chains pfw created: ${firstLine(res.stderr)}.`,
      res.stderr,
    );
  }
}

/** Parse `iptables-save -c -t filter` output of one family into kernel rules (exported for tests). */
export function parseIptCounters(save: string, family: 4 | 6): KernelRule[] {
  const out: KernelRule[] = [];
  for (const line of save.split("\n")) {
    const m = /^\[(\d+):(\d+)\] -A (PFW-\S+) (.*)$/.exec(line.trim());
    if (!m || m[3] === undefined || m[4] === undefined) continue;
    const label = /--comment "?(pfw:[^"\s]+)"?/.exec(m[4])?.[1];
    if (label === undefined) continue; // home jumps carry no label
    const target = /-j (\S+)$/.exec(m[4])?.[1] ?? "";
    out.push({
      label,
      hook: `${m[3]}/v${family}`,
      verdict: target.toLowerCase(),
      packets: Number(m[1]),
      bytes: Number(m[2]),
    });
  }
  return out;
}

/** Read pfw's chains with their counters (summed per rule over both families and all expansions). */
export async function statusIptables(opts: ToolOptions = {}): Promise<EnforceStatus> {
  requirePrivileged("pfw enforce status");
  const kernel: KernelRule[] = [];
  let installed = false;
  for (const f of [4, 6] as const) {
    const save = await readSave(f, true, opts);
    if (parseIptState(save).chains.size > 0) installed = true;
    kernel.push(...parseIptCounters(save, f));
  }
  // Only `pfw enforce apply` uses this backend: nothing watches its rules, they stay until flush.
  return {
    backend: "iptables",
    installed,
    rules: summarizeCounters(kernel),
    sets: [],
    owner: null,
    lifetime: installed ? "persistent" : null,
  };
}
