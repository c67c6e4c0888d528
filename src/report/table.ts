/**
 * Terminal report (box tables drawn as cli-table3 draws them, see box-table.ts): the flagged-flow table, capped to the most severe flows, and the
 * summary block. Bounded memory: only the top `maxRows` flagged rows are kept while flows stream by.
 * Order: verdict (BLOCKED, ALERT, UNKNOWN), then IP bytes (both ways) descending, then first seen.
 * No colours, so the output is the same on a TTY, in a pipe and in golden files.
 */
import { renderKeyValue, renderTable } from "./box-table.js";
import { terminalSafe } from "./terminal-text.js";
import type { FlowRecord } from "../flows/table.js";
import { flowRow, isFlagged, RANK_VERDICT, type FlowRow, type ReportContext } from "./flow-row.js";
import type { Summary } from "./summary.js";

interface Ranked {
  rank: number;
  bytes: number;
  seq: number;
  row: FlowRow;
  /** Reason of the rule that gave the flow its verdict. */
  reason: string;
}

/** Columns left out, in this order, when even clipped cells do not fit the width. */
const DROP_ORDER = ["reason", "bytes o/r", "pkts o/r", "state", "rules", "proto", "first seen (UTC)"];

/** Keeps the top flagged flows for the terminal table. */
export class FlaggedFlowTable {
  /** Flagged flows seen (shown or not). */
  flagged = 0;
  private readonly top: Ranked[] = [];
  private seq = 0;

  constructor(
    private readonly ctx: ReportContext,
    readonly maxRows = 50,
  ) {}

  /** Consider one flow (from onEvict); non-flagged flows are ignored. row: the flow's row if already built. */
  addFlow(f: FlowRecord, row?: FlowRow): void {
    const rank = f.verdict;
    if (!isFlagged(rank)) return;
    this.flagged++;
    const bytes = f.origBytes + f.respBytes;
    const seq = this.seq++;
    const top = this.top;
    if (top.length >= this.maxRows) {
      const last = top[top.length - 1]!;
      if (!before(rank, bytes, seq, last)) return;
    }
    const item: Ranked = {
      rank,
      bytes,
      seq,
      row: row ?? flowRow(f, this.ctx),
      reason: this.decidingReason(f),
    };
    let i = top.length;
    while (i > 0 && before(rank, bytes, seq, top[i - 1]!)) i--;
    top.splice(i, 0, item);
    if (top.length > this.maxRows) top.pop();
  }

  /** Reason of the flow's deciding rule: the first of its rules whose verdict is the flow's verdict. */
  private decidingReason(f: FlowRecord): string {
    const rules = this.ctx.rules;
    const idx = f.ruleIndexes();
    const deciding = idx.find((i) => rules.rank(i) === f.verdict) ?? idx[0];
    return deciding === undefined ? "" : rules.reason(deciding);
  }

  /** Rows kept, most severe first. */
  rows(): FlowRow[] {
    return this.top.map((r) => r.row);
  }

  /**
   * The table text, with a line saying how many flagged flows are not shown. maxWidth > 0 (the terminal's
   * columns): the rules and reason cells are clipped, then columns left out, until every line fits.
   */
  render(maxWidth = 0): string {
    if (this.flagged === 0) return "No flagged flows.\n";
    const head = [
      "first seen (UTC)",
      "verdict",
      "proto",
      "originator",
      "responder",
      "pkts o/r",
      "bytes o/r",
      "state",
      "rules",
      "reason",
    ];
    const rows = this.top.map(({ row: r, reason }) => [
      isoSeconds(r.ts),
      r.verdict,
      r.proto,
      endpoint(r["id.orig_h"], r["id.orig_p"]),
      endpoint(r["id.resp_h"], r["id.resp_p"]),
      `${r.orig_pkts}/${r.resp_pkts}`,
      `${r.orig_ip_bytes}/${r.resp_ip_bytes}`,
      r.conn_state,
      clip(terminalSafe(r.rule_ids.join(",")), 30),
      clip(terminalSafe(reason), 50),
    ]);
    const fitted = maxWidth > 0 ? fit(head, rows, maxWidth) : { head, rows };
    const hidden = this.flagged - this.top.length;
    const more =
      hidden > 0
        ? `... and ${hidden} more flagged flow${hidden === 1 ? "" : "s"} (see the CSV report)\n`
        : "";
    return `Flagged flows (${this.flagged}):\n${renderTable(fitted.head, fitted.rows)}\n${more}`;
  }
}

/** Clip the rules and reason columns, then leave columns out, until the table is at most maxWidth wide. */
function fit(head: string[], rows: string[][], maxWidth: number): { head: string[]; rows: string[][] } {
  let h = head.slice();
  let rs = rows.map((r) => r.slice());
  const width = (): number => {
    const w = h.map((c, i) => Math.max(c.length, ...rs.map((r) => (r[i] ?? "").length)));
    return w.reduce((a, b) => a + b + 3, 1);
  };
  for (const name of ["reason", "rules"]) {
    const i = h.indexOf(name);
    const over = width() - maxWidth;
    if (over <= 0) break;
    const w = Math.max(h[i]!.length, ...rs.map((r) => r[i]!.length));
    const target = Math.max(h[i]!.length, w - over);
    rs = rs.map((r) => r.map((c, j) => (j === i ? clip(c, target) : c)));
  }
  for (const name of DROP_ORDER) {
    if (width() <= maxWidth) break;
    const i = h.indexOf(name);
    if (i < 0 || h.length <= 3) continue;
    h = h.filter((_, j) => j !== i);
    rs = rs.map((r) => r.filter((_, j) => j !== i));
  }
  return { head: h, rows: rs };
}

function before(rank: number, bytes: number, seq: number, o: Ranked): boolean {
  if (rank !== o.rank) return rank > o.rank;
  if (bytes !== o.bytes) return bytes > o.bytes;
  return seq < o.seq;
}

function endpoint(h: string, p: number | null): string {
  if (p === null) return h;
  return h.includes(":") ? `[${h}]:${p}` : `${h}:${p}`;
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + "…";
}

/** "sec.uuuuuu" -> "YYYY-MM-DD HH:MM:SS.uuuuuu" (UTC). */
function isoSeconds(ts: string): string {
  const dot = ts.indexOf(".");
  const sec = Number(dot < 0 ? ts : ts.slice(0, dot));
  const frac = dot < 0 ? "000000" : ts.slice(dot + 1);
  return isoUtc(sec, frac).replace("T", " ");
}

/** ISO-8601 UTC of whole seconds, with a given fraction text: "2024-01-02T03:04:05.123456". */
export function isoUtc(sec: number, frac: string): string {
  const d = new Date(sec * 1000);
  if (Number.isNaN(d.getTime())) return `${sec}.${frac}`;
  return `${d.toISOString().slice(0, 19)}.${frac}`;
}

/** Human byte count: 1234567 -> "1.2 MB". */
export function humanBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let u = 0;
  let v = n;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** The summary block: files, packets, flows, verdict counts, decode events, top talkers, time span. */
export function renderSummary(s: Summary, topTalkers = 5, maxWidth = 0): string {
  const verdicts = (a: Float64Array): string =>
    [3, 2, 1, 0].map((r) => `${RANK_VERDICT[r]} ${a[r] ?? 0}`).join(", ");
  const events = Object.entries(s.decodeEventCounts())
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`);
  const talkers = s.topTalkers(topTalkers).map((x) => `${x.addr} ${humanBytes(x.bytes)}`);
  let span = "-";
  if (!Number.isNaN(s.firstSec)) {
    const f6 = (ns: number) => String(Math.floor(ns / 1000)).padStart(6, "0");
    const durNs = (s.lastSec - s.firstSec) * 1e9 + (s.lastNsec - s.firstNsec);
    span = `${isoUtc(s.firstSec, f6(s.firstNsec))}Z .. ${isoUtc(s.lastSec, f6(s.lastNsec))}Z (${(durNs / 1e9).toFixed(3)} s)`;
  }
  const pairs: [string, string][] = [
    ["Files", s.files.length === 1 ? terminalSafe(s.files[0] ?? "") : `${s.files.length}`],
    ["Packets", String(s.packets)],
    ["Packet verdicts", verdicts(s.packetVerdicts)],
    ["Flows", String(s.flows)],
    ["Flow verdicts", verdicts(s.flowVerdicts)],
    [
      "Decode events",
      events.length ? events.slice(0, 8).join(", ") + (events.length > 8 ? ", ..." : "") : "none",
    ],
    ["Top talkers", talkers.length ? talkers.join("\n") : "-"],
    ["Time span", span],
    [
      "Errors",
      s.errors.length
        ? s.errors
            .map((e) => terminalSafe(`${e.file}: ${e.code} at ${e.offset ?? "-"}: ${e.message}`))
            .join("\n")
        : "none",
    ],
  ];
  if (maxWidth > 0) {
    // fit the key / value table: each value line clipped to what is left of the width
    const keyW = Math.max(...pairs.map(([k]) => k.length));
    const room = Math.max(10, maxWidth - keyW - 7);
    for (const p of pairs)
      p[1] = p[1]
        .split("\n")
        .map((l) => clip(l, room))
        .join("\n");
  }
  return `Summary:\n${renderKeyValue(pairs)}\n`;
}
