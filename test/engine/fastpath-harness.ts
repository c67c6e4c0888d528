/**
 * Test harness for the Engine's per-flow fast path: run the same input through the Engine twice, once with
 * `fastPath: false` (the reference: every packet through decodeFrame + compiled rules + FlowTable.update) and
 * once with `fastPath: true`, and compare every output byte for byte (CSV, JSON, packet log, JSON lines,
 * flagged pcap, table and summary text, result numbers, live console lines through onVerdict).
 *
 * Inputs are "steps": capture files read the way `pfw scan` reads them (readCaptureFile -> engine.handle),
 * in-memory packet lists fed through ONE reused CaptureRecord and buffer (as the readers do, at varying
 * offsets), rule reloads (Engine.setRules) and expiry calls (Engine.expire) between or inside files.
 */
import fs from "node:fs";
import path from "node:path";
import { readCaptureFile } from "../../src/capture/reader.js";
import { newCaptureRecord } from "../../src/capture/types.js";
import { ReportSet } from "../../src/app/outputs.js";
import { looksLikeCapture } from "../../src/app/scan.js";
import { Engine, type EngineOptions } from "../../src/engine/engine.js";
import type { PacketEvent, Sink } from "../../src/engine/sink.js";
import { formatPacketLine } from "../../src/report/packet-log.js";
import { parseRules } from "../../src/rules/load.js";
import type { Cidr, Ruleset } from "../../src/rules/types.js";

/** One packet of an in-memory "file". */
export interface Pkt {
  /** Frame bytes from the link-layer header on (caplen defaults to its length). */
  data: Uint8Array;
  tsSec: number;
  tsNsec?: number;
  /** Captured length (< data.length: snaplen cut); default data.length. */
  caplen?: number;
  /** Length on the wire; default data.length. */
  origLen?: number;
  /** LINKTYPE_* (default 1, Ethernet). */
  linktype?: number;
  /** False: no timestamp (pcapng Simple Packet Block). */
  hasTs?: boolean;
  /** Replace the rules just before this packet. */
  setRules?: Ruleset;
  /** Call engine.expire(sec) just before this packet. */
  expire?: number;
}

/** One step of a run. */
export type Step =
  | { file: string; onFrame?: (engine: Engine, frame: number) => void }
  | { name: string; packets: Pkt[] }
  | { setRules: Ruleset }
  | { expire: number };

/** Options of one comparison (the same for both runs). */
export interface RunOptions {
  ruleset: Ruleset;
  homeNet?: Cidr[];
  maxFlows?: number;
  idleTimeoutSec?: { tcp: number; udp: number; other: number };
  allFlows?: boolean;
  /** Attach onVerdict (live console) with this minimum rank and record its lines; undefined: none. */
  onVerdictMinRank?: number;
  /** Which output files to ask for (default all): the engine may skip work when an output is absent. */
  outputs?: OutputName[];
}

/** Everything observable of one run. */
export interface RunOutput {
  /** name -> content (text outputs as UTF-8, the flagged pcap as hex). */
  files: Record<string, string>;
  /** Packets the fast path handled, if the Engine exposes a counter (else undefined). */
  fastPathPackets: number | undefined;
}

/** Output files of a run. */
export const OUTPUTS = ["report.csv", "report.json", "packets.log", "packets.jsonl", "flagged.pcap"] as const;

/** Name of an output file. */
export type OutputName = (typeof OUTPUTS)[number];

/** Engine options with the fastPath field (typed loosely so this compiles before and after it lands). */
type FastPathOptions = EngineOptions & { fastPath?: boolean };

/** Counter names the Engine might expose for fast-path hits (checked in this order). */
const COUNTER_NAMES = ["fastPathPackets", "fastPathHits", "fastPackets"];

/** Read the Engine's fast-path counter, if it has one. */
export function fastPathCounter(engine: Engine): number | undefined {
  const e = engine as unknown as Record<string, unknown>;
  for (const n of COUNTER_NAMES) {
    const v = e[n];
    if (typeof v === "number") return v;
  }
  const stats = e["stats"] as Record<string, unknown> | undefined;
  if (stats && typeof stats === "object" && typeof stats["fastPathPackets"] === "number")
    return stats["fastPathPackets"];
  return undefined;
}

/** Run the Engine over steps with outputs in dir; returns every output. */
export async function runEngine(
  steps: Step[],
  opts: RunOptions,
  fastPath: boolean,
  dir: string,
): Promise<RunOutput> {
  fs.mkdirSync(dir, { recursive: true });
  const wanted = new Set<string>(opts.outputs ?? OUTPUTS);
  const out = (n: OutputName): string | null => (wanted.has(n) ? path.join(dir, n) : null);
  const verdictLines: string[] = [];
  let engine: Engine | null = null;
  const eopts: FastPathOptions = {
    ruleset: opts.ruleset,
    homeNet: opts.homeNet ?? [],
    fastPath,
  };
  if (opts.maxFlows !== undefined) eopts.maxFlows = opts.maxFlows;
  if (opts.idleTimeoutSec !== undefined) eopts.idleTimeoutSec = opts.idleTimeoutSec;
  engine = new Engine(eopts);
  const eng = engine;
  const reports = new ReportSet(eng, {
    csvPath: out("report.csv"),
    jsonPath: out("report.json"),
    logPath: out("packets.log"),
    jsonlPath: out("packets.jsonl"),
    writeFlaggedPath: out("flagged.pcap"),
    allFlows: opts.allFlows ?? false,
  });
  if (opts.onVerdictMinRank !== undefined) {
    // the live console's view: every packet of rank >= onVerdictMinRank, decoded
    const console: Sink = {
      packetRank: opts.onVerdictMinRank,
      onPacket: (ev: PacketEvent) => {
        const l = eng.lookup();
        const rec = ev.rec;
        verdictLines.push(
          formatPacketLine(
            ev.pkt,
            rec.tsSec,
            rec.tsNsec,
            rec.hasTs,
            ev.rank,
            l.id(ev.ruleIndex),
            l.reason(ev.ruleIndex),
            rec.frame,
            "live",
          ) + ` rank=${ev.rank} rule=${ev.ruleIndex} caplen=${rec.caplen}`,
        );
      },
    };
    eng.addSink(console);
  }

  for (const step of steps) {
    if ("setRules" in step) {
      eng.setRules(step.setRules);
    } else if ("expire" in step) {
      eng.expire(step.expire);
    } else if ("file" in step) {
      const fileIndex = eng.addFile(step.file);
      const onFrame = step.onFrame;
      try {
        const res = await readCaptureFile(step.file, (rec) => {
          onFrame?.(eng, rec.frame);
          eng.handle(rec, fileIndex);
        });
        if (res.error)
          eng.addError({
            file: step.file,
            code: res.error.code,
            offset: res.error.offset,
            message: res.error.message,
          });
      } catch (e) {
        eng.addError({
          file: step.file,
          code: (e as NodeJS.ErrnoException).code ?? "IO",
          offset: null,
          message: (e as Error).message,
        });
      }
    } else {
      feedPackets(eng, eng.addFile(step.name), step.packets);
    }
  }
  eng.finish();
  const r = reports.result();
  const files: Record<string, string> = {};
  for (const n of OUTPUTS) {
    const p = path.join(dir, n);
    if (!fs.existsSync(p)) {
      files[n] = "<absent>";
      continue;
    }
    const b = fs.readFileSync(p);
    files[n] = n.endsWith(".pcap") ? hexLines(b) : b.toString("utf8");
  }
  files["tableText"] = r.tableText;
  files["summaryText"] = r.summaryText;
  files["result"] = JSON.stringify(
    {
      summary: r.summary.toJSON(),
      span: [r.summary.firstSec, r.summary.firstNsec, r.summary.lastSec, r.summary.lastNsec],
      flaggedFlows: r.flaggedFlows,
      flaggedPackets: r.flaggedPackets,
      flaggedWritten: r.flaggedWritten,
      flaggedSkipped: r.flaggedSkipped,
      liveFlowsAfterFinish: eng.liveFlows,
    },
    null,
    1,
  );
  files["onVerdict"] = verdictLines.join("\n");
  return { files, fastPathPackets: fastPathCounter(eng) };
}

/** Feed packets through one reused record over one reused buffer, at varying offsets (as readers do). */
function feedPackets(eng: Engine, fileIndex: number, packets: Pkt[]): void {
  const buf = new Uint8Array(1 << 16);
  const rec = newCaptureRecord(buf, 1);
  let off = 0;
  let frame = 0;
  for (const p of packets) {
    if (p.setRules) eng.setRules(p.setRules);
    if (p.expire !== undefined) eng.expire(p.expire);
    const caplen = Math.min(p.caplen ?? p.data.length, p.data.length);
    // Dirty the buffer around the frame so a reader past caplen sees garbage, not zeros or an old packet.
    if (off + caplen + 64 > buf.length) off = (frame * 7) % 61;
    buf.fill(0xa5, off + caplen, Math.min(buf.length, off + caplen + 64));
    buf.set(p.data.subarray(0, caplen), off);
    rec.off = off;
    rec.caplen = caplen;
    rec.origLen = p.origLen ?? p.data.length;
    rec.tsSec = p.tsSec;
    rec.tsNsec = p.tsNsec ?? 0;
    rec.hasTs = p.hasTs ?? true;
    rec.linktype = p.linktype ?? 1;
    rec.frame = ++frame;
    rec.fileOffset = off;
    eng.handle(rec, fileIndex);
    off += caplen + 3 + (frame % 5);
  }
}

function hexLines(b: Buffer): string {
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += 32) lines.push(b.subarray(i, i + 32).toString("hex"));
  return lines.join("\n");
}

/** First difference between two texts, as a short message (empty when equal). */
export function firstDifference(name: string, ref: string, fast: string): string {
  if (ref === fast) return "";
  const a = ref.split("\n");
  const b = fast.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i])
      return (
        `${name} differs at line ${i + 1} (reference ${a.length} lines, fast path ${b.length} lines):\n` +
        `  reference: ${a[i] ?? "<none>"}\n  fast path: ${b[i] ?? "<none>"}`
      );
  }
  return `${name} differs`;
}

let runCounter = 0;

/** Both runs' outputs and the differences between them. */
export interface Comparison {
  ref: RunOutput;
  fast: RunOutput;
  /** One message per differing output; empty when the fast path changed nothing. */
  differences: string[];
}

/** Run reference and fast path over the same steps; outputs go below tmpRoot. */
export async function compareRuns(steps: Step[], opts: RunOptions, tmpRoot: string): Promise<Comparison> {
  const id = `run${++runCounter}`;
  const ref = await runEngine(steps, opts, false, path.join(tmpRoot, id, "ref"));
  const fast = await runEngine(steps, opts, true, path.join(tmpRoot, id, "fast"));
  const differences: string[] = [];
  for (const k of Object.keys(ref.files)) {
    const d = firstDifference(k, ref.files[k] ?? "", fast.files[k] ?? "<missing>");
    if (d) differences.push(d);
  }
  fs.rmSync(path.join(tmpRoot, id), { recursive: true, force: true });
  return { ref, fast, differences };
}

/** Parse a rules JSON object (legacy or native) or throw with its problems. */
export function rules(json: unknown, source = "<test>"): Ruleset {
  const r = parseRules(json, source);
  if (!r.ruleset || r.problems.length > 0)
    throw new Error(`bad test ruleset: ${r.problems.map((p) => JSON.stringify(p)).join("; ")}`);
  return r.ruleset;
}

/** Every capture file below dir (recursive, sorted), recognised by magic like `pfw scan` does. */
export function captureFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of fs.readdirSync(d).sort()) {
      const p = path.join(d, n);
      const st = fs.statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && looksLikeCapture(p)) out.push(p);
    }
  };
  walk(dir);
  return out;
}
