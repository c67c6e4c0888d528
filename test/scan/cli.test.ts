/**
 * `pfw scan` and `pfw packets` as a user runs them: the built CLI in a child process (issue 3: exit codes,
 * inputs, output formats, --json keys, --jsonl, --write-flagged; issue 2: `pfw packets --csv` header).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/corpus.js";
import { ensureBuilt, pfw } from "./cli-run.js";

const FIX = path.join(REPO_ROOT, "fixtures");
const LEGACY = "rules/legacy-example.json";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pfw-scan-cli-"));
const t = (name: string): string => path.join(tmp, name);

/** Outputs of one scan, all in tmp under a prefix. */
function outs(prefix: string): string[] {
  return [
    "--out",
    t(`${prefix}.csv`),
    "--json",
    t(`${prefix}.json`),
    "--log",
    t(`${prefix}.log`),
    "--no-progress",
  ];
}

interface Report {
  summary: {
    files: number;
    packets: number;
    flows: number;
    packet_verdicts: Record<string, number>;
    flow_verdicts: Record<string, number>;
    decode_events: Record<string, number>;
    errors: { file: string; code: string; offset: number | null; message: string }[];
  };
  flows: Record<string, unknown>[];
}
const readJson = (p: string): Report => JSON.parse(fs.readFileSync(p, "utf8")) as Report;

const CSV_COLUMNS = [
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
];

/** Packets in fixtures/example.pcap (counted by `pfw packets`). */
let examplePackets = 0;

beforeAll(async () => {
  ensureBuilt();
  const r = await pfw(["packets", "--csv", path.join(FIX, "example.pcap")]);
  expect(r.code).toBe(0);
  examplePackets = r.stdout.trim().split("\n").length - 1;
  expect(examplePackets).toBeGreaterThan(200);
  fs.writeFileSync(t("allow-all.json"), JSON.stringify({ version: 1, default: "allow", rules: [] }));
}, 120_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("pfw scan exit codes", () => {
  it("0 when nothing is flagged (default allow, no rule matches)", async () => {
    const r = await pfw(["scan", "fixtures/example.pcap", "--rules", t("allow-all.json"), ...outs("ok")]);
    expect(r.stderr).not.toMatch(/pfw: /);
    expect(r.code).toBe(0);
    const doc = readJson(t("ok.json"));
    expect(doc.summary.packet_verdicts.ALLOWED).toBeGreaterThan(0);
    expect(doc.flows).toEqual([]); // only flagged flows without --all-flows
  });

  it("1 when something is flagged", async () => {
    const r = await pfw(["scan", "fixtures/example.pcap", "--rules", LEGACY, ...outs("flagged")]);
    expect(r.code).toBe(1);
    expect(readJson(t("flagged.json")).summary.packet_verdicts.BLOCKED).toBeGreaterThan(0);
  });

  it("2 on a truncated capture, with the reports written from what was read and the byte offset named", async () => {
    const file = path.join(FIX, "truncated.pcap");
    // the break: header (24) + 5 whole records (16 + caplen each); the 6th record is cut
    const b = fs.readFileSync(file);
    let off = 24;
    for (let i = 0; i < 5; i++) off += 16 + b.readUInt32LE(off + 8);
    const r = await pfw([
      "scan",
      "fixtures/truncated.pcap",
      "--rules",
      LEGACY,
      "--all-flows",
      ...outs("trunc"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("fixtures/truncated.pcap");
    expect(r.stderr).toContain(`byte ${off}`);
    const doc = readJson(t("trunc.json"));
    expect(doc.summary.packets).toBe(5);
    expect(doc.summary.errors).toHaveLength(1);
    expect(doc.summary.errors[0]).toMatchObject({ file: "fixtures/truncated.pcap", offset: off });
    expect(doc.flows.length).toBeGreaterThan(0);
    const csv = fs.readFileSync(t("trunc.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toBe(CSV_COLUMNS.join(","));
    expect(csv.length - 1).toBe(doc.flows.length);
    expect(fs.existsSync(t("trunc.log"))).toBe(true);
  });

  it("2 on a file that is not a capture (bad magic), naming the file and offset 0", async () => {
    const r = await pfw(["scan", "fixtures/bad-magic.pcap", "--rules", LEGACY, ...outs("magic")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pfw: fixtures\/bad-magic\.pcap: .*not a pcap or pcapng/);
    const doc = readJson(t("magic.json"));
    expect(doc.summary.errors[0]).toMatchObject({ file: "fixtures/bad-magic.pcap", offset: 0 });
    expect(doc.summary.packets).toBe(0);
  });

  it("2 on a missing file", async () => {
    const r = await pfw(["scan", "fixtures/no-such-file.pcap", "--rules", LEGACY, ...outs("missing")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("fixtures/no-such-file.pcap");
    expect(r.stderr).toContain("cannot read capture: no such file or folder"); // a sentence, not "ENOENT"
  });

  it("2 when an output's folder does not exist (e.g. under /proc), naming it; no folder is made; no hang", async () => {
    const r = await pfw(["scan", "fixtures/example.pcap", "--rules", LEGACY, "--out", "/proc/nope/y.csv"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("pfw: -o /proc/nope/y.csv: the folder /proc/nope does not exist");
    // issue 10: only the default reports/ folder is created; a named output's folder must exist
    const deep = t("new/sub/dir/deep.csv");
    const ok = await pfw([
      "scan",
      "fixtures/example.pcap",
      "--rules",
      LEGACY,
      "--out",
      deep,
      "--no-progress",
    ]);
    expect(ok.code).toBe(2);
    expect(ok.stderr).toContain(`the folder ${path.dirname(deep)} does not exist`);
    expect(fs.existsSync(t("new"))).toBe(false);
  });

  it("2 on a rule file with problems, listing every problem with its JSON path; no report written", async () => {
    const bad = t("bad-rules.json");
    fs.writeFileSync(
      bad,
      JSON.stringify({
        version: 1,
        default: "allw",
        rules: [
          { id: "a", action: "block", dst_port: "70000" },
          { id: "b", action: "block", dport: "70000" },
          { id: "c", action: "x", proto: "foo" },
        ],
      }),
    );
    const r = await pfw(["scan", "fixtures/example.pcap", "--rules", bad, ...outs("badrules")]);
    expect(r.code).toBe(2);
    const lines = r.stderr.split("\n");
    for (const where of [
      "default:",
      "rules[0].dst_port:",
      "rules[1].dport:",
      "rules[2].action:",
      "rules[2].proto:",
    ])
      expect(
        lines.some((l) => l.trim().startsWith(where)),
        `${where} in\n${r.stderr}`,
      ).toBe(true);
    expect(r.stderr).toContain('"70000" is not a port');
    expect(fs.existsSync(t("badrules.csv"))).toBe(false);
  });

  it("2 wins over 1: a flagged capture plus a truncated one", async () => {
    const r = await pfw([
      "scan",
      "fixtures/example.pcap",
      "fixtures/truncated.pcap",
      "--rules",
      LEGACY,
      ...outs("both"),
    ]);
    expect(r.code).toBe(2);
    const doc = readJson(t("both.json"));
    expect(doc.summary.files).toBe(2);
    expect(doc.summary.packets).toBe(examplePackets + 5);
    expect(doc.summary.packet_verdicts.BLOCKED).toBeGreaterThan(0);
  });
});

describe("pfw scan inputs", () => {
  it("a folder: every capture inside (by magic), other files ignored", async () => {
    const dir = t("folder");
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(FIX, "example.pcap"), path.join(dir, "a.pcap"));
    fs.copyFileSync(path.join(FIX, "example.pcapng"), path.join(dir, "b.cap"));
    fs.writeFileSync(path.join(dir, "notes.txt"), "not a capture\n");
    const r = await pfw(["scan", dir, "--rules", LEGACY, ...outs("folder")]);
    expect(r.code).toBe(1);
    const doc = readJson(t("folder.json"));
    expect(doc.summary.files).toBe(2);
    expect(doc.summary.packets).toBe(2 * examplePackets);
    expect(doc.summary.errors).toEqual([]);
  });

  it("an empty folder is an error (2)", async () => {
    fs.mkdirSync(t("empty-folder"));
    const r = await pfw(["scan", t("empty-folder"), "--rules", LEGACY, ...outs("emptyfolder")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("empty-folder");
  });

  it("several files, and gzip: example.pcap.gz reads as example.pcap", async () => {
    const one = await pfw([
      "scan",
      "fixtures/example.pcap",
      "--rules",
      LEGACY,
      "--all-flows",
      ...outs("one"),
    ]);
    const gz = await pfw([
      "scan",
      "fixtures/example.pcap.gz",
      "--rules",
      LEGACY,
      "--all-flows",
      ...outs("gz"),
    ]);
    expect([one.code, gz.code]).toEqual([1, 1]);
    const a = readJson(t("one.json"));
    const g = readJson(t("gz.json"));
    expect(g.summary).toEqual(a.summary);
    expect(g.flows.map((f) => ({ ...f, file: "" }))).toEqual(a.flows.map((f) => ({ ...f, file: "" })));
    const two = await pfw([
      "scan",
      "fixtures/example.pcap",
      "fixtures/example.pcap.gz",
      "--rules",
      LEGACY,
      ...outs("two"),
    ]);
    expect(two.code).toBe(1);
    const d = readJson(t("two.json"));
    expect(d.summary.files).toBe(2);
    expect(d.summary.packets).toBe(2 * examplePackets);
    expect(d.summary.packet_verdicts.BLOCKED).toBe(2 * a.summary.packet_verdicts.BLOCKED!);
  });
});

describe("pfw scan outputs", () => {
  it("--format csv prints the CSV report on stdout (Zeek conn.log columns + pfw's)", async () => {
    const r = await pfw([
      "scan",
      "fixtures/example.pcap",
      "--rules",
      LEGACY,
      "--format",
      "csv",
      ...outs("fcsv"),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(fs.readFileSync(t("fcsv.csv"), "utf8"));
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe(CSV_COLUMNS.join(","));
    expect(lines.length - 1).toBe(readJson(t("fcsv.json")).flows.length);
  });

  it("--format json prints the JSON document on stdout and writes no JSON file it was not asked for", async () => {
    const cwd = t("fjson");
    fs.mkdirSync(cwd);
    const r = await pfw(
      [
        "scan",
        path.join(FIX, "example.pcap"),
        "--rules",
        path.join(REPO_ROOT, LEGACY),
        "--format",
        "json",
        "--no-progress",
      ],
      {
        cwd,
      },
    );
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as Report;
    expect(doc.summary.packets).toBe(examplePackets);
    const written = fs.readdirSync(path.join(cwd, "reports")).sort();
    expect(written.some((n) => /^example-.+\.json$/.test(n))).toBe(false);
    expect(written.some((n) => /^example-.+\.csv$/.test(n))).toBe(true);
    expect(written.some((n) => /^example-.+\.log$/.test(n))).toBe(true);
  });

  it("--json has exactly the keys the issue lists", async () => {
    const r = await pfw(["scan", "fixtures/example.pcap", "--rules", LEGACY, "--all-flows", ...outs("keys")]);
    expect(r.code).toBe(1);
    const doc = readJson(t("keys.json"));
    expect(Object.keys(doc).sort()).toEqual(["flows", "summary"]);
    expect(Object.keys(doc.summary).sort()).toEqual(
      [
        "complete",
        "decode_events",
        "errors",
        "files",
        "flow_verdicts",
        "flows",
        "packet_verdicts",
        "packets",
      ].sort(),
    );
    const verdicts = ["ALERT", "ALLOWED", "BLOCKED", "UNKNOWN"];
    expect(Object.keys(doc.summary.packet_verdicts).sort()).toEqual(verdicts);
    expect(Object.keys(doc.summary.flow_verdicts).sort()).toEqual(verdicts);
    expect(doc.summary.flows).toBe(doc.flows.length);
    for (const f of doc.flows) expect(Object.keys(f)).toEqual(CSV_COLUMNS);
    // packet_verdicts count only packets that got a verdict (ARP, IPv6 under the IPv4-only legacy rules: none)
    const judged = Object.values(doc.summary.packet_verdicts).reduce((a, b) => a + b, 0);
    expect(judged).toBeLessThan(doc.summary.packets);
    expect(judged).toBeGreaterThan(0);
  });

  it("--jsonl writes one JSON object per flagged packet; --write-flagged a pcap of exactly those packets", async () => {
    const jsonl = t("events.jsonl");
    const flagged = t("flagged.pcap");
    const r = await pfw([
      "scan",
      "fixtures/example.pcap",
      "--rules",
      LEGACY,
      "--jsonl",
      jsonl,
      "--write-flagged",
      flagged,
      ...outs("wf"),
    ]);
    expect(r.code).toBe(1);
    const pv = readJson(t("wf.json")).summary.packet_verdicts;
    const nFlagged = pv.BLOCKED! + pv.UNKNOWN! + pv.ALERT!;
    const events = fs
      .readFileSync(jsonl, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { pfw: { frame: number; verdict: string } });
    expect(events).toHaveLength(nFlagged);
    expect(new Set(events.map((e) => e.pfw.verdict))).toEqual(new Set(["BLOCKED", "UNKNOWN"]));
    // the suspicious-packets log has the same packets, one line each
    expect(fs.readFileSync(t("wf.log"), "utf8").trim().split("\n")).toHaveLength(nFlagged);

    // read the written pcap back with `pfw packets`: the flagged frames of example.pcap, in order
    const all = await pfw(["packets", "--csv", "fixtures/example.pcap"]);
    const back = await pfw(["packets", "--csv", flagged]);
    expect(back.code).toBe(0);
    const rows = (s: string): string[] => s.trim().split("\n").slice(1);
    const withoutFrame = (l: string): string => l.slice(l.indexOf(",") + 1);
    const frames = new Set(events.map((e) => e.pfw.frame));
    const expectedRows = rows(all.stdout).filter((l) => frames.has(Number(l.split(",")[0])));
    expect(rows(back.stdout)).toHaveLength(nFlagged);
    expect(rows(back.stdout).map(withoutFrame)).toEqual(expectedRows.map(withoutFrame));
  });

  it("no progress bar when stderr is not a TTY (here: a pipe)", async () => {
    const r = await pfw([
      "scan",
      "fixtures/example.pcap",
      "--rules",
      LEGACY,
      "--out",
      t("np.csv"),
      "--log",
      t("np.log"),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain("\r");
    expect(r.stderr).toContain(`CSV report: ${t("np.csv")}`);
  });

  it("pfw packets --csv header is exactly the issue's", async () => {
    const r = await pfw(["packets", "--csv", "fixtures/example.pcap"]);
    expect(r.stdout.split("\n")[0]).toBe(
      "frame,ts,len,caplen,src,dst,ip_proto,sport,dport,icmp_type,tcp_flags,vlan,event",
    );
  });

  it("--help texts", async () => {
    const top = await pfw(["--help"]);
    expect(top.code).toBe(0);
    for (const c of ["scan", "packets", "live", "rules"]) expect(top.stdout).toContain(c);
    const scan = await pfw(["scan", "--help"]);
    expect(scan.code).toBe(0);
    for (const o of [
      "--rules",
      "--home-net",
      "--format",
      "--out",
      "--all-flows",
      "--json",
      "--jsonl",
      "--log",
      "--write-flagged",
      "Exit codes",
    ])
      expect(scan.stdout).toContain(o);
    const packets = await pfw(["packets", "--help"]);
    expect(packets.code).toBe(0);
    expect(packets.stdout).toContain("--csv");
  });
});
