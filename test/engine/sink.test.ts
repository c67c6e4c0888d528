/**
 * A new output is a new sink: a sink written here, in a test file, receives every event of a scan —
 * every frame (also those without a verdict), every decode event, every flow end, every input, the errors
 * and one close — through the app's scan use case, with no change under src/engine/.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runScan } from "../../src/app/scan.js";
import type { EngineCounters, RunError } from "../../src/engine/counters.js";
import type { PacketEvent, Sink } from "../../src/engine/sink.js";
import type { FlowRecord } from "../../src/flows/table.js";
import { REPO_ROOT } from "../helpers/corpus.js";

/** Records everything it is told. */
class RecordingSink implements Sink {
  readonly packetRank = -1; // every frame, with or without a verdict
  files: string[] = [];
  frames: number[] = [];
  ranks = new Map<number, number>();
  decodeEvents = 0;
  flows: string[] = [];
  flowPackets = 0;
  errors: RunError[] = [];
  closes = 0;
  closedWith: EngineCounters | null = null;
  onFile(i: number, name: string): void {
    expect(i).toBe(this.files.length);
    this.files.push(name);
  }
  onPacket(ev: PacketEvent): void {
    expect(ev.decoded).toBe(true);
    this.frames.push(ev.rec.frame);
    this.ranks.set(ev.rank, (this.ranks.get(ev.rank) ?? 0) + 1);
  }
  onDecodeEvent(ev: PacketEvent): void {
    expect(ev.pkt.event).not.toBe(0);
    this.decodeEvents++;
  }
  onFlowEnd(f: FlowRecord): void {
    this.flows.push(f.uid);
    this.flowPackets += f.origPkts + f.respPkts;
  }
  onError(e: RunError): void {
    this.errors.push(e);
  }
  close(c: EngineCounters): void {
    this.closes++;
    this.closedWith = c;
  }
}

describe("engine sinks (issue 10)", () => {
  it("a sink defined in a test receives every event of a scan", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pfw-sink-"));
    const sink = new RecordingSink();
    const missing = path.join(dir, "missing.pcap");
    const inputs = [
      path.join(REPO_ROOT, "fixtures", "example.pcap"),
      path.join(REPO_ROOT, "fixtures"),
      missing,
    ];
    const o = await runScan(
      inputs,
      {
        rules: path.join(REPO_ROOT, "rules", "legacy-example.json"),
        format: "json",
        out: path.join(dir, "r.csv"),
        json: path.join(dir, "r.json"),
        allFlows: true,
        maxFlows: "1000000",
        progress: false,
      },
      { warn: () => undefined, sinks: () => [sink] },
    );
    const doc = JSON.parse(fs.readFileSync(path.join(dir, "r.json"), "utf8")) as {
      summary: {
        files: number;
        packets: number;
        flows: number;
        packet_verdicts: Record<string, number>;
        decode_events: Record<string, number>;
      };
      flows: { uid: string }[];
    };
    const s = doc.summary;
    expect(sink.files.length).toBe(s.files);
    expect(sink.files.length).toBeGreaterThan(2);
    expect(sink.frames.length).toBe(s.packets);
    expect(sink.frames.length).toBeGreaterThan(100);
    // ranks: every verdict the summary counts, plus frames without one
    const byName = { ALLOWED: 0, UNKNOWN: 1, ALERT: 2, BLOCKED: 3 } as const;
    for (const [v, r] of Object.entries(byName)) expect(sink.ranks.get(r) ?? 0).toBe(s.packet_verdicts[v]);
    const judged = Object.values(s.packet_verdicts).reduce((a, b) => a + b, 0);
    expect(sink.ranks.get(-1) ?? 0).toBe(s.packets - judged);
    expect(sink.decodeEvents).toBe(Object.values(s.decode_events).reduce((a, b) => a + b, 0));
    expect(sink.flows.length).toBe(s.flows);
    expect([...sink.flows].sort()).toEqual(doc.flows.map((f) => f.uid).sort());
    expect(sink.errors.map((e) => e.file)).toContain(missing);
    expect(sink.errors.length).toBe(
      JSON.parse(fs.readFileSync(path.join(dir, "r.json"), "utf8")).summary.errors.length,
    );
    expect(sink.closes).toBe(1);
    expect(sink.closedWith?.packets).toBe(s.packets);
    expect(o.exitCode).toBe(2); // the missing input
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a rawOnly sink alone lets the fast path skip decoding, and still sees every flagged packet", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pfw-sink-"));
    let flagged = 0;
    let decoded = 0;
    const raw: Sink = {
      packetRank: 1,
      rawOnly: true,
      onPacket: (ev) => {
        flagged++;
        if (ev.decoded) decoded++;
      },
    };
    const o = await runScan(
      [path.join(REPO_ROOT, "fixtures", "example.pcap")],
      {
        rules: path.join(REPO_ROOT, "rules", "legacy-example.json"),
        format: "table",
        out: path.join(dir, "r.csv"),
        log: path.join(dir, "r.log"),
        maxFlows: "1000000",
        progress: false,
      },
      { warn: () => undefined, sinks: () => [raw] },
    );
    expect(flagged).toBe(o.result.flaggedPackets);
    const logLines = fs.readFileSync(path.join(dir, "r.log"), "utf8").split("\n").filter(Boolean).length;
    expect(logLines).toBe(flagged);
    // the text log replays cached lines for known flow directions: those packets are not decoded
    expect(decoded).toBeLessThan(flagged);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
