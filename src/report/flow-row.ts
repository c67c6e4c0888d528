/**
 * One flow as a report row: the columns of the flagged-flow CSV, the `flows` of the --json document
 * and the table. Column names follow Zeek's conn.log, plus pfw's own.
 *
 * Column meanings (exact):
 *  - ts: first packet time, epoch seconds with 6 decimals (microseconds, truncated), like Zeek.
 *  - uid: Zeek-like id, "C" + base62 of a hash of the first packet time and the tuple; deterministic.
 *  - id.orig_h / id.orig_p: the originator (first packet's sender) and its port; id.resp_*: the other side.
 *    ICMP / ICMPv6 follow Zeek: orig_p = ICMP type, resp_p = the counterpart type for request/reply
 *    messages (echo 8 -> 0) or the ICMP code for one-way messages. Empty for protocols without ports
 *    and for flows of fragments / truncated transport headers.
 *  - proto: tcp, udp, icmp, icmpv6, else the IP protocol number.
 *  - duration: last minus first packet time in seconds, 6 decimals (truncated).
 *  - orig_pkts / resp_pkts: packets each way. orig_bytes / resp_bytes: IP bytes each way (header length
 *    fields, see src/flows/table.ts) - Zeek's orig_ip_bytes / resp_ip_bytes, NOT Zeek's payload-based
 *    orig_bytes.
 *  - conn_state: Zeek's conn_state (src/flows/conn-state.ts).
 *  - community_id: Community ID v1, seed 0 ("" where it cannot apply).
 *  - verdict: worst packet verdict (BLOCKED > ALERT > UNKNOWN > ALLOWED), "" if no packet got one.
 *  - rule_ids / reasons: distinct rules that decided the flow's packets, first seen first (at most 8),
 *    "default" for the default action. CSV joins them with ";"; JSON gives arrays.
 *  - first_frame: frame number of the first packet within its file; file: that file's name as given.
 */
import type { FlowRecord } from "../flows/table.js";
import { ipv4ToString, ipv6ToString } from "../net/addr.js";
import { IpProto } from "../net/protocols.js";
import { VERDICT_RANK, type Verdict } from "../rules/types.js";
import type { RuleLookup } from "./rule-lookup.js";

/** CSV header / JSON keys, in order. */
export const FLOW_COLUMNS = [
  "ts",
  "uid",
  "id.orig_h",
  "id.orig_p",
  "id.resp_h",
  "id.resp_p",
  "proto",
  "duration",
  "orig_pkts",
  "orig_bytes",
  "resp_pkts",
  "resp_bytes",
  "conn_state",
  "community_id",
  "verdict",
  "rule_ids",
  "reasons",
  "first_frame",
  "file",
] as const;

/** Verdict names by VERDICT_RANK. */
export const RANK_VERDICT: readonly Verdict[] = (Object.keys(VERDICT_RANK) as Verdict[]).sort(
  (a, b) => VERDICT_RANK[a] - VERDICT_RANK[b],
);

/** Verdict name of a rank, "" for -1 (no verdict). */
export function verdictName(rank: number): Verdict | "" {
  return RANK_VERDICT[rank] ?? "";
}

/** Flagged = BLOCKED, ALERT or UNKNOWN (any rank above ALLOWED). */
export function isFlagged(rank: number): boolean {
  return rank > VERDICT_RANK.ALLOWED;
}

/** What rows need besides the flow: file names by index and rule texts. */
export interface ReportContext {
  files: readonly string[];
  rules: RuleLookup;
}

/** A flow as a report row (see the module header for each column). */
export interface FlowRow {
  ts: string;
  uid: string;
  "id.orig_h": string;
  "id.orig_p": number | null;
  "id.resp_h": string;
  "id.resp_p": number | null;
  proto: string;
  duration: string;
  orig_pkts: number;
  orig_bytes: number;
  resp_pkts: number;
  resp_bytes: number;
  conn_state: string;
  community_id: string;
  verdict: Verdict | "";
  rule_ids: string[];
  reasons: string[];
  first_frame: number;
  file: string;
}

/** Lowercase protocol name for the proto column: tcp, udp, icmp, icmpv6, else the number. */
export function protoColumn(proto: number): string {
  switch (proto) {
    case IpProto.TCP:
      return "tcp";
    case IpProto.UDP:
      return "udp";
    case IpProto.ICMP:
      return "icmp";
    case IpProto.ICMPV6:
      return "icmpv6";
    default:
      return String(proto);
  }
}

/** "sec.uuuuuu" from whole seconds and nanoseconds (microseconds truncated). */
export function epochText(sec: number, nsec: number): string {
  return `${sec}.${String(Math.floor(nsec / 1000)).padStart(6, "0")}`;
}

/** Seconds with 6 decimals from nanoseconds (microseconds truncated; negative clamps to 0). */
export function durationText(ns: number): string {
  const us = Math.max(0, Math.floor(ns / 1000));
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, "0")}`;
}

/** Address text of address words (IPv4 in word 0). */
export function addrText(version: 4 | 6, w: readonly [number, number, number, number]): string {
  return version === 4 ? ipv4ToString(w[0]) : ipv6ToString(w[0], w[1], w[2], w[3]);
}

/** Build the row of a flow (report time: allocates). */
export function flowRow(f: FlowRecord, ctx: ReportContext): FlowRow {
  const v = f.ipVersion;
  const rules = f.ruleIndexes();
  return {
    ts: epochText(f.firstSec, f.firstNsec),
    uid: f.uid,
    "id.orig_h": addrText(v, f.origAddr()),
    "id.orig_p": f.hasPorts ? f.origPort : null,
    "id.resp_h": addrText(v, f.respAddr()),
    "id.resp_p": f.hasPorts ? f.respPort : null,
    proto: protoColumn(f.proto),
    duration: durationText(f.durationNs),
    orig_pkts: f.origPkts,
    orig_bytes: f.origBytes,
    resp_pkts: f.respPkts,
    resp_bytes: f.respBytes,
    conn_state: f.connState,
    community_id: f.communityId,
    verdict: verdictName(f.verdict),
    rule_ids: rules.map((i) => ctx.rules.id(i)),
    reasons: rules.map((i) => ctx.rules.reason(i)),
    first_frame: f.firstFrame,
    file: ctx.files[f.fileIndex] ?? "",
  };
}

/** Separator of rule_ids / reasons inside one CSV cell. */
export const LIST_SEPARATOR = ";";

/** The row as CSV cells, in FLOW_COLUMNS order. */
export function rowCells(r: FlowRow): string[] {
  return [
    r.ts,
    r.uid,
    r["id.orig_h"],
    r["id.orig_p"] === null ? "" : String(r["id.orig_p"]),
    r["id.resp_h"],
    r["id.resp_p"] === null ? "" : String(r["id.resp_p"]),
    r.proto,
    r.duration,
    String(r.orig_pkts),
    String(r.orig_bytes),
    String(r.resp_pkts),
    String(r.resp_bytes),
    r.conn_state,
    r.community_id,
    r.verdict,
    r.rule_ids.join(LIST_SEPARATOR),
    r.reasons.join(LIST_SEPARATOR),
    String(r.first_frame),
    r.file,
  ];
}

/**
 * The row as a JSON object text, keys in FLOW_COLUMNS order. ts and duration are written as number
 * literals with exactly 6 decimals (no float rounding); empty ports, community_id and verdict are null;
 * rule_ids / reasons are arrays.
 */
export function rowJson(r: FlowRow): string {
  const s = JSON.stringify;
  return (
    `{"ts":${r.ts},"uid":${s(r.uid)},"id.orig_h":${s(r["id.orig_h"])},"id.orig_p":${r["id.orig_p"]},` +
    `"id.resp_h":${s(r["id.resp_h"])},"id.resp_p":${r["id.resp_p"]},"proto":${s(r.proto)},` +
    `"duration":${r.duration},"orig_pkts":${r.orig_pkts},"orig_bytes":${r.orig_bytes},` +
    `"resp_pkts":${r.resp_pkts},"resp_bytes":${r.resp_bytes},"conn_state":${s(r.conn_state)},` +
    `"community_id":${r.community_id ? s(r.community_id) : "null"},` +
    `"verdict":${r.verdict ? s(r.verdict) : "null"},"rule_ids":${s(r.rule_ids)},` +
    `"reasons":${s(r.reasons)},"first_frame":${r.first_frame},"file":${s(r.file)}}`
  );
}
