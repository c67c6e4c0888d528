/**
 * Who installed pfw's nft table, recorded in the kernel as the table's comment (nft 1.0.6 has table
 * comments, at most 128 characters), so `pfw enforce status` can say whether a process still watches the
 * rules. pfw is fail-closed: after `kill -9` (or a second Ctrl-C) of `pfw live --enforce` the table stays
 * in force and nothing removes it; the recorded owner makes that visible.
 *
 * The comment is one line of printable ASCII (no quote, no backslash), e.g.
 *   pfw live pid=4242 ticks=123456 started=2026-01-02T03:04:05Z cmd=pfw live eth0 --enforce
 *   pfw live pid=4242 ticks=123456 started=2026-01-02T03:04:05Z persist cmd=pfw live eth0 --enforce --persist
 *   pfw enforce apply started=2026-01-02T03:04:05Z cmd=pfw enforce apply --rules r.json
 * `ticks` is the owner's start time in clock ticks since boot (field 22 of /proc/PID/stat): a pid that was
 * reused by another process after the owner died does not count as the owner. The command comes last and
 * is shortened (ending in "...") to fit.
 */
import { readFileSync } from "node:fs";

/** The owner of pfw's table as recorded in it. */
export interface TableOwner {
  /**
   * "live": `pfw live --enforce`, which removes the table when it stops (unless persist);
   * "apply": `pfw enforce apply`, which leaves it in force until `pfw enforce flush`.
   */
  kind: "live" | "apply";
  /** Process id of the owner (live only). */
  pid: number | null;
  /** Start time of the owner process in clock ticks since boot (/proc/PID/stat field 22), null if unknown. */
  ticks: number | null;
  /** When the owner process started (live) or applied the table (apply), ISO 8601 UTC seconds. */
  started: string | null;
  /** live --persist: the owner keeps the table when it stops. */
  persist: boolean;
  /** The owner's command line (reduced to safe characters, maybe shortened), null if not recorded. */
  command: string | null;
}

/** Longest table comment nft accepts. */
export const MAX_TABLE_COMMENT = 128;

const PREFIX = { live: "pfw live", apply: "pfw enforce apply" } as const;

/** Characters kept in a recorded command; anything else becomes "_". */
const UNSAFE = /[^A-Za-z0-9 ._:/=@+,%-]/g;

/** ISO 8601 UTC with seconds, e.g. 2026-01-02T03:04:05Z. */
function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The table comment that records an owner (at most MAX_TABLE_COMMENT characters, safe inside nft quotes). */
export function ownerComment(o: TableOwner): string {
  let s: string = PREFIX[o.kind];
  if (o.pid !== null && Number.isInteger(o.pid) && o.pid > 0) s += ` pid=${o.pid}`;
  if (o.ticks !== null && Number.isInteger(o.ticks) && o.ticks >= 0) s += ` ticks=${o.ticks}`;
  if (o.started !== null && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(o.started)) s += ` started=${o.started}`;
  if (o.persist) s += " persist";
  if (o.command !== null) {
    let cmd = o.command.replace(UNSAFE, "_").replace(/\s+/g, " ").trim();
    const room = MAX_TABLE_COMMENT - s.length - " cmd=".length;
    if (cmd.length > room) cmd = room > 3 ? `${cmd.slice(0, room - 3)}...` : "";
    if (cmd !== "") s += ` cmd=${cmd}`;
  }
  return s;
}

/** Parse a table comment written by ownerComment; null for any other comment (or none). */
export function parseOwnerComment(comment: string | null | undefined): TableOwner | null {
  if (comment === null || comment === undefined) return null;
  const k = (["live", "apply"] as const).find(
    (kind) => comment === PREFIX[kind] || comment.startsWith(`${PREFIX[kind]} `),
  );
  if (k === undefined) return null;
  let rest = comment.slice(PREFIX[k].length);
  let command: string | null = null;
  const at = rest.indexOf(" cmd=");
  if (at >= 0) {
    command = rest.slice(at + " cmd=".length);
    rest = rest.slice(0, at);
  }
  const o: TableOwner = { kind: k, pid: null, ticks: null, started: null, persist: false, command };
  for (const word of rest.split(" ")) {
    const m = /^(pid|ticks|started)=(\S+)$/.exec(word);
    if (word === "persist") o.persist = true;
    else if (m?.[1] === "pid" && /^\d{1,10}$/.test(m[2] ?? "")) o.pid = Number(m[2]);
    else if (m?.[1] === "ticks" && /^\d{1,20}$/.test(m[2] ?? "")) o.ticks = Number(m[2]);
    else if (m?.[1] === "started") o.started = m[2] ?? null;
  }
  return o;
}

/** State and start time (clock ticks since boot) of a process from /proc/PID/stat, null if there is none. */
export function processStat(pid: number): { state: string; ticks: number } | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // "pid (comm) state ppid ..." - comm may contain spaces and parentheses: split after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0] ?? "";
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? { state, ticks } : null;
}

/**
 * Whether the recorded owner process still runs: its pid exists, is not a zombie, and (when recorded) has
 * the same start time. null when the owner has no process (apply) or no pid was recorded.
 */
export function ownerRunning(o: TableOwner): boolean | null {
  if (o.kind !== "live" || o.pid === null) return null;
  const st = processStat(o.pid);
  if (st === null || st.state === "Z" || st.state === "X") return false;
  return o.ticks === null || o.ticks === st.ticks;
}

/** This process's start time, fixed at load so every apply of one session records the same owner. */
const PROCESS_STARTED = isoSeconds(new Date(Date.now() - process.uptime() * 1000));

/** The owner record of this process: `pfw live` (with persist) or `pfw enforce apply` (now). */
export function thisProcessOwner(kind: "live" | "apply", persist = false): TableOwner {
  const live = kind === "live";
  return {
    kind,
    pid: live ? process.pid : null,
    ticks: live ? (processStat(process.pid)?.ticks ?? null) : null,
    started: live ? PROCESS_STARTED : isoSeconds(new Date()),
    persist: live && persist,
    command: ["pfw", ...process.argv.slice(2)].join(" "),
  };
}
