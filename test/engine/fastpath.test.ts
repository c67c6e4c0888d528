/**
 * The Engine's per-flow fast path (EngineOptions.fastPath, default true) must change NO output: every case
 * runs the Engine twice, with fastPath false (reference: decodeFrame + compiled rules + FlowTable.update for
 * every packet) and true, and compares CSV, JSON, packet log, JSON lines, flagged pcap, table/summary text,
 * the result numbers and the live console lines (onVerdict) byte for byte. Cases: the whole shared corpus,
 * a generated 50k-packet capture, hand-built adversarial captures for every condition under which a cached
 * per-flow result could be wrong (also all VLAN-tagged), pfw scan with/without --no-fast-path, Engine's
 * fastPathPackets counter, and a fast-check property over random small captures (reproduce a failure with
 * PFW_FASTPATH_SEED=<seed printed by fast-check>; soak with PFW_FASTPATH_RUNS=3000).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readCaptureFile } from "../../src/capture/reader.js";
import { generateMixedCapture } from "../../bench/synth.js";
import { PcapWriter } from "../../src/capture/writer.js";
import { loadRulesOrExplain, parseHomeNet } from "../../src/app/rules-file.js";
import { runScanCli } from "../../src/cli/scan.js";
import type { Cidr, Ruleset } from "../../src/rules/types.js";
import { CORPUS, REPO_ROOT } from "../helpers/corpus.js";
import {
  captureFilesUnder,
  compareRuns,
  firstDifference,
  runEngine,
  rules,
  type Comparison,
  type OutputName,
  type Pkt,
  type RunOptions,
  type RunOutput,
  type Step,
} from "./fastpath-harness.js";
import {
  frame,
  icmpFrame,
  MUTATION_NAMES,
  MUTATIONS,
  pkt,
  RECORD_VARIANTS,
  rev,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  type MutationName,
  type RecordVariant,
  type Tuple,
} from "./fastpath-packets.js";
import {
  ADV,
  ADV2,
  ADV3,
  allScenarios,
  Clock,
  close,
  exchange,
  handshake,
  T_MDNS,
  T_TELNET,
  T_UDP_IN,
  T_V6,
  T_WEB_IN,
  T_BAD_SRC,
  type Scenario,
} from "./fastpath-scenarios.js";

let tmp = "";
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pfw-fastpath-"));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const LEGACY = loadRulesOrExplain(path.join(REPO_ROOT, "rules", "legacy-example.json"));
const DEFAULT = loadRulesOrExplain(path.join(REPO_ROOT, "rules", "default.json"));
const HOME = parseHomeNet("192.168.0.0/16,10.0.0.0/8");

/** Assert no difference, with every differing output named in the message. */
function expectSame(c: Comparison, what: string): void {
  expect(
    c.differences,
    `${what}: fast path output differs from the reference\n${c.differences.join("\n")}`,
  ).toEqual([]);
}

describe("fast path changes no output: shared corpus", () => {
  const files = captureFilesUnder(CORPUS);
  const fixtures = captureFilesUnder(path.join(REPO_ROOT, "fixtures"));

  it("finds the corpus captures", () => {
    expect(files.length).toBeGreaterThan(40);
  });

  for (const [name, opts] of [
    ["legacy-example rules, all flows", { ruleset: LEGACY, allFlows: true }],
    ["legacy-example rules, flagged flows only", { ruleset: LEGACY, allFlows: false }],
    [
      "default rules + --home-net 192.168.0.0/16,10.0.0.0/8, all flows",
      { ruleset: DEFAULT, homeNet: HOME, allFlows: true },
    ],
    [
      "default rules + --home-net, flagged only, maxFlows 64",
      { ruleset: DEFAULT, homeNet: HOME, maxFlows: 64 },
    ],
  ] as [string, RunOptions][]) {
    it(`every corpus capture in one run, ${name}`, async () => {
      const steps: Step[] = [...files, ...fixtures].map((file) => ({ file }));
      const c = await compareRuns(steps, opts, tmp);
      if (c.differences.length > 0) {
        // Name the capture(s) that differ on their own.
        const culprits: string[] = [];
        for (const s of steps) {
          const one = await compareRuns([s], opts, tmp);
          if (one.differences.length > 0)
            culprits.push(`${(s as { file: string }).file}:\n${one.differences.join("\n")}`);
        }
        expectSame({ ...c, differences: [...c.differences, "per file:", ...culprits] }, name);
      }
      expectSame(c, name);
    });
  }
});

/** Native rules over the generated capture's addresses (10.x -> 192.0.2.x, 2001:db8:1:: -> 2001:db8:2::). */
const SYNTH_NATIVE: Ruleset = rules({
  version: 1,
  default: "allow",
  default_reason: "nothing matched",
  rules: [
    {
      id: "ssh-in",
      action: "block",
      direction: "in",
      proto: "tcp",
      dport: 22,
      severity: "high",
      reason: "ssh",
    },
    { id: "ssh-out", action: "alert", direction: "out", proto: "tcp", dport: 22, reason: "ssh out" },
    { id: "sip", action: "alert", proto: "udp", dport: "5000-5100", severity: "medium", reason: "sip" },
    { id: "proxy-reply", action: "log", proto: "tcp", sport: 8080, dport: "1024-30000", reason: "proxy" },
    { id: "v6-quic", action: "block", dst: "2001:db8:2::/112", proto: "udp", dport: 443, reason: "quic v6" },
    { id: "dns-half", action: "log", src: "10.0.0.0/9", proto: "udp", dport: 53, reason: "dns low half" },
    { id: "web", action: "allow", proto: "tcp", port: [80, 443], reason: "web" },
    { id: "icmp-in", action: "alert", direction: "in", proto: "icmp", reason: "ping in" },
    { id: "icmp6", action: "log", proto: "icmpv6", reason: "icmpv6" },
    {
      id: "high",
      action: "block",
      proto: "tcp",
      sport: "40000-65535",
      dport: "1024-65535",
      reason: "high ports",
    },
  ],
});

describe("fast path changes no output: generated mixed captures", () => {
  let file = "";
  let many = "";
  const parts: string[] = [];
  beforeAll(() => {
    file = path.join(tmp, "mixed-50k.pcap");
    generateMixedCapture(file, 50_000, { flows: 600, seed: 7 });
    // 8,000 flows (about 20,000 flow directions): the fast path's direct-mapped cache (2^16 slots) collides.
    many = path.join(tmp, "mixed-many-flows.pcap");
    generateMixedCapture(many, 40_000, { flows: 8000, seed: 3 });
    // The same flows in three files whose clocks jump forward 10 s, then back 6 s (idle expiry, out of order).
    for (const [i, startSec] of [1_700_000_000, 1_700_000_010, 1_700_000_004].entries()) {
      const f = path.join(tmp, `mixed-part-${i}.pcap`);
      generateMixedCapture(f, 6_000, { flows: 300, seed: 11, startSec });
      parts.push(f);
    }
  });

  it("legacy-example rules, all flows; the fast path takes most packets", async () => {
    const c = await compareRuns([{ file }], { ruleset: LEGACY, allFlows: true }, tmp);
    expectSame(c, "synth legacy");
    expect(c.ref.fastPathPackets ?? 0, "reference run (fastPath false) takes no fast path").toBe(0);
    // 5 of 8 flow kinds are IPv4 TCP/UDP without VLAN, with ~1,500 directions first seen and SYNs excluded.
    expect(c.fast.fastPathPackets, "Engine.fastPathPackets").toBeGreaterThan(50_000 * 0.45);
  });

  it("native rules (alert/log/allow/block, port ranges, direction), flagged only and all flows", async () => {
    for (const allFlows of [false, true]) {
      const c = await compareRuns(
        [{ file }],
        { ruleset: SYNTH_NATIVE, homeNet: parseHomeNet("10.0.0.0/8,2001:db8:1::/48"), allFlows },
        tmp,
      );
      expect(c.ref.files["packets.log"]!.length, "the rules flag packets").toBeGreaterThan(1000);
      expectSame(c, `synth native allFlows=${allFlows}`);
    }
  });

  it("native rules with only some outputs asked for (the engine may skip decoding when nothing needs it)", async () => {
    for (const outputs of [
      [],
      ["flagged.pcap"],
      ["packets.jsonl"],
      ["report.csv", "report.json"],
    ] as OutputName[][]) {
      const c = await compareRuns(
        [{ file }],
        { ruleset: SYNTH_NATIVE, homeNet: parseHomeNet("10.0.0.0/8"), maxFlows: 4096, outputs },
        tmp,
      );
      expectSame(c, `synth outputs=${outputs.join(",") || "none"}`);
    }
  });

  it("native rules, maxFlows 100 (flows evicted and re-created while cached)", async () => {
    const c = await compareRuns(
      [{ file }],
      { ruleset: SYNTH_NATIVE, homeNet: parseHomeNet("10.0.0.0/8"), maxFlows: 100, allFlows: true },
      tmp,
    );
    expectSame(c, "synth small table");
  });

  it("8,000 flows: cache collisions, and maxFlows 3000 evictions", async () => {
    for (const maxFlows of [100_000, 3000]) {
      const c = await compareRuns(
        [{ file: many }],
        { ruleset: SYNTH_NATIVE, homeNet: parseHomeNet("10.0.0.0/8"), maxFlows, allFlows: true },
        tmp,
      );
      expectSame(c, `many flows, maxFlows ${maxFlows}`);
    }
  });

  it("Linux cooked captures (SLL, SLL2: the any device) take the fast path; odd hardware types and cut headers do not", async () => {
    // the generated Ethernet capture re-wrapped: the same frames after an SLL or SLL2 header carrying their
    // EtherType; 1 in 50 with the radiotap or netlink hardware type (not Ethernet payloads), 1 in 50 cut short
    for (const linktype of [113, 276]) {
      const out = path.join(tmp, `cooked-${linktype}.pcap`);
      const w = new PcapWriter(out, { linktype, nanosecond: true });
      let i = 0;
      await readCaptureFile(file, (rec) => {
        const eth = rec.buf.subarray(rec.off, rec.off + rec.caplen);
        const hl = linktype === 113 ? 16 : 20;
        const f = new Uint8Array(hl + eth.length - 14);
        const dv = new DataView(f.buffer);
        const hatype = i % 50 === 7 ? 803 : i % 50 === 21 ? 824 : 1;
        if (linktype === 113) {
          dv.setUint16(2, hatype);
          dv.setUint16(4, 6);
          f.set(eth.subarray(6, 12), 6);
          f.set(eth.subarray(12, 14), 14);
        } else {
          f.set(eth.subarray(12, 14), 0);
          dv.setUint32(4, 3);
          dv.setUint16(8, hatype);
          f[11] = 6;
          f.set(eth.subarray(6, 12), 12);
        }
        f.set(eth.subarray(14), hl);
        const len = i % 50 === 33 ? Math.min(f.length, hl + 10) : f.length;
        w.writeRecord(f, 0, len, Math.max(len, rec.origLen - 14 + hl), rec.tsSec, rec.tsNsec);
        i++;
      });
      w.close();
      const c = await compareRuns([{ file: out }], { ruleset: LEGACY, allFlows: true }, tmp);
      expectSame(c, `cooked linktype ${linktype}`);
      expect(c.fast.fastPathPackets ?? 0, `linktype ${linktype} takes the fast path`).toBeGreaterThan(
        i * 0.8,
      );
    }
  });

  it("admission: a run of mostly new flows switches the fast path off for a while; results unchanged", async () => {
    // 70,000 packets drawn from ~360,000 flow directions (fewer than 1 in 8 hit the cache in the first
    // 65,536), then 30,000 packets of 50 flows, which would nearly all hit, but come inside the bypass.
    const churn = path.join(tmp, "churn.pcap");
    const few = path.join(tmp, "few.pcap");
    generateMixedCapture(churn, 70_000, { flows: 150_000, seed: 5, payload: { min: 16, max: 24 } });
    generateMixedCapture(few, 30_000, { flows: 50, seed: 6, startSec: 1_700_000_100 });
    const c = await compareRuns([{ file: churn }, { file: few }], { ruleset: LEGACY, allFlows: true }, tmp);
    expectSame(c, "admission bypass");
    expect(c.fast.fastPathPackets ?? 0, "fast path bypassed after the first window").toBeLessThan(10_000);
    // the same flows alone: the fast path takes them
    const alone = await compareRuns([{ file: few }], { ruleset: LEGACY }, tmp);
    expectSame(alone, "few flows alone");
    expect(alone.fast.fastPathPackets ?? 0).toBeGreaterThan(15_000);
  });

  it("pfw scan (runScanCli) with and without --no-fast-path: same stdout, stderr, exit code and files", async () => {
    const runCli = async (fastPath: boolean): Promise<Record<string, string>> => {
      const dir = path.join(tmp, fastPath ? "cli-fast" : "cli-ref");
      fs.mkdirSync(dir, { recursive: true });
      let stdout = "";
      let stderr = "";
      const so = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
        stdout += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
        return true;
      });
      const se = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
        stderr += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
        return true;
      });
      let code: number;
      try {
        code = await runScanCli([file, path.join(REPO_ROOT, "fixtures")], {
          rules: path.join(REPO_ROOT, "rules", "default.json"),
          homeNet: "10.0.0.0/8,192.168.0.0/16",
          format: "table",
          out: path.join(dir, "r.csv"),
          json: path.join(dir, "r.json"),
          log: path.join(dir, "r.log"),
          jsonl: path.join(dir, "r.jsonl"),
          writeFlagged: path.join(dir, "f.pcap"),
          allFlows: true,
          maxFlows: "1000000",
          progress: false,
          fastPath,
        });
      } finally {
        so.mockRestore();
        se.mockRestore();
      }
      const out: Record<string, string> = {
        code: String(code),
        stdout,
        stderr: stderr.split(dir).join("DIR"),
      };
      for (const n of ["r.csv", "r.json", "r.log", "r.jsonl", "f.pcap"])
        out[n] = fs.readFileSync(path.join(dir, n)).toString(n.endsWith(".pcap") ? "hex" : "utf8");
      return out;
    };
    const ref = await runCli(false);
    const fast = await runCli(true);
    expect(ref["code"]).toBe("2"); // fixtures/ holds a truncated and a bad-magic capture
    for (const k of Object.keys(ref)) expect(firstDifference(k, ref[k]!, fast[k]!), k).toBe("");
  });

  it("three files, clock jumps past the idle timeouts and back: flows expire and return while cached", async () => {
    for (const ruleset of [SYNTH_NATIVE, LEGACY]) {
      const c = await compareRuns(
        parts.map((f) => ({ file: f })),
        {
          ruleset,
          homeNet: parseHomeNet("10.0.0.0/8"),
          maxFlows: 4096,
          idleTimeoutSec: { tcp: 3, udp: 2, other: 1 },
          allFlows: true,
        },
        tmp,
      );
      expectSame(c, `three files, ${ruleset.format} rules`);
    }
  });
});

const IDLE = { tcp: 5, udp: 3, other: 2 };

/** Option sets every adversarial scenario runs with. */
const VARIANTS: [string, RunOptions][] = [
  ["native rules, all flows", { ruleset: ADV, homeNet: HOME, allFlows: true }],
  [
    "native rules, maxFlows 4, idle 5/3/2 s",
    { ruleset: ADV, homeNet: HOME, maxFlows: 4, idleTimeoutSec: IDLE },
  ],
  // onVerdict with minRank -1: the live console with -v sees every packet, with or without a verdict.
  [
    "legacy rules, all flows, onVerdict(rank >= -1)",
    { ruleset: LEGACY, allFlows: true, onVerdictMinRank: -1 },
  ],
  [
    "default rules + home net, idle 5/3/2 s",
    { ruleset: DEFAULT, homeNet: HOME, allFlows: true, idleTimeoutSec: IDLE },
  ],
];

/** Small inputs: a small table (the default of 1,000,000 flows costs ~50 ms per Engine to allocate). */
function small(o: RunOptions): RunOptions {
  return { maxFlows: 4096, ...o };
}

function scenarioSteps(s: Scenario): Step[] {
  const steps: Step[] = [];
  for (const [i, f] of s.files.entries()) {
    if (i > 0 && s.name === "rule-reloads") steps.push({ setRules: i % 2 ? ADV3 : ADV });
    steps.push({ name: f.name, packets: f.packets });
  }
  return steps;
}

describe("fast path changes no output: adversarial captures", () => {
  for (const s of allScenarios()) {
    it(s.name, async () => {
      const hits: number[] = [];
      for (const [vname, opts] of VARIANTS) {
        const c = await compareRuns(scenarioSteps(s), small(opts), tmp);
        expectSame(c, `${s.name} / ${vname}`);
        hits.push(c.fast.fastPathPackets ?? 0);
      }
      // Every scenario caches flows with clean packets first, so the fast path must have been taken.
      expect(Math.min(...hits), `${s.name}: fast-path packets per variant ${hits.join(",")}`).toBeGreaterThan(
        0,
      );
    });
  }

  it("the Ethernet scenarios written with PcapWriter and read back as files, in one multi-file run", async () => {
    const steps: Step[] = [];
    for (const s of allScenarios()) {
      for (const [i, f] of s.files.entries()) {
        const file = path.join(tmp, `${s.name}-${i}.pcap`);
        const w = new PcapWriter(file, { linktype: 1 });
        let frameNo = 0;
        const hooks = new Map<number, Pkt>();
        for (const p of f.packets) {
          if ((p.linktype ?? 1) !== 1 || p.hasTs === false || p.tsSec > 0xffffffff) continue;
          const caplen = Math.min(p.caplen ?? p.data.length, p.data.length);
          w.writeRecord(p.data, 0, caplen, p.origLen ?? p.data.length, p.tsSec, p.tsNsec ?? 0);
          frameNo++;
          if (p.setRules || p.expire !== undefined) hooks.set(frameNo, p);
        }
        w.close();
        steps.push({
          file,
          onFrame: (engine, n) => {
            const h = hooks.get(n);
            if (h?.setRules) engine.setRules(h.setRules);
            if (h?.expire !== undefined) engine.expire(h.expire);
          },
        });
      }
    }
    for (const [vname, opts] of VARIANTS) {
      const c = await compareRuns(steps, opts, tmp);
      expectSame(c, `files / ${vname}`);
    }
  });
});

describe("the fast path is taken when it should be (Engine.fastPathPackets)", () => {
  it("counts exactly the packets of already-cached IPv4 TCP/UDP flow directions, and re-seeds after a reload", async () => {
    const c = new Clock();
    const optT: Tuple = { ...T_TELNET, sport: 40999 };
    const first: Pkt[] = [
      // TCP without a SYN: the first packet of each direction seeds the cache, then 8 fast.
      ...exchange(T_WEB_IN, c, 5),
      // UDP: 6 packets each way, the first of each direction seeds: 10 fast.
      ...Array.from({ length: 12 }, (_, i) =>
        pkt(frame(i % 2 ? rev(T_MDNS) : T_MDNS, { payload: i }), ...c.tick(1)),
      ),
      // Never the common shape: IP options, non-first fragments, two VLAN tags, raw-IP link type.
      ...Array.from({ length: 4 }, () => pkt(MUTATIONS.ipOptions(frame(optT)), ...c.tick(1))),
      ...Array.from({ length: 4 }, () => pkt(MUTATIONS.laterFragment(frame(optT)), ...c.tick(1))),
      ...Array.from({ length: 4 }, () => pkt(MUTATIONS.vlan2(frame(optT)), ...c.tick(1))),
      ...Array.from({ length: 4 }, () => pkt(frame(T_UDP_IN), ...c.tick(1), "rawIpLink")),
    ];
    // After a rule reload every direction is seeded again: 2 + 2 fast.
    const second: Pkt[] = [...exchange(T_MDNS, c, 2), ...exchange(T_WEB_IN, c, 2)];
    const steps: Step[] = [
      { name: "a.pcap", packets: first },
      { setRules: ADV2 },
      { name: "b.pcap", packets: second },
    ];
    const opts = small({ ruleset: ADV, homeNet: HOME, allFlows: true });
    const fast = await runEngine(steps, opts, true, path.join(tmp, "count-fast"));
    const ref = await runEngine(steps, opts, false, path.join(tmp, "count-ref"));
    expect(fast.fastPathPackets, "Engine.fastPathPackets is exposed").toBeTypeOf("number");
    expect(ref.fastPathPackets ?? 0).toBe(0);
    expect(fast.fastPathPackets).toBe(8 + 10 + 2 + 2);
    for (const k of Object.keys(ref.files))
      expect(firstDifference(k, ref.files[k]!, fast.files[k]!)).toBe("");
  });

  it("a SYN on a finished connection's tuple is not counted (port reuse goes to the flow table)", async () => {
    const c = new Clock();
    const p = [...handshake(T_TELNET, c), ...exchange(T_TELNET, c, 2), ...close(T_TELNET, c)];
    const again = [...handshake(T_TELNET, c), ...exchange(T_TELNET, c, 2)];
    const opts = small({ ruleset: ADV, homeNet: HOME, allFlows: true });
    const steps: Step[] = [{ name: "a.pcap", packets: [...p, ...again] }];
    const fast = await runEngine(steps, opts, true, path.join(tmp, "syn-fast"));
    const ref = await runEngine(steps, opts, false, path.join(tmp, "syn-ref"));
    for (const k of Object.keys(ref.files))
      expect(firstDifference(k, ref.files[k]!, fast.files[k]!)).toBe("");
    // Two flows in the CSV: the reuse SYN started a new one.
    expect(ref.files["report.csv"]!.trim().split("\n")).toHaveLength(3);
    expect(fast.fastPathPackets).toBeLessThan(p.length + again.length - 2);
  });
});

describe("the comparison itself can fail", () => {
  it("sees a one-flag change in the CSV and a one-microsecond change in the log", async () => {
    const c = new Clock();
    const base = [...handshake(T_TELNET, c), ...exchange(T_TELNET, c, 3)];
    const flags = base.map((p) => ({ ...p }));
    flags[4] = pkt(frame(T_TELNET, { flags: TCP_RST }), flags[4]!.tsSec, flags[4]!.tsNsec);
    const time = base.map((p) => ({ ...p }));
    time[5] = { ...time[5]!, tsNsec: (time[5]!.tsNsec ?? 0) + 1000 };
    const opts = small({ ruleset: ADV, homeNet: HOME, allFlows: true });
    const run = (p: Pkt[], d: string): Promise<RunOutput> =>
      runEngine([{ name: "x.pcap", packets: p }], opts, false, path.join(tmp, d));
    const a = await run(base, "meta-a");
    const b = await run(flags, "meta-b");
    const t = await run(time, "meta-t");
    expect(firstDifference("csv", a.files["report.csv"]!, b.files["report.csv"]!)).toMatch(
      /differs at line 2/,
    );
    expect(firstDifference("log", a.files["packets.log"]!, t.files["packets.log"]!)).toMatch(
      /012001Z BLOCKED/,
    );
    expect(firstDifference("csv", a.files["report.csv"]!, a.files["report.csv"]!)).toBe("");
  });
});

const PROP_TUPLES: Tuple[] = [
  T_TELNET,
  T_WEB_IN,
  T_MDNS,
  T_UDP_IN,
  T_BAD_SRC,
  { ...T_TELNET, sport: 40001 },
  { ...T_MDNS, sport: 5354 },
  T_V6,
];
const RULESETS: [Ruleset, Cidr[]][] = [
  [ADV, HOME],
  [ADV2, HOME],
  [LEGACY, []],
  [DEFAULT, HOME],
];
const FLAGS = [
  TCP_ACK,
  TCP_ACK | TCP_PSH,
  TCP_SYN,
  TCP_SYN | TCP_ACK,
  TCP_FIN | TCP_ACK,
  TCP_RST,
  TCP_RST | TCP_ACK,
  0,
];

describe("fast path changes no output: property over random small captures", () => {
  const packetArb = fc.record({
    // PROP_TUPLES, then two ICMP echo kinds; mostly the first three tuples (long-lived cached flows)
    t: fc.oneof(
      { weight: 3, arbitrary: fc.nat(2) },
      { weight: 2, arbitrary: fc.nat(PROP_TUPLES.length + 1) },
    ),
    reverse: fc.boolean(),
    flags: fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...FLAGS) },
      { weight: 1, arbitrary: fc.nat(255) },
    ),
    payload: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 80 })),
    dtMs: fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0, max: 400 }) },
      { weight: 1, arbitrary: fc.integer({ min: -3000, max: -1 }) },
      { weight: 1, arbitrary: fc.integer({ min: 1000, max: 9000 }) },
    ),
    mutation: fc.oneof(
      { weight: 5, arbitrary: fc.constant<MutationName>("none") },
      { weight: 1, arbitrary: fc.constantFrom(...MUTATION_NAMES) },
    ),
    variant: fc.oneof(
      { weight: 8, arbitrary: fc.constant<RecordVariant>("plain") },
      { weight: 1, arbitrary: fc.constantFrom(...RECORD_VARIANTS) },
    ),
    reload: fc.oneof({ weight: 40, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat(2) }),
    expire: fc.oneof(
      { weight: 40, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
  });
  const caseArb = fc.record({
    packets: fc.array(packetArb, { minLength: 1, maxLength: 80, size: "max" }),
    rules: fc.nat(RULESETS.length - 1),
    maxFlows: fc.constantFrom(1, 2, 3, 64, 64),
    idle: fc.boolean(),
    allFlows: fc.boolean(),
    split: fc.nat(80),
  });
  type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

  function build(k: Case): { steps: Step[]; opts: RunOptions } {
    const c = new Clock();
    const pkts: Pkt[] = k.packets.map((g) => {
      const [s, n] = c.tick(g.dtMs + 0.001);
      let data: Uint8Array;
      if (g.t >= PROP_TUPLES.length) {
        const [a, b] =
          g.t === PROP_TUPLES.length ? [T_WEB_IN.src, T_WEB_IN.dst] : [T_TELNET.src, T_TELNET.dst];
        data = g.reverse ? icmpFrame(b, a, 0, 3, g.payload) : icmpFrame(a, b, 8, 3, g.payload);
      } else {
        const t = PROP_TUPLES[g.t]!;
        data = frame(g.reverse ? rev(t) : t, { flags: g.flags, payload: g.payload });
      }
      const p = pkt(MUTATIONS[g.mutation](data), s, n, g.variant);
      if (g.reload >= 0) p.setRules = [ADV, ADV2, ADV3][g.reload]!;
      if (g.expire) p.expire = s + 1;
      return p;
    });
    const cut = Math.min(k.split, pkts.length);
    const steps: Step[] = [{ name: "p1.pcap", packets: pkts.slice(0, cut) }];
    if (cut < pkts.length) steps.push({ name: "p2.pcap", packets: pkts.slice(cut) });
    const [ruleset, homeNet] = RULESETS[k.rules]!;
    const opts: RunOptions = { ruleset, homeNet, maxFlows: k.maxFlows, allFlows: k.allFlows };
    if (k.idle) opts.idleTimeoutSec = { tcp: 4, udp: 2, other: 1 };
    return { steps, opts };
  }

  it("100 random captures: reference and fast path identical", { timeout: 180_000 }, async () => {
    const seed = process.env.PFW_FASTPATH_SEED ? Number(process.env.PFW_FASTPATH_SEED) : undefined;
    let hits = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (k) => {
        const { steps, opts } = build(k);
        const c = await compareRuns(steps, opts, tmp);
        hits += c.fast.fastPathPackets ?? 0;
        if (c.differences.length > 0) throw new Error(c.differences.join("\n"));
      }),
      { numRuns: Number(process.env.PFW_FASTPATH_RUNS ?? 100), ...(seed !== undefined ? { seed } : {}) },
    );
    expect(hits, "the random captures exercise the fast path").toBeGreaterThan(500);
  });
});
