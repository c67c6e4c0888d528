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
 *  - orig_bytes / resp_bytes: transport payload bytes each way (Zeek's orig_bytes; pfw sums the payload
 *    of every packet, so TCP retransmissions count again, where Zeek counts sequence space).
 *  - conn_state: Zeek's conn_state (src/flows/conn-state.ts).
 *  - local_orig / local_resp: the originator / responder is in the home networks (--home-net and the rule
 *    file's home_net): T or F; empty (JSON null) when no home network is known, as Zeek's "-".
 *  - history: Zeek's history letters S H A D F R Q I (originator upper case, responder lower case), each
 *    once per direction in the order first seen; UDP and others get D / d for payload. C G T W ^ are not
 *    recorded (they need checksums, sequence tracking or windows).
 *  - orig_pkts / resp_pkts: packets each way. orig_ip_bytes / resp_ip_bytes: IP bytes each way (the header
 *    length fields, see src/flows/table.ts), as Zeek's.
 *  - community_id: Community ID v1, seed 0 ("" where it cannot apply).
 *  - verdict: worst packet verdict (BLOCKED > ALERT > UNKNOWN > ALLOWED), "" if no packet got one.
 *  - rule_ids / reasons: distinct rules that decided the flow's packets, first seen first (at most 8),
 *    "default" for the default action. CSV joins them with ";"; JSON gives arrays.
 *  - first_frame: frame number of the first packet within its file; file: that file's name as given.
 */
import type { FlowRecord } from "../flows/table.js";
import { ipv4ToString, ipv6ToString } from "../net/addr.js";
import { IpProto } from "../net/protocols.js";
import { VERDICT_RANK, type Cidr, type Verdict } from "../rules/types.js";
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
  "orig_bytes",
  "resp_bytes",
  "conn_state",
  "local_orig",
  "local_resp",
  "history",
  "orig_pkts",
  "orig_ip_bytes",
  "resp_pkts",
  "resp_ip_bytes",
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
  /** Home networks for local_orig / local_resp (none: those columns are empty). */
  homeNet?: readonly Cidr[];
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
  orig_bytes: number;
  resp_bytes: number;
  conn_state: string;
  local_orig: boolean | null;
  local_resp: boolean | null;
  history: string;
  orig_pkts: number;
  orig_ip_bytes: number;
  resp_pkts: number;
  resp_ip_bytes: number;
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
  const home = ctx.homeNet ?? [];
  return {
    ts: epochText(f.firstSec, f.firstNsec),
    uid: f.uid,
    "id.orig_h": addrText(v, f.origAddr()),
    "id.orig_p": f.hasPorts ? f.origPort : null,
    "id.resp_h": addrText(v, f.respAddr()),
    "id.resp_p": f.hasPorts ? f.respPort : null,
    proto: protoColumn(f.proto),
    duration: durationText(f.durationNs),
    orig_bytes: f.origPayloadBytes,
    resp_bytes: f.respPayloadBytes,
    conn_state: f.connState,
    local_orig: home.length ? inCidrs(v, f.origAddr(), home) : null,
    local_resp: home.length ? inCidrs(v, f.respAddr(), home) : null,
    history: f.history,
    orig_pkts: f.origPkts,
    orig_ip_bytes: f.origBytes,
    resp_pkts: f.respPkts,
    resp_ip_bytes: f.respBytes,
    community_id: f.communityId,
    verdict: verdictName(f.verdict),
    rule_ids: rules.map((i) => ctx.rules.id(i)),
    reasons: rules.map((i) => ctx.rules.reason(i)),
    first_frame: f.firstFrame,
    file: ctx.files[f.fileIndex] ?? "",
  };
}

/** Zeek's T / F, "" for unknown. */
function tf(b: boolean | null): string {
  return b === null ? "" : b ? "T" : "F";
}

/** Is an address (words, IPv4 in word 0) inside one of the networks? */
export function inCidrs(
  version: 4 | 6,
  w: readonly [number, number, number, number],
  nets: readonly Cidr[],
): boolean {
  for (const c of nets) {
    if (c.version !== version) continue;
    if (version === 4) {
      const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0;
      if ((w[0] & mask) >>> 0 === (c.v4 & mask) >>> 0) return true;
      continue;
    }
    let left = c.prefix;
    let ok = true;
    for (let i = 0; i < 4 && left > 0; i++, left -= 32) {
      const bits = Math.min(32, left);
      const mask = bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
      if ((w[i]! & mask) >>> 0 !== (c.v6[i]! & mask) >>> 0) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
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
    String(r.orig_bytes),
    String(r.resp_bytes),
    r.conn_state,
    tf(r.local_orig),
    tf(r.local_resp),
    r.history,
    String(r.orig_pkts),
    String(r.orig_ip_bytes),
    String(r.resp_pkts),
    String(r.resp_ip_bytes),
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
    `"duration":${r.duration},"orig_bytes":${r.orig_bytes},"resp_bytes":${r.resp_bytes},` +
    `"conn_state":${s(r.conn_state)},"local_orig":${r.local_orig},"local_resp":${r.local_resp},` +
    `"history":${s(r.history)},"orig_pkts":${r.orig_pkts},"orig_ip_bytes":${r.orig_ip_bytes},` +
    `"resp_pkts":${r.resp_pkts},"resp_ip_bytes":${r.resp_ip_bytes},` +
    `"community_id":${r.community_id ? s(r.community_id) : "null"},` +
    `"verdict":${r.verdict ? s(r.verdict) : "null"},"rule_ids":${s(r.rule_ids)},` +
    `"reasons":${s(r.reasons)},"first_frame":${r.first_frame},"file":${s(r.file)}}`
  );
}
