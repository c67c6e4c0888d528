import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FlowTable, type FlowRecord } from "../../src/flows/table.js";
import { FlowCsvWriter, csvHeader } from "../../src/report/csv.js";
import { FLOW_COLUMNS, flowRow, type ReportContext } from "../../src/report/flow-row.js";
import { JsonReportWriter } from "../../src/report/json.js";
import { PacketLog } from "../../src/report/packet-log.js";
import { ruleLookup } from "../../src/report/rule-lookup.js";
import { EngineCounters } from "../../src/engine/counters.js";
import { Summary } from "../../src/report/summary.js";
import { FlaggedFlowTable, renderSummary } from "../../src/report/table.js";
import { VERDICT_RANK, type Rule, type Ruleset } from "../../src/rules/types.js";
import { Layer } from "../../src/decode/packet.js";
import { ACK, mkArp, mkPkt, SYN, RST } from "../flows/packets.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pfw-report-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function rule(id: string, action: Rule["action"], reason: string, severity: Rule["severity"] = "high"): Rule {
  return { id, action, direction: "any", severity, reason, path: `rules[${id}]` };
}
const RS: Ruleset = {
  format: "native",
  rules: [
    rule("block-telnet", "block", "port 23 is in the block list"),
    rule("allow-dns", "allow", 'dns, "quoted"', "low"),
    rule("alert-ping", "alert", "ping seen", "medium"),
  ],
  defaultAction: "log",
  defaultReason: "no rule matched",
  ipVersions: [4, 6],
  homeNet: [],
};
const ctx: ReportContext = { files: ["a.pcap", "dir/b, c.pcap"], rules: ruleLookup(RS) };
const B = VERDICT_RANK.BLOCKED;
const AL = VERDICT_RANK.ALLOWED;
const AT = VERDICT_RANK.ALERT;
const UN = VERDICT_RANK.UNKNOWN;

/** A small scan: a blocked telnet attempt (REJ), allowed DNS, an alerted ping, an unknown v6 flow, ARP. */
function scan(sinks: ((f: FlowRecord) => void)[], summary?: Summary): void {
  const t = new FlowTable({
    maxFlows: 100,
    idleTimeoutSec: { tcp: 300, udp: 60, other: 60 },
    onEvict: (f) => {
      summary?.addFlow(f);
      for (const s of sinks) s(f);
    },
    hashSeed: 7,
  });
  const feed = (
    p: ReturnType<typeof mkPkt>,
    sec: number,
    nsec: number,
    v: number,
    r: number,
    frame: number,
    file: number,
  ) => {
    summary?.counters.addPacket(sec, nsec, true, v, p.event);
    t.update(p, sec, nsec, 14 + p.ipTotalLen, v, r, frame, file);
  };
  feed(
    mkPkt({ src: "10.0.0.5", dst: "192.168.1.10", proto: 6, sport: 51000, dport: 23, flags: SYN }),
    1704164645,
    123456789,
    B,
    0,
    1,
    0,
  );
  feed(
    mkPkt({ src: "192.168.1.10", dst: "10.0.0.5", proto: 6, sport: 23, dport: 51000, flags: RST | ACK }),
    1704164645,
    223456000,
    B,
    0,
    2,
    0,
  );
  feed(
    mkPkt({ src: "10.0.0.5", dst: "8.8.8.8", proto: 17, sport: 5353, dport: 53, payload: 30 }),
    1704164646,
    0,
    AL,
    1,
    3,
    0,
  );
  feed(mkPkt({ src: "10.0.0.5", dst: "8.8.8.8", proto: 1, icmpType: 8 }), 1704164647, 5000, AT, 2, 1, 1);
  feed(mkPkt({ src: "8.8.8.8", dst: "10.0.0.5", proto: 1, icmpType: 0 }), 1704164647, 905000, AT, 2, 2, 1);
  feed(
    mkPkt({ src: "2001:db8::1", dst: "2001:db8::2", proto: 17, sport: 4000, dport: 4001 }),
    1704164648,
    0,
    UN,
    -1,
    3,
    1,
  );
  summary?.counters.addPacket(1704164649, 0, true, -1, 0); // an ARP frame: no verdict, not a flow
  expect(t.update(mkArp(), 1704164649, 0, 42, -1, -2, 4, 1)).toBeNull();
  t.flushAll();
}

describe("flow rows", () => {
  it("columns are exactly the Zeek conn.log names plus pfw's", () => {
    expect(FLOW_COLUMNS.join(", ")).toBe(
      "ts, uid, id.orig_h, id.orig_p, id.resp_h, id.resp_p, proto, duration, orig_bytes, resp_bytes, conn_state, local_orig, local_resp, history, orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes, community_id, verdict, rule_ids, reasons, first_frame, file",
    );
  });
});

describe("CSV", () => {
  it("header exact, flagged flows only, one row per flow, streamed at eviction", () => {
    const p = path.join(dir, "flows.csv");
    const w = new FlowCsvWriter(p, ctx);
    scan([(f) => w.addFlow(f)]);
    w.close();
    const lines = fs.readFileSync(p, "utf8").split("\n");
    expect(lines[0]).toBe(
      "ts,uid,id.orig_h,id.orig_p,id.resp_h,id.resp_p,proto,duration,orig_bytes,resp_bytes,conn_state,local_orig,local_resp,history,orig_pkts,orig_ip_bytes,resp_pkts,resp_ip_bytes,community_id,verdict,rule_ids,reasons,first_frame,file",
    );
    expect(csvHeader()).toBe(lines[0] + "\n");
    expect(w.rows).toBe(3); // DNS (ALLOWED) is not written
    const tcp = lines[1]!.split(",");
    expect(tcp[0]).toBe("1704164645.123456");
    expect(tcp[1]).toMatch(/^C[0-9A-Za-z]+$/);
    expect(tcp.slice(2)).toEqual([
      "10.0.0.5",
      "51000",
      "192.168.1.10",
      "23",
      "tcp",
      "0.099999",
      "0", // orig_bytes: payload (a SYN has none)
      "0",
      "REJ",
      "", // local_orig / local_resp: no home network given
      "",
      "Sr", // SYN, then the responder's RST
      "1",
      "40", // orig_ip_bytes
      "1",
      "40",
      tcp[18],
      "BLOCKED",
      "block-telnet",
      "port 23 is in the block list",
      "1",
      "a.pcap",
    ]);
    expect(tcp[18]).toMatch(/^1:[A-Za-z0-9+/]{27}=$/);
    // ICMP: Zeek's convention, orig_p = type, resp_p = counterpart type; file name quoted by csv-stringify.
    expect(lines[2]).toMatch(
      /^1704164647\.000005,C\w+,10\.0\.0\.5,8,8\.8\.8\.8,0,icmp,0\.000900,0,0,OTH,,,,1,28,1,28,1:[^,]+,ALERT,alert-ping,ping seen,1,"dir\/b, c\.pcap"$/,
    );
    // IPv6 unknown flow: default rule.
    expect(lines[3]).toMatch(
      /^1704164648\.000000,C\w+,2001:db8::1,4000,2001:db8::2,4001,udp,0\.000000,0,0,S0,,,,1,48,0,0,1:[^,]+,UNKNOWN,default,no rule matched,3,"dir\/b, c\.pcap"$/,
    );
    expect(lines[4]).toBe("");
  });

  it("--all-flows writes every flow", () => {
    const p = path.join(dir, "all.csv");
    const w = new FlowCsvWriter(p, ctx, { allFlows: true });
    scan([(f) => w.addFlow(f)]);
    w.close();
    expect(w.rows).toBe(4);
    expect(fs.readFileSync(p, "utf8")).toContain(',ALLOWED,allow-dns,"dns, ""quoted""",3,a.pcap');
  });
});

describe("JSON document", () => {
  it("has the stable shape, summary first, flows as CSV rows as objects", () => {
    const p = path.join(dir, "out.json");
    const summary = new Summary(new EngineCounters());
    summary.counters.addFile("a.pcap");
    summary.counters.addFile("dir/b, c.pcap");
    summary.counters.errors.push({
      file: "dir/b, c.pcap",
      code: "PCAP_TRUNCATED",
      offset: 1234,
      message: "record cut short",
    });
    const w = new JsonReportWriter(p, ctx);
    scan([(f) => w.addFlow(f)], summary);
    w.close(summary);
    const text = fs.readFileSync(p, "utf8");
    expect(text.startsWith('{"summary":{"files":2,"packets":7,"flows":4,')).toBe(true);
    expect(fs.existsSync(`${p}.flows.tmp`)).toBe(false);
    const doc = JSON.parse(text);
    expect(Object.keys(doc)).toEqual(["summary", "flows"]);
    expect(Object.keys(doc.summary)).toEqual([
      "files",
      "packets",
      "flows",
      "packet_verdicts",
      "flow_verdicts",
      "decode_events",
      "errors",
      "complete",
    ]);
    expect(doc.summary.packet_verdicts).toEqual({ BLOCKED: 2, ALLOWED: 1, ALERT: 2, UNKNOWN: 1 });
    expect(doc.summary.flow_verdicts).toEqual({ BLOCKED: 1, ALLOWED: 1, ALERT: 1, UNKNOWN: 1 });
    expect(doc.summary.decode_events).toEqual({});
    expect(doc.summary.errors).toEqual([
      { file: "dir/b, c.pcap", code: "PCAP_TRUNCATED", offset: 1234, message: "record cut short" },
    ]);
    expect(doc.flows).toHaveLength(3);
    for (const f of doc.flows) expect(Object.keys(f)).toEqual([...FLOW_COLUMNS]);
    expect(doc.flows[0]).toMatchObject({
      ts: 1704164645.123456,
      "id.orig_h": "10.0.0.5",
      "id.orig_p": 51000,
      proto: "tcp",
      orig_bytes: 0, // a SYN carries no payload
      orig_ip_bytes: 40,
      conn_state: "REJ",
      verdict: "BLOCKED",
      rule_ids: ["block-telnet"],
      reasons: ["port 23 is in the block list"],
      first_frame: 1,
      file: "a.pcap",
    });
    expect(text).toContain('"ts":1704164645.123456,'); // exact digits, not float-rounded
  });

  it("an empty result is still a valid document", () => {
    const p = path.join(dir, "empty.json");
    const w = new JsonReportWriter(p, ctx);
    w.close(new Summary(new EngineCounters()));
    expect(JSON.parse(fs.readFileSync(p, "utf8"))).toEqual({
      summary: {
        files: 0,
        packets: 0,
        flows: 0,
        packet_verdicts: { BLOCKED: 0, ALLOWED: 0, ALERT: 0, UNKNOWN: 0 },
        flow_verdicts: { BLOCKED: 0, ALLOWED: 0, ALERT: 0, UNKNOWN: 0 },
        decode_events: {},
        errors: [],
        complete: true,
      },
      flows: [],
    });
  });
});

describe("suspicious-packets log", () => {
  it("text lines and EVE-like JSON lines for BLOCKED / ALERT / UNKNOWN packets only", () => {
    const tp = path.join(dir, "packets.log");
    const jp = path.join(dir, "packets.jsonl");
    const log = new PacketLog({ textPath: tp, jsonlPath: jp }, ctx);
    const t = new FlowTable({
      maxFlows: 10,
      idleTimeoutSec: { tcp: 1, udp: 1, other: 1 },
      onEvict: () => {},
    });
    const one = (
      p: ReturnType<typeof mkPkt>,
      sec: number,
      nsec: number,
      v: number,
      r: number,
      frame: number,
      file: number,
      hasTs = true,
    ) => {
      const f = t.update(p, sec, nsec, 60, v, r, frame, file);
      log.log(p, sec, nsec, hasTs, v, r, frame, file, f);
    };
    one(
      mkPkt({ src: "10.0.0.5", dst: "192.168.1.10", proto: 6, sport: 51000, dport: 23, flags: SYN }),
      1704164645,
      123456789,
      B,
      0,
      17,
      0,
    );
    one(
      mkPkt({ src: "10.0.0.5", dst: "8.8.8.8", proto: 17, sport: 5353, dport: 53 }),
      1704164645,
      0,
      AL,
      1,
      18,
      0,
    );
    one(mkPkt({ src: "10.0.0.5", dst: "8.8.8.8", proto: 1, icmpType: 8 }), 1704164646, 5000, AT, 2, 19, 1);
    one(
      mkPkt({ src: "2001:db8::1", dst: "2001:db8::2", proto: 17, sport: 4000, dport: 4001 }),
      1704164646,
      999999999,
      UN,
      -1,
      20,
      1,
    );
    one(mkPkt({ src: "10.0.0.5", dst: "10.0.0.6", proto: 47 }), 0, 0, UN, -1, 21, 0, false);
    log.close();
    expect(log.count).toBe(4);
    expect(fs.readFileSync(tp, "utf8").split("\n")).toEqual([
      '2024-01-02T03:04:05.123456Z BLOCKED TCP 10.0.0.5:51000 -> 192.168.1.10:23 rule=block-telnet reason="port 23 is in the block list" frame=17 file="a.pcap"',
      '2024-01-02T03:04:06.000005Z ALERT ICMP 10.0.0.5 -> 8.8.8.8 type=8 code=0 rule=alert-ping reason="ping seen" frame=19 file="dir/b, c.pcap"',
      '2024-01-02T03:04:06.999999Z UNKNOWN UDP [2001:db8::1]:4000 -> [2001:db8::2]:4001 rule=default reason="no rule matched" frame=20 file="dir/b, c.pcap"',
      '- UNKNOWN GRE 10.0.0.5 -> 10.0.0.6 rule=default reason="no rule matched" frame=21 file="a.pcap"',
      "",
    ]);
    const ev = fs
      .readFileSync(jp, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(ev).toHaveLength(4);
    expect(ev[0]).toEqual({
      timestamp: "2024-01-02T03:04:05.123456+0000",
      event_type: "drop",
      src_ip: "10.0.0.5",
      src_port: 51000,
      dest_ip: "192.168.1.10",
      dest_port: 23,
      proto: "TCP",
      community_id: ev[0].community_id,
      alert: { action: "blocked", signature_id: 1, signature: "port 23 is in the block list", severity: 1 },
      pfw: { verdict: "BLOCKED", rule_id: "block-telnet", frame: 17, file: "a.pcap" },
    });
    expect(ev[0].community_id).toMatch(/^1:/);
    expect(ev[1]).toMatchObject({
      event_type: "alert",
      icmp_type: 8,
      icmp_code: 0,
      alert: { action: "allowed", signature_id: 3, severity: 2 },
    });
    expect(ev[1].src_port).toBeUndefined();
    expect(ev[2]).toMatchObject({
      src_ip: "2001:db8::1",
      alert: { signature_id: 0, signature: "no rule matched", severity: 3 },
    });
    expect(ev[3].timestamp).toBeNull();
  });
});

describe("terminal table and summary", () => {
  it("caps the flagged rows, most severe first, and says how many more", () => {
    const table = new FlaggedFlowTable(ctx, 2);
    const summary = new Summary(new EngineCounters());
    summary.counters.addFile("a.pcap");
    scan([(f) => table.addFlow(f)], summary);
    expect(table.flagged).toBe(3);
    expect(table.rows().map((r) => r.verdict)).toEqual(["BLOCKED", "ALERT"]);
    const text = table.render();
    expect(text).toContain("Flagged flows (3):");
    expect(text).toContain("10.0.0.5:51000");
    expect(text).toContain("... and 1 more flagged flow (see the CSV report)");
    const s = renderSummary(summary);
    expect(s).toContain("BLOCKED 2, ALERT 2, UNKNOWN 1, ALLOWED 1");
    expect(s).toContain("2024-01-02T03:04:05.123456Z .. 2024-01-02T03:04:09.000000Z");
    expect(summary.topTalkers(2)).toEqual([
      { addr: "10.0.0.5", bytes: 80 + 58 + 56 },
      { addr: "8.8.8.8", bytes: 58 + 56 },
    ]);
  });

  it("counts decode events by name", () => {
    const s = new Summary(new EngineCounters());
    s.counters.addPacket(1, 0, true, -1, 26);
    s.counters.addPacket(2, 0, true, -1, 26);
    s.counters.addPacket(3, 0, false, -1, 0);
    expect(s.decodeEventCounts()).toEqual({ TCP_TRUNCATED: 2 });
    expect(s.packets).toBe(3);
  });

  it("flowRow is usable directly (report time)", () => {
    let row: ReturnType<typeof flowRow> | null = null;
    scan([(f) => (row ??= flowRow(f, ctx))]);
    expect(row!["id.resp_p"]).toBe(23);
  });
});

describe("FlowReports fan-out", () => {
  it("feeds summary, CSV, JSON and table from one onEvict, building rows once per flow", async () => {
    const { FlowReports } = await import("../../src/report/flow-reports.js");
    const summary = new Summary(new EngineCounters());
    summary.counters.addFile("a.pcap");
    const csvPath = path.join(dir, "fan.csv");
    const jsonPath = path.join(dir, "fan.json");
    const csv = new FlowCsvWriter(csvPath, ctx);
    const json = new JsonReportWriter(jsonPath, ctx);
    const table = new FlaggedFlowTable(ctx);
    const reports = new FlowReports(ctx, { summary, csv, json, table });
    scan([(f) => reports.onFlowEnd(f)]);
    csv.close();
    json.close(summary);
    expect([summary.flows, csv.rows, json.rows, table.flagged]).toEqual([4, 3, 3, 3]);
    const csvUids = fs
      .readFileSync(csvPath, "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(",")[1]);
    const jsonUids = JSON.parse(fs.readFileSync(jsonPath, "utf8")).flows.map((f: { uid: string }) => f.uid);
    expect(csvUids).toEqual(jsonUids);
    // Flush order here is BLOCKED, ALERT, UNKNOWN: the table's severity order too.
    expect(table.rows().map((r) => r.uid)).toEqual(jsonUids);
  });
});

describe("suspicious-packets log: byte path", () => {
  it("writes exactly the lines lineFor() builds, for random packets, rules, files and times", () => {
    const tp = path.join(dir, "bytes.log");
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    // A lookup whose texts change between calls (live reload): the cached parts must follow.
    let gen = 0;
    const files = ["a.pcap", 'dir/ü "q".pcap', "x".repeat(300)];
    const lookup = {
      id: (i: number) => (i === -1 ? "default" : `r${i}-${gen}`),
      reason: (i: number) => (i === 2 ? `naïve "reason" ${gen}` : `reason ${i}`),
      severity: () => "high" as const,
      rank: () => 3,
    };
    const log = new PacketLog({ textPath: tp }, { files, rules: lookup });
    const expected: string[] = [];
    for (let k = 0; k < 3000; k++) {
      if (k % 700 === 0) gen++;
      const v6 = rnd(5) === 0;
      const proto = [6, 17, 1, 58, 47, 132, 250][rnd(7)]!;
      const a = () => `${rnd(256)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`;
      const p = mkPkt({
        src: v6 ? `2001:db8::${rnd(0xffff).toString(16)}` : a(),
        dst: v6 ? `::ffff:${a()}` : a(),
        proto,
        sport: rnd(65536),
        dport: rnd(65536),
        icmpType: rnd(256),
        icmpCode: rnd(256),
        fragment: rnd(10) === 0,
      });
      if (rnd(20) === 0) p.layers &= ~(Layer.IPV4 | Layer.IPV6); // destination not decoded
      const hasTs = rnd(15) !== 0;
      const sec = [0, 1704164645 + rnd(5), 2 ** 40, 4102444800 + rnd(100)][rnd(4)]!;
      const nsec = rnd(15) === 0 ? [999_999_999, 0, 1_500_000_000][rnd(3)]! : rnd(1e9);
      const rank = 1 + rnd(3);
      const ruleIndex = rnd(5) - 1;
      const frame = [2 ** 40 + rnd(1000), rnd(100000), rnd(100000), 2.5, -1, 2 ** 60][
        rnd(60) === 0 ? 3 + rnd(3) : rnd(3)
      ]!;
      if (rnd(50) === 0) p.srcPort = 1.5; // values the decoder never gives: same text either way
      if (rnd(50) === 0) p.icmpType = 2 ** 33;
      const fileIndex = rnd(3);
      log.log(p, sec, nsec, hasTs, rank, ruleIndex, frame, fileIndex, null);
      expected.push(
        log.lineFor(
          p,
          sec,
          nsec,
          hasTs,
          rank,
          lookup.id(ruleIndex),
          lookup.reason(ruleIndex),
          frame,
          files[fileIndex]!,
        ),
      );
    }
    log.close();
    expect(fs.readFileSync(tp, "utf8")).toBe(expected.join("\n") + "\n");
  });
});
