/**
 * The mutation fuzzer (scripts/fuzz.ts): its PRNG, mutators and oracle as pure functions, the oracle on real
 * crashing / hanging / tracing child processes, a fake CLI whose failures must be saved, and a short pass of
 * the real CLI (200 captures + 60 rule files, seed 1) that must find nothing.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BYTE_MUTATORS,
  CAPTURE_MUTATORS,
  CSV_HEADER,
  captureLayout,
  captureSeeds,
  csvProblem,
  gzipVariant,
  inputSeed,
  mutateCapture,
  mutateRules,
  mutSplice,
  oracle,
  parseArgs,
  replacePacket,
  Rng,
  ruleSeeds,
  runChild,
  runFuzz,
  serializeTree,
  summaryLine,
  toTree,
  type ChildResult,
} from "../../scripts/fuzz.js";
import { REPO_ROOT } from "../helpers/corpus.js";
import { ensureBuilt } from "../scan/cli-run.js";

const fixture = (name: string): Uint8Array =>
  new Uint8Array(fs.readFileSync(path.join(REPO_ROOT, "fixtures", name)));
const clean: ChildResult = { status: 0, signal: null, timedOut: false, stderr: "" };
/** Byte equality (vitest's toEqual on megabyte arrays is very slow). */
const same = (a: Uint8Array | null, b: Uint8Array | null): boolean =>
  a === null || b === null ? a === b : Buffer.compare(a, b) === 0;
const tmpdir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "pfw-fuzz-test-"));

describe("PRNG and input seeds", () => {
  it("gives the same sequence for the same seed and stays in range", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 1000 }, () => a.u32());
    expect(Array.from({ length: 1000 }, () => b.u32())).toEqual(xs);
    expect(new Set(xs).size).toBeGreaterThan(990);
    const r = new Rng(7);
    for (let i = 0; i < 1000; i++) {
      const v = r.range(3, 9);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(9);
      expect(r.int(5)).toBeLessThan(5);
    }
  });

  it("derives a different seed per run seed, kind and index", () => {
    const seeds = new Set<number>();
    for (const seed of [0, 1, 2])
      for (const kind of ["capture", "rules"] as const)
        for (let i = 0; i < 100; i++) seeds.add(inputSeed(seed, kind, i));
    expect(seeds.size).toBe(600);
    expect(inputSeed(1, "capture", 5)).toBe(inputSeed(1, "capture", 5));
  });
});

describe("capture layout", () => {
  it("finds every record of the pcap and pcapng fixtures and their header fields", () => {
    const pcap = captureLayout(fixture("example.pcap"));
    const ng = captureLayout(fixture("example.pcapng"));
    expect(pcap.format).toBe("pcap");
    expect(ng.format).toBe("pcapng");
    expect(pcap.packets.length).toBeGreaterThan(50);
    // both files hold the same frames
    expect(ng.packets.map((p) => p.len)).toEqual(pcap.packets.map((p) => p.len));
    expect(pcap.boundaries.at(-1)).toBe(fixture("example.pcap").length);
    expect(ng.boundaries.at(-1)).toBe(fixture("example.pcapng").length);
    const names = new Set(pcap.fields.map((f) => f.name));
    for (const n of [
      "pcap.incl_len",
      "pcap.linktype",
      "eth.type",
      "ip4.ihl",
      "ip4.total_len",
      "tcp.doff",
      "udp.len",
    ])
      expect(names).toContain(n);
    const ngNames = new Set(ng.fields.map((f) => f.name));
    for (const n of ["pcapng.block_type", "pcapng.block_len", "pcapng.idb.linktype", "pcapng.epb.cap_len"])
      expect(ngNames).toContain(n);
  });

  it("replacePacket keeps a pcap and a pcapng file well formed", () => {
    for (const name of ["example.pcap", "example.pcapng"]) {
      const b = fixture(name);
      const lay = captureLayout(b);
      const p = lay.packets[3];
      if (!p) throw new Error("no packet 3");
      const data = new Uint8Array(p.len + 13).fill(0xab);
      const out = replacePacket(b, p, data);
      const after = captureLayout(out);
      expect(after.packets.length).toBe(lay.packets.length);
      expect(after.packets[3]?.len).toBe(p.len + 13);
      expect(after.boundaries.at(-1)).toBe(out.length);
      expect(out.subarray(after.packets[3]?.off, (after.packets[3]?.off ?? 0) + data.length)).toEqual(data);
    }
  });
});

describe("mutators", () => {
  const inputs = [
    fixture("example.pcap"),
    fixture("example.pcapng"),
    fixture("truncated.pcap"),
    new Uint8Array(0),
  ];

  it("are pure: the input is unchanged and the same rng state gives the same output", () => {
    for (const b of inputs) {
      const copy = b.slice();
      for (const [name, m] of Object.entries(BYTE_MUTATORS)) {
        for (let s = 0; s < 20; s++) {
          expect(same(m(b, new Rng(s)), m(b, new Rng(s))), name).toBe(true);
          expect(same(b, copy), name).toBe(true);
        }
      }
      for (const [name, m] of Object.entries(CAPTURE_MUTATORS)) {
        for (let s = 0; s < 20; s++) {
          expect(same(m(b, new Rng(s), captureLayout(b)), m(b, new Rng(s), captureLayout(b))), name).toBe(
            true,
          );
          expect(same(b, copy), name).toBe(true);
        }
      }
      const other = inputs[0] as Uint8Array;
      expect(same(mutSplice(b, other, new Rng(3)), mutSplice(b, other, new Rng(3)))).toBe(true);
    }
  });

  it("the aimed mutators apply to the fixtures and change them", () => {
    const b = fixture("example.pcap");
    for (const name of [
      "header-field",
      "linktype",
      "packet-bytes",
      "vlan-stack",
      "mpls-stack",
      "ip-nest",
      "duplicate-record",
      "drop-record",
    ]) {
      const m = CAPTURE_MUTATORS[name];
      if (!m) throw new Error(name);
      const x = m(b, new Rng(11), captureLayout(b));
      expect(x, name).not.toBeNull();
      expect(same(x, b), name).toBe(false);
    }
    const ng = fixture("example.pcapng");
    expect(CAPTURE_MUTATORS["pcapng-block"]?.(ng, new Rng(1), captureLayout(ng))).not.toBeNull();
    expect(CAPTURE_MUTATORS["pcapng-block"]?.(b, new Rng(1), captureLayout(b))).toBeNull();
  });

  it("a VLAN stack of any depth stays a well-formed capture", () => {
    const b = fixture("example.pcap");
    const n = captureLayout(b).packets.length;
    for (let s = 0; s < 30; s++) {
      const out = CAPTURE_MUTATORS["vlan-stack"]?.(b, new Rng(s), captureLayout(b));
      if (!out) throw new Error("vlan-stack did not apply");
      const lay = captureLayout(out);
      expect(lay.packets.length).toBe(n);
      expect(lay.boundaries.at(-1)).toBe(out.length);
    }
  });

  it("gzip variants: a plain wrap unpacks to the input", () => {
    const b = fixture("example.pcap");
    let wraps = 0;
    for (let s = 0; s < 40; s++) {
      const v = gzipVariant(b, new Rng(s));
      expect(v.bytes[0]).toBe(0x1f);
      if (v.op === "gzip") {
        wraps++;
        expect(same(new Uint8Array(zlib.gunzipSync(v.bytes)), b)).toBe(true);
      }
    }
    expect(wraps).toBeGreaterThan(0);
  });

  it("capture mutants are deterministic per seed and differ between seeds", () => {
    const seeds = captureSeeds(REPO_ROOT, "/nonexistent-corpus");
    expect(seeds.map((x) => x.name)).toContain("fixtures/example.pcap");
    for (let i = 0; i < 20; i++) {
      const a = mutateCapture(seeds, new Rng(inputSeed(1, "capture", i)));
      const b = mutateCapture(seeds, new Rng(inputSeed(1, "capture", i)));
      expect(same(a.bytes, b.bytes)).toBe(true);
      expect(a.ops).toEqual(b.ops);
    }
    const distinct = new Set<string>();
    for (let i = 0; i < 50; i++)
      distinct.add(
        Buffer.from(mutateCapture(seeds, new Rng(inputSeed(1, "capture", i))).bytes).toString("base64"),
      );
    expect(distinct.size).toBeGreaterThan(45);
  });

  it("rule mutants: deterministic, some still valid JSON and some not, some with invalid UTF-8 or a BOM", () => {
    const seeds = ruleSeeds(REPO_ROOT);
    expect(seeds.length).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < 20; i++)
      expect(same(mutateRules(seeds, new Rng(i)).bytes, mutateRules(seeds, new Rng(i)).bytes)).toBe(true);
    let valid = 0;
    let invalid = 0;
    let badUtf8 = 0;
    let bom = 0;
    const dec = new TextDecoder("utf-8", { fatal: true });
    for (let i = 0; i < 300; i++) {
      const m = mutateRules(seeds, new Rng(inputSeed(1, "rules", i)));
      let text: string | null = null;
      try {
        text = dec.decode(m.bytes);
      } catch {
        badUtf8++;
      }
      if (m.bytes[0] === 0xef && m.bytes[1] === 0xbb) bom++;
      try {
        JSON.parse(text ?? "");
        valid++;
      } catch {
        invalid++;
      }
    }
    expect(valid).toBeGreaterThan(30);
    expect(invalid).toBeGreaterThan(30);
    expect(badUtf8).toBeGreaterThan(0);
    expect(bom).toBeGreaterThan(0);
  });

  it("the JSON tree round-trips and can hold duplicate keys", () => {
    const v = JSON.parse(
      fs.readFileSync(path.join(REPO_ROOT, "rules", "example-native.json"), "utf8"),
    ) as unknown;
    for (const indent of [0, 2])
      expect(JSON.parse(Buffer.from(serializeTree(toTree(v), indent)).toString())).toEqual(v);
    const dup = serializeTree({
      t: "obj",
      entries: [
        { key: '"a"', value: { t: "raw", text: "1" } },
        { key: '"a"', value: { t: "raw", text: "2" } },
      ],
    });
    expect(Buffer.from(dup).toString()).toBe('{"a":1,"a":2}');
    // deep nesting does not overflow the serializer
    let deep: Parameters<typeof serializeTree>[0] = { t: "raw", text: "0" };
    for (let i = 0; i < 100_000; i++) deep = { t: "arr", items: [deep] };
    expect(serializeTree(deep).length).toBe(200_001);
  });
});

describe("oracle", () => {
  it("passes clean exits 0, 1 and 2", () => {
    for (const status of [0, 1, 2])
      expect(
        oracle({ ...clean, status, stderr: "pfw: x.pcap: file truncated/corrupt at byte 40: why\n" }),
      ).toBeNull();
  });

  it("reports a signal as a crash", () => {
    expect(oracle({ ...clean, status: null, signal: "SIGSEGV" })).toEqual({
      kind: "crash",
      reason: "killed by SIGSEGV",
    });
    expect(oracle({ ...clean, status: null, signal: "SIGABRT" })?.kind).toBe("crash");
  });

  it("reports an exit code other than 0/1/2 as a crash", () => {
    for (const status of [3, 7, 127, 134, 255]) expect(oracle({ ...clean, status })?.kind).toBe("crash");
    expect(oracle({ ...clean, status: null })?.kind).toBe("crash");
    expect(oracle({ ...clean, spawnError: "spawn ENOENT" })?.kind).toBe("crash");
  });

  it("reports a timeout as a hang, whatever the exit looked like", () => {
    expect(oracle({ ...clean, status: null, signal: "SIGKILL", timedOut: true })?.kind).toBe("hang");
    expect(oracle({ ...clean, timedOut: true })?.kind).toBe("hang");
  });

  it("reports a stack trace or a JavaScript error name on stderr as a trace", () => {
    const traces = [
      "file:///x/dist/src/decode/tcp.js:10\n    at decodeTcp (file:///x/dist/src/decode/tcp.js:10:5)\n",
      "pfw: boom\n    at Object.<anonymous> (/x/main.js:3:9)",
      "TypeError: Cannot read properties of undefined (reading 'length')",
      "RangeError: Offset is outside the bounds of the DataView",
      "ReferenceError: x is not defined",
      "pfw: Invalid typed array length: -4",
      "pfw: Maximum call stack size exceeded",
    ];
    for (const stderr of traces) {
      const f = oracle({ ...clean, status: 2, stderr });
      expect(f?.kind, stderr).toBe("trace");
    }
  });

  it("reports a JavaScript or Node.js error message that pfw printed without name or stack as a trace", () => {
    const swallowed = [
      "pfw: Cannot read properties of undefined (reading 'length')",
      "pfw: x.pcap: Cannot set properties of null (setting 'vlanId')",
      "pfw: rules.map is not a function",
      "pfw: list is not iterable",
      "pfw: Offset is outside the bounds of the DataView",
      "pfw: x.pcap: cannot read capture: ERR_OUT_OF_RANGE",
      'pfw: The value of "offset" is out of range. It must be >= 0 and <= 2. Received 4',
      "pfw: Invalid array length",
      "pfw: Invalid time value",
      "pfw: decodeFoo is not defined",
    ];
    for (const stderr of swallowed)
      expect(oracle({ ...clean, status: 2, stderr })?.kind, stderr).toBe("trace");
    // pfw's own sentences are not
    const own = [
      "pfw: fixtures/truncated.pcap: file truncated/corrupt at byte 412: record of 74 bytes but only 37 bytes remain (5 packets before it were read and reported)",
      "pfw: x.pcap: not a pcap or pcapng capture (magic 0x54686973) (0 packets before it were read and reported)",
      "pfw: x.pcap.gz: file truncated/corrupt at byte 0: gzip: incorrect header check",
      'pfw: r.json: 2 problem(s) in the rule file:\n  rules[3].dport: "70000" is not a port (0-65535)\n  rules[0].src: "@nope": no list named "nope"',
      "r.json: JSON syntax error at line 1 column 2: expected a double-quoted key, found end of input",
      "pfw: cannot read capture: no such file or folder",
    ];
    for (const stderr of own) expect(oracle({ ...clean, status: 2, stderr }), stderr).toBeNull();
  });

  it("checks the CSV report of a scan", () => {
    const row = [
      "1",
      "C1",
      "10.0.0.1",
      "1",
      "10.0.0.2",
      "2",
      "tcp",
      "0",
      "0",
      "0",
      "S0",
      "",
      "",
      "S",
      "1",
      "40",
      "0",
      "0",
      "1:x=",
      "BLOCKED",
      "r1",
      '"a, b"',
      "1",
      "x.pcap",
    ];
    expect(row).toHaveLength(CSV_HEADER.split(",").length);
    const good = `${CSV_HEADER}\n${row.join(",")}\n`;
    expect(oracle({ ...clean, status: 1 }, { csv: good })).toBeNull();
    expect(oracle({ ...clean, status: 2 }, { csv: CSV_HEADER, csvOnError: true })).toBeNull();
    // a corrupt capture must still get its CSV report
    expect(oracle({ ...clean, status: 2 }, { csv: null, csvOnError: true })?.kind).toBe("report");
    expect(oracle({ ...clean, status: 2 }, { csv: "", csvOnError: true })?.kind).toBe("report");
    // a bad rule file stops the scan before any report
    expect(oracle({ ...clean, status: 2 }, { csv: null, csvOnError: false })).toBeNull();
    expect(oracle({ ...clean, status: 0 }, { csv: null })?.kind).toBe("report");
    expect(oracle({ ...clean, status: 0 }, { csv: "ts,uid\n" })?.kind).toBe("report");
    expect(csvProblem(`${CSV_HEADER}\n1,2,3\n`)).toMatch(/3 fields/);
    expect(csvProblem(`${CSV_HEADER}\n"unterminated\n`)).toMatch(/unterminated/);
    expect(csvProblem(`${CSV_HEADER}\r\n`)).toBeNull();
  });
});

describe("oracle on real child processes", () => {
  const node = (code: string, timeoutMs = 10_000): Promise<ChildResult> =>
    runChild(process.execPath, ["-e", code], { cwd: REPO_ROOT, timeoutMs });

  it("flags a process killed by a signal", async () => {
    const r = await node("process.kill(process.pid, 'SIGSEGV')");
    expect(r.signal).toBe("SIGSEGV");
    expect(oracle(r)?.kind).toBe("crash");
  });

  it("flags an uncaught exception (stack trace on stderr)", async () => {
    const r = await node("const x = undefined; x.length;");
    expect(r.status).toBe(1);
    expect(oracle(r)?.kind).toBe("trace");
  });

  it("flags a process that does not exit in time", async () => {
    const r = await node("setInterval(() => {}, 1000)", 500);
    expect(r.timedOut).toBe(true);
    expect(oracle(r)?.kind).toBe("hang");
  });

  it("flags an odd exit code and passes a clean one", async () => {
    expect(oracle(await node("process.exit(7)"))?.kind).toBe("crash");
    expect(oracle(await node("console.error('pfw: one sentence'); process.exit(2)"))).toBeNull();
  });
});

describe("runFuzz", () => {
  it("saves each failing input with a one-line reason (fake CLI that crashes, traces and hangs)", async () => {
    const dir = tmpdir();
    const fake = path.join(dir, "fake-cli.mjs");
    // packets crashes, rules check prints a trace, scan of a rule file hangs, scan of a capture writes no CSV
    fs.writeFileSync(
      fake,
      [
        "const [cmd, sub] = process.argv.slice(2);",
        "if (cmd === 'packets') process.kill(process.pid, 'SIGABRT');",
        "if (cmd === 'rules') { console.error('TypeError: boom\\n    at f (/x.js:1:2)'); process.exit(2); }",
        "if (cmd === 'scan' && sub === 'fixtures/example.pcap') setInterval(() => {}, 1000);",
        "else if (cmd === 'scan') process.exit(2);",
      ].join("\n"),
    );
    const out = path.join(dir, "out");
    const s = await runFuzz({
      seed: 3,
      captures: 3,
      rules: 2,
      out,
      jobs: 2,
      timeoutMs: 1500,
      cli: fake,
      corpus: "/nonexistent",
    });
    expect(s.crashes).toBe(3);
    expect(s.hangs).toBe(2);
    expect(s.failures.map((f) => f.id)).toEqual([
      "capture:0",
      "capture:1",
      "capture:2",
      "rules:0",
      "rules:1",
    ]);
    for (const f of s.failures) {
      expect(fs.existsSync(f.file)).toBe(true);
      const reason = fs.readFileSync(`${f.file}.reason.txt`, "utf8");
      expect(reason.trimEnd().split("\n")).toHaveLength(1);
    }
    const capReason = fs.readFileSync(`${s.failures[0]?.file}.reason.txt`, "utf8");
    expect(capReason).toMatch(/report: pfw scan .*no CSV report/);
    expect(capReason).toMatch(/crash: pfw packets FILE: killed by SIGABRT/);
    const ruleReason = fs.readFileSync(`${s.failures[3]?.file}.reason.txt`, "utf8");
    expect(ruleReason).toMatch(/trace: pfw rules check/);
    expect(ruleReason).toMatch(/hang: pfw scan/);
    expect(summaryLine(s)).toBe("fuzz: 3 captures, 2 rule files, seed 3: 3 crashes, 2 hangs, 0 traces");
    // the same input is made again from its index alone
    const again = await runFuzz({
      seed: 3,
      captures: 3,
      rules: 0,
      out: path.join(dir, "again"),
      jobs: 1,
      timeoutMs: 1500,
      cli: fake,
      corpus: "/nonexistent",
    });
    for (let i = 0; i < 3; i++)
      expect(fs.readFileSync(again.failures[i]?.file ?? "")).toEqual(
        fs.readFileSync(s.failures[i]?.file ?? ""),
      );
  }, 60_000);

  it("parses its command line", () => {
    const d = parseArgs([], "/repo");
    expect(d).toMatchObject({
      seed: 1,
      captures: 3000,
      rules: 500,
      timeoutMs: 20_000,
      out: "/repo/reports/fuzz-1",
    });
    expect(d.jobs).toBeGreaterThanOrEqual(1);
    expect(
      parseArgs(
        ["--seed", "9", "--captures", "5", "--rules", "0", "--jobs", "3", "--out", "/tmp/x"],
        "/repo",
      ),
    ).toMatchObject({
      seed: 9,
      captures: 5,
      rules: 0,
      jobs: 3,
      out: "/tmp/x",
    });
    expect(() => parseArgs(["--captures", "-1"])).toThrow(/whole number/);
    expect(() => parseArgs(["--jobs", "0"])).toThrow(/whole number/);
    expect(() => parseArgs(["--nope"])).toThrow(/unknown argument/);
    expect(() => parseArgs(["--seed"])).toThrow(/needs a value/);
  });
});

describe("short fuzz pass of the real CLI", () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it("200 mutated captures and 60 mutated rule files (seed 1): no crash, hang, trace or missing report", async () => {
    const out = tmpdir();
    const jobs = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
    const s = await runFuzz({ seed: 1, captures: 200, rules: 60, out, jobs, timeoutMs: 20_000 });
    expect(s.runs).toBe(520);
    expect(s.failures.map((f) => `${f.id} (${f.file}): ${f.reason}`)).toEqual([]);
    expect(summaryLine(s)).toBe("fuzz: 200 captures, 60 rule files, seed 1: 0 crashes, 0 hangs, 0 traces");
    fs.rmSync(out, { recursive: true, force: true });
  }, 300_000);
});
