/**
 * The suspicious-packets log (scan and live): one line per BLOCKED / ALERT / UNKNOWN packet, as text
 * and/or as JSON lines with Suricata EVE-like field names. Both through BufferedFileWriter (batched
 * writes, flushed at close). Text per logged packet only; nothing is built for ALLOWED packets.
 *
 * Text line (fields separated by one space; reason and file are JSON strings):
 *   <ts> <VERDICT> <PROTO> <src> -> <dst>[ type=<t> code=<c>] rule=<rule id> reason="<reason>" frame=<n> file="<name>"
 *   2024-01-02T03:04:05.123456Z BLOCKED TCP 10.0.0.5:51000 -> 192.168.1.10:23 rule=block.ports[0] reason="port 23 is in the block list" frame=17 file="capture.pcap"
 *  - ts: capture time, ISO-8601 UTC with microseconds (truncated), "-" for a packet without timestamp;
 *  - PROTO: TCP, UDP, ICMP, ICMPv6, a few well-known names (GRE, ESP, AH, SCTP, IGMP, OSPF), else IP-<n>;
 *  - src/dst: a.b.c.d:port, [v6]:port, or the bare address when there is no port (other protocols,
 *    non-first fragments); ICMP adds type= and code=.
 *  - rule: the deciding rule's id, "default" for the default action.
 *
 * JSON line (one object per line, keys in this order):
 *   {"timestamp":"2024-01-02T03:04:05.123456+0000","event_type":"drop"|"alert","src_ip","src_port",
 *    "dest_ip","dest_port","proto":"TCP" (ICMPv6 as Suricata's "IPv6-ICMP"),"icmp_type","icmp_code","community_id",
 *    "alert":{"action":"blocked"|"allowed","signature_id","signature","severity"},
 *    "pfw":{"verdict","rule_id","frame","file"}}
 *  - event_type "drop" for BLOCKED, "alert" for ALERT and UNKNOWN; alert.action "blocked" / "allowed";
 *  - signature_id = rule index + 1 (0 for the default action), signature = the reason;
 *  - severity as Suricata's 1 (high) .. 3 (low): critical/high 1, medium 2, low and default 3;
 *  - ports / icmp fields only when present; community_id is the flow's (Suricata logs it under that name;
 *    Suricata's numeric flow_id has no pfw equivalent and is omitted).
 */
import type { DecodedPacket } from "../decode/packet.js";
import { Layer } from "../decode/packet.js";
import { dstAddrString, srcAddrString } from "../decode/format.js";
import type { PacketEvent, Sink } from "../engine/sink.js";
import { protoLogName as protoName } from "../net/protocols.js";
import type { FlowRecord } from "../flows/table.js";
import { verdictName, type ReportContext } from "./flow-row.js";
import { BufferedFileWriter } from "./writer.js";

const SEVERITY: Record<string, number> = { critical: 1, high: 1, medium: 2, low: 3 };

/** One packet's log fields (reused; filled by describe()). */
interface Described {
  ts: string;
  eveTs: string;
  verdict: string;
  proto: string;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  icmpType: number;
  icmpCode: number;
}

/**
 * The log's text line for one packet, without writing it (the live console prints the same lines).
 * Not for the hot path of ALLOWED packets: it builds text.
 */
export function formatPacketLine(
  pkt: DecodedPacket,
  tsSec: number,
  tsNsec: number,
  hasTs: boolean,
  verdictRank: number,
  ruleId: string,
  reason: string,
  frame: number,
  file: string,
): string {
  consoleLog ??= new PacketLog(
    {},
    { files: [], rules: { id: () => "", reason: () => "", severity: () => "", rank: () => -1 } },
  );
  return consoleLog.lineFor(pkt, tsSec, tsNsec, hasTs, verdictRank, ruleId, reason, frame, file);
}
let consoleLog: PacketLog | null = null;

/** Formats and writes the suspicious-packets log; an engine sink of flagged packets. */
export class PacketLog implements Sink {
  /** Flagged packets only (BLOCKED, ALERT, UNKNOWN). */
  readonly packetRank = 1;
  /** Lines logged. */
  count = 0;
  private readonly text: BufferedFileWriter | null;
  private readonly jsonl: BufferedFileWriter | null;
  private cacheSec = NaN;
  private cachePrefix = "";
  private tsBytesSec = NaN;
  private tsBytes: Uint8Array = new Uint8Array(0);
  private readonly ruleSuffix = new Map<number, { id: string; reason: string; bytes: Uint8Array }>();
  private readonly fileSuffix: ({ name: string; bytes: Uint8Array } | undefined)[] = [];
  private readonly d: Described = {
    ts: "",
    eveTs: "",
    verdict: "",
    proto: "",
    src: "",
    dst: "",
    sport: -1,
    dport: -1,
    icmpType: -1,
    icmpCode: -1,
  };

  /**
   * streaming (pfw live): both files are written at their final names as they grow (not atomic), flushed
   * on every onStats (once a second) and fsync'ed at close, so a crash loses at most the last second.
   */
  constructor(
    opts: { textPath?: string | null; jsonlPath?: string | null; streaming?: boolean },
    private readonly ctx: ReportContext,
  ) {
    const o = { atomic: opts.streaming !== true };
    this.streaming = opts.streaming === true;
    this.text = opts.textPath ? new BufferedFileWriter(opts.textPath, 1 << 16, o) : null;
    try {
      this.jsonl = opts.jsonlPath ? new BufferedFileWriter(opts.jsonlPath, 1 << 16, o) : null;
    } catch (e) {
      this.text?.abandon();
      throw e;
    }
  }

  private readonly streaming: boolean;

  /** Sink: the live session's tick. Streaming logs reach the file within a second of the event. */
  onStats(): void {
    if (!this.streaming) return;
    this.text?.flush();
    this.jsonl?.flush();
  }

  /** Write errors of the text log and JSON lines, as sentences naming the file. */
  get errorMessages(): string[] {
    return [this.text?.errorMessage, this.jsonl?.errorMessage].filter((m): m is string => !!m);
  }

  /** Remove both files (a second signal; atomic mode leaves nothing under the final names). */
  abandon(): void {
    this.text?.abandon();
    this.jsonl?.abandon();
  }

  /** Text log only: lines of a known flow direction can be written from a memo (see memo / replay). */
  get replays(): boolean {
    return this.text !== null && this.jsonl === null;
  }

  /** Sink: log one flagged packet. */
  onPacket(ev: PacketEvent): void {
    const r = ev.rec;
    this.log(ev.pkt, r.tsSec, r.tsNsec, r.hasTs, ev.rank, ev.ruleIndex, r.frame, ev.fileIndex, ev.flow);
  }

  /** Sink: the line middle of this packet, for replay() of later packets of its flow direction. */
  memo(ev: PacketEvent): Uint8Array | null {
    return this.middleFor(ev.pkt, ev.rank, ev.ruleIndex);
  }

  /** Sink: log a packet (not decoded) from its direction's memo; false when it needs onPacket. */
  replay(memo: Uint8Array, ev: PacketEvent): boolean {
    const r = ev.rec;
    return this.writeWithMiddle(memo, r.tsSec, r.tsNsec, r.hasTs, r.frame, ev.fileIndex);
  }

  /**
   * Log one packet if its verdict is BLOCKED, ALERT or UNKNOWN (rank >= 1); ALLOWED and no-verdict
   * packets cost one comparison. flow: the packet's flow (for community_id), or null.
   */
  log(
    pkt: DecodedPacket,
    tsSec: number,
    tsNsec: number,
    hasTs: boolean,
    verdictRank: number,
    ruleIndex: number,
    frame: number,
    fileIndex: number,
    flow: FlowRecord | null,
  ): void {
    if (verdictRank < 1) return;
    this.count++;
    const ruleId = this.ctx.rules.id(ruleIndex);
    const reason = this.ctx.rules.reason(ruleIndex);
    const file = this.ctx.files[fileIndex] ?? "";
    if (this.text)
      this.writeText(
        this.text,
        pkt,
        tsSec,
        tsNsec,
        hasTs,
        verdictRank,
        ruleIndex,
        ruleId,
        reason,
        frame,
        fileIndex,
        file,
      );
    if (!this.jsonl) return;
    const d = this.describe(pkt, tsSec, tsNsec, hasTs, verdictRank);
    const sev = SEVERITY[this.ctx.rules.severity(ruleIndex)] ?? 3;
    this.jsonl.write(
      eveLine(d, ruleIndex, ruleId, reason, sev, frame, file, flow ? flow.communityId : "") + "\n",
    );
  }

  /** The text line of one packet (any verdict), without writing it. */
  lineFor(
    pkt: DecodedPacket,
    tsSec: number,
    tsNsec: number,
    hasTs: boolean,
    verdictRank: number,
    ruleId: string,
    reason: string,
    frame: number,
    file: string,
  ): string {
    return textLine(this.describe(pkt, tsSec, tsNsec, hasTs, verdictRank), ruleId, reason, frame, file);
  }

  /** Flush and close both files (streaming: fsync first). */
  close(): void {
    if (this.streaming) {
      this.text?.sync();
      this.jsonl?.sync();
    }
    try {
      this.text?.close();
    } finally {
      this.jsonl?.close();
    }
  }

  /** True when JSON lines are written too (the engine's cached-line path writes text only). */
  get hasJsonl(): boolean {
    return this.jsonl !== null;
  }

  /** True when the text log is written. */
  get hasText(): boolean {
    return this.text !== null;
  }

  /**
   * The text line straight into the writer's buffer as ASCII bytes, the same bytes textLine() gives
   * (test/report checks both agree): no string per line for IPv4 packets. Rule and file parts are
   * encoded once per distinct (index, text) and reused. Anything unusual takes the string path.
   */
  private writeText(
    out: BufferedFileWriter,
    pkt: DecodedPacket,
    tsSec: number,
    tsNsec: number,
    hasTs: boolean,
    rank: number,
    ruleIndex: number,
    ruleId: string,
    reason: string,
    frame: number,
    fileIndex: number,
    file: string,
  ): void {
    const rs = this.ruleBytes(ruleIndex, ruleId, reason);
    const fs = this.fileBytes(fileIndex, file);
    const us = Math.floor(tsNsec / 1000);
    const need = LINE_FIXED_MAX + rs.length + fs.length;
    if (
      VERDICT_BYTES[rank] === undefined ||
      (hasTs && !(us >= 0 && us < 1e6)) ||
      !(Number.isSafeInteger(frame) && frame >= 0) ||
      !intFields(pkt) ||
      need > out.capacity
    ) {
      out.write(this.lineFor(pkt, tsSec, tsNsec, hasTs, rank, ruleId, reason, frame, file) + "\n");
      return;
    }
    const b = out.room(need);
    let p = this.putTs(b, out.pos0, tsSec, us, hasTs);
    p = putMiddle(b, p, pkt, rank, rs);
    p = putUint(b, p, frame);
    p = putBytes(b, p, fs);
    out.advance(p);
  }

  /**
   * The bytes of this packet's text line from its verdict up to and including "frame=" (verdict, protocol,
   * endpoints, ICMP type/code, rule and reason), for reuse by writeWithMiddle() on later packets that would
   * give the same bytes (the engine's fast path: same flow direction, verdict and rule). null when the
   * line would take the string path.
   */
  middleFor(pkt: DecodedPacket, rank: number, ruleIndex: number): Uint8Array | null {
    if (VERDICT_BYTES[rank] === undefined || !intFields(pkt)) return null;
    const rs = this.ruleBytes(ruleIndex, this.ctx.rules.id(ruleIndex), this.ctx.rules.reason(ruleIndex));
    if (LINE_FIXED_MAX + rs.length > SCRATCH.length) return null;
    const n = putMiddle(SCRATCH, 0, pkt, rank, rs);
    return Uint8Array.prototype.slice.call(SCRATCH, 0, n); // a copy (Buffer#slice would be a view)
  }

  /**
   * Log one packet (rank >= 1) whose line middle is known (middleFor()): the same bytes log() writes.
   * Text log only: returns false, writing nothing, when JSON lines are on or this line needs the normal
   * path (then call log()).
   */
  writeWithMiddle(
    middle: Uint8Array,
    tsSec: number,
    tsNsec: number,
    hasTs: boolean,
    frame: number,
    fileIndex: number,
  ): boolean {
    const out = this.text;
    if (out === null || this.jsonl !== null) return false;
    const us = Math.floor(tsNsec / 1000);
    if ((hasTs && !(us >= 0 && us < 1e6)) || !(Number.isSafeInteger(frame) && frame >= 0)) return false;
    const fs = this.fileBytes(fileIndex, this.ctx.files[fileIndex] ?? "");
    const need = LINE_FIXED_MAX + middle.length + fs.length;
    if (need > out.capacity) return false;
    this.count++;
    const b = out.room(need);
    let p = this.putTs(b, out.pos0, tsSec, us, hasTs);
    p = putBytes(b, p, middle);
    p = putUint(b, p, frame);
    p = putBytes(b, p, fs);
    out.advance(p);
    return true;
  }

  /** " rule=<id> reason=<json> frame=" of a rule index, encoded once per distinct (index, id, reason). */
  private ruleBytes(ruleIndex: number, ruleId: string, reason: string): Uint8Array {
    let rs = this.ruleSuffix.get(ruleIndex);
    if (rs === undefined || rs.id !== ruleId || rs.reason !== reason) {
      rs = { id: ruleId, reason, bytes: utf8(` rule=${ruleId} reason=${JSON.stringify(reason)} frame=`) };
      this.ruleSuffix.set(ruleIndex, rs);
    }
    return rs.bytes;
  }

  /** ' file="<name>"\n' of a file index, encoded once. */
  private fileBytes(fileIndex: number, file: string): Uint8Array {
    let fs = this.fileSuffix[fileIndex];
    if (fs === undefined || fs.name !== file) {
      fs = { name: file, bytes: utf8(` file=${JSON.stringify(file)}\n`) };
      this.fileSuffix[fileIndex] = fs;
    }
    return fs.bytes;
  }

  /** "<ISO time>.<us>Z " or "- " at p. */
  private putTs(b: Uint8Array, p: number, tsSec: number, us: number, hasTs: boolean): number {
    if (hasTs) {
      if (tsSec !== this.tsBytesSec) {
        this.tsBytesSec = tsSec;
        const date = new Date(tsSec * 1000);
        this.tsBytes = latin1(Number.isNaN(date.getTime()) ? `@${tsSec}` : date.toISOString().slice(0, 19));
      }
      p = putBytes(b, p, this.tsBytes);
      b[p++] = 0x2e; // .
      p = put6(b, p, us);
      b[p++] = 0x5a; // Z
    } else b[p++] = 0x2d; // -
    b[p++] = 0x20;
    return p;
  }

  private describe(
    pkt: DecodedPacket,
    tsSec: number,
    tsNsec: number,
    hasTs: boolean,
    rank: number,
  ): Described {
    const d = this.d;
    if (hasTs) {
      if (tsSec !== this.cacheSec) {
        this.cacheSec = tsSec;
        const date = new Date(tsSec * 1000);
        this.cachePrefix = Number.isNaN(date.getTime()) ? `@${tsSec}` : date.toISOString().slice(0, 19);
      }
      const us = String(Math.floor(tsNsec / 1000)).padStart(6, "0");
      d.ts = `${this.cachePrefix}.${us}Z`;
      d.eveTs = `${this.cachePrefix}.${us}+0000`;
    } else {
      d.ts = "-";
      d.eveTs = "";
    }
    d.verdict = verdictName(rank);
    d.proto = protoName(pkt.ipProto);
    d.src = srcAddrString(pkt);
    d.dst = dstAddrString(pkt);
    const ports = (pkt.layers & (Layer.TCP | Layer.UDP)) !== 0 && pkt.srcPort >= 0;
    d.sport = ports ? pkt.srcPort : -1;
    d.dport = ports ? pkt.dstPort : -1;
    d.icmpType = pkt.icmpType;
    d.icmpCode = pkt.icmpCode;
    return d;
  }
}

/** Bytes of a text line besides the rule and file parts, at most (IPv6 endpoints, ICMP, frame). */
const LINE_FIXED_MAX = 320;
const SCRATCH = Buffer.allocUnsafe(1 << 16);

/** Numbers the byte path writes as digits: anything but an int32 (never from the decoder) takes the string path. */
function intFields(pkt: DecodedPacket): boolean {
  return (
    (pkt.srcPort | 0) === pkt.srcPort &&
    (pkt.dstPort | 0) === pkt.dstPort &&
    (pkt.icmpType | 0) === pkt.icmpType &&
    (pkt.icmpCode | 0) === pkt.icmpCode
  );
}

/** Verdict, protocol, endpoints, ICMP type/code and the rule part (rs) of a text line at p; returns the end. */
function putMiddle(b: Buffer, p: number, pkt: DecodedPacket, rank: number, rs: Uint8Array): number {
  p = putBytes(b, p, VERDICT_BYTES[rank]!);
  b[p++] = 0x20;
  p = putBytes(b, p, protoBytes(pkt.ipProto));
  b[p++] = 0x20;
  const ports = (pkt.layers & (Layer.TCP | Layer.UDP)) !== 0 && pkt.srcPort >= 0;
  if (pkt.ipVersion === 4) {
    p = putIpv4(b, p, pkt.src4);
    if (ports) {
      b[p++] = 0x3a; // :
      p = putUint(b, p, pkt.srcPort);
    }
  } else p += b.write(endpoint(srcAddrString(pkt), ports ? pkt.srcPort : -1), p, "latin1");
  b[p++] = 0x20;
  b[p++] = 0x2d;
  b[p++] = 0x3e;
  b[p++] = 0x20; // " -> "
  if ((pkt.layers & Layer.IPV4) !== 0) {
    p = putIpv4(b, p, pkt.dst4);
    if (ports) {
      b[p++] = 0x3a;
      p = putUint(b, p, pkt.dstPort);
    }
  } else p += b.write(endpoint(dstAddrString(pkt), ports ? pkt.dstPort : -1), p, "latin1");
  if (pkt.icmpType >= 0) {
    p = putBytes(b, p, TYPE_EQ);
    p = putInt(b, p, pkt.icmpType);
    p = putBytes(b, p, CODE_EQ);
    p = putInt(b, p, pkt.icmpCode);
  }
  return putBytes(b, p, rs);
}
const TYPE_EQ = latin1(" type=");
const CODE_EQ = latin1(" code=");
const VERDICT_BYTES: readonly Uint8Array[] = [0, 1, 2, 3].map((r) => latin1(verdictName(r)));
const PROTO_BYTES = new Map<number, Uint8Array>();
const PROTO_BYTES_255: readonly Uint8Array[] = Array.from({ length: 256 }, (_, i) => latin1(protoName(i)));

function utf8(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "utf8"));
}
function latin1(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "latin1"));
}
function protoBytes(proto: number): Uint8Array {
  const hit = proto >= 0 && proto < 256 ? PROTO_BYTES_255[proto] : undefined;
  if (hit !== undefined) return hit;
  let v = PROTO_BYTES.get(proto);
  if (v === undefined) {
    v = latin1(protoName(proto));
    PROTO_BYTES.set(proto, v);
  }
  return v;
}
function putBytes(b: Uint8Array, p: number, s: Uint8Array): number {
  const n = s.length;
  if (n > 16) {
    b.set(s, p);
    return p + n;
  }
  for (let i = 0; i < n; i++) b[p + i] = s[i]!;
  return p + n;
}
/** Decimal digits of a non-negative integer (<= 2^53) at p; returns the end. */
function putUint(b: Uint8Array, p: number, n: number): number {
  if (n < 10) {
    b[p] = 48 + n;
    return p + 1;
  }
  if (n < 100) {
    const t = (n / 10) | 0;
    b[p] = 48 + t;
    b[p + 1] = 48 + n - t * 10;
    return p + 2;
  }
  if (n < 1000) {
    const h = (n / 100) | 0;
    const r = n - h * 100;
    const t = (r / 10) | 0;
    b[p] = 48 + h;
    b[p + 1] = 48 + t;
    b[p + 2] = 48 + r - t * 10;
    return p + 3;
  }
  let len = 4;
  for (let x = n; x >= 10000; x = Math.floor(x / 10)) len++;
  let q = p + len;
  let x = n;
  if (n < 2147483648) {
    while (x >= 10) {
      const y = (x / 10) | 0;
      b[--q] = 48 + (x - y * 10);
      x = y;
    }
  } else {
    while (x >= 10) {
      const y = Math.floor(x / 10);
      b[--q] = 48 + (x - y * 10);
      x = y;
    }
  }
  b[--q] = 48 + x;
  return p + len;
}
function putInt(b: Uint8Array, p: number, n: number): number {
  if (n < 0) {
    b[p++] = 0x2d;
    n = -n;
  }
  return putUint(b, p, n);
}
/** Exactly six digits of 0 <= n < 1e6, zero-padded. */
function put6(b: Uint8Array, p: number, n: number): number {
  for (let q = p + 5; q >= p; q--) {
    const y = Math.floor(n / 10);
    b[q] = 48 + (n - y * 10);
    n = y;
  }
  return p + 6;
}
function putIpv4(b: Uint8Array, p: number, a: number): number {
  p = putUint(b, p, (a >>> 24) & 255);
  b[p++] = 0x2e;
  p = putUint(b, p, (a >>> 16) & 255);
  b[p++] = 0x2e;
  p = putUint(b, p, (a >>> 8) & 255);
  b[p++] = 0x2e;
  return putUint(b, p, a & 255);
}

function endpoint(addr: string, port: number): string {
  if (port < 0) return addr;
  return addr.includes(":") ? `[${addr}]:${port}` : `${addr}:${port}`;
}

function textLine(d: Described, ruleId: string, reason: string, frame: number, file: string): string {
  const icmp = d.icmpType >= 0 ? ` type=${d.icmpType} code=${d.icmpCode}` : "";
  return (
    `${d.ts} ${d.verdict} ${d.proto} ${endpoint(d.src, d.sport)} -> ${endpoint(d.dst, d.dport)}${icmp}` +
    ` rule=${ruleId} reason=${JSON.stringify(reason)} frame=${frame} file=${JSON.stringify(file)}`
  );
}

function eveLine(
  d: Described,
  ruleIndex: number,
  ruleId: string,
  reason: string,
  severity: number,
  frame: number,
  file: string,
  communityId: string,
): string {
  const ev: Record<string, unknown> = {
    timestamp: d.eveTs || null,
    event_type: d.verdict === "BLOCKED" ? "drop" : "alert",
    src_ip: d.src,
  };
  if (d.sport >= 0) ev.src_port = d.sport;
  ev.dest_ip = d.dst;
  if (d.dport >= 0) ev.dest_port = d.dport;
  ev.proto = d.proto === "ICMPv6" ? "IPv6-ICMP" : d.proto; // Suricata's name
  if (d.icmpType >= 0) {
    ev.icmp_type = d.icmpType;
    ev.icmp_code = d.icmpCode;
  }
  if (communityId) ev.community_id = communityId;
  ev.alert = {
    action: d.verdict === "BLOCKED" ? "blocked" : "allowed",
    signature_id: ruleIndex >= 0 ? ruleIndex + 1 : 0,
    signature: reason,
    severity,
  };
  ev.pfw = { verdict: d.verdict, rule_id: ruleId, frame, file };
  return JSON.stringify(ev);
}
