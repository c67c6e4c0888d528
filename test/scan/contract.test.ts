/**
 * The command-line contract of issue 10, one test per item, on the built CLI (argument arrays, no shell):
 * usage errors exit 2; no EPIPE trace; report names never collide; outputs checked before reading; -o -
 * and scan -; a valid empty --write-flagged; -f json / -f csv to stdout only where told; --max-flows too
 * big refused in one sentence; the table fits $COLUMNS; errno codes as sentences; packets FOLDER and a
 * file column.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCaptureFile } from "../../src/capture/reader.js";
import { REPO_ROOT } from "../helpers/corpus.js";
import { ensureBuilt, PFW_MAIN, pfw, pfwWith } from "./cli-run.js";

const FIX = path.join(REPO_ROOT, "fixtures");
const EXAMPLE = path.join(FIX, "example.pcap");
const LEGACY = path.join(REPO_ROOT, "rules", "legacy-example.json");
let tmp = "";
const t = (n: string): string => path.join(tmp, n);

beforeAll(() => {
  ensureBuilt();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pfw-contract-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** No stack trace and no raw Node error text in stderr. */
function expectNoTrace(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(stderr).not.toMatch(/Error: (write|read) E[A-Z]+/);
}

describe("CLI contract (issue 10)", () => {
  it("usage errors exit 2, not 1 (1 means flagged): unknown option, missing file, -f xml, bad --backend", async () => {
    const cases: string[][] = [
      ["scan", EXAMPLE, "--bogus"],
      ["scan"],
      ["scan", EXAMPLE, "-f", "xml"],
      ["live", "lo", "--backend", "bogus"],
      ["enforce", "apply", "--backend", "bogus", "--dry-run"],
      ["no-such-command"],
    ];
    for (const args of cases) {
      const r = await pfw(args);
      expect(r.code, `pfw ${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr.length).toBeGreaterThan(0);
      expectNoTrace(r.stderr);
    }
    const missing = await pfw(["scan", t("no-such.pcap"), "-o", t("m.csv")]);
    expect(missing.code).toBe(2);
    expect((await pfw(["--help"])).code).toBe(0);
    expect((await pfw(["scan", "--help"])).code).toBe(0);
  });

  it("pfw scan ... | head -1 prints no EPIPE stack trace; the reports are still written", async () => {
    const out = t("epipe.csv");
    const res = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [PFW_MAIN, "scan", EXAMPLE, "--rules", LEGACY, "-o", out], {
        cwd: REPO_ROOT,
        shell: false,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
      child.stdout.once("data", () => child.stdout.destroy()); // like head -1: read one chunk, close
      child.on("close", (code) => resolve({ code, stderr }));
    });
    expect(res.code).toBe(1);
    expect(res.stderr).not.toMatch(/EPIPE/);
    expectNoTrace(res.stderr);
    expect(fs.readFileSync(out, "utf8").split("\n").length).toBeGreaterThan(5);
  });

  it("report names never collide: a/x.pcap and b/x.pcap in the same second, and two scans at once", async () => {
    const cwd = t("collide");
    for (const d of ["a", "b"]) {
      fs.mkdirSync(path.join(cwd, d), { recursive: true });
      fs.copyFileSync(EXAMPLE, path.join(cwd, d, "x.pcap"));
    }
    const runs = await Promise.all(
      ["a/x.pcap", "b/x.pcap", "a/x.pcap", "b/x.pcap"].map((f) =>
        pfw(["scan", f, "--rules", LEGACY, "--no-progress"], { cwd }),
      ),
    );
    for (const r of runs) expect(r.code).toBe(1);
    const names = fs.readdirSync(path.join(cwd, "reports")).sort();
    expect(names.filter((n) => n.endsWith(".csv"))).toHaveLength(4);
    expect(names.filter((n) => n.endsWith(".log"))).toHaveLength(4);
    // each CSV is one whole report (no two runs wrote into the same file)
    const sizes = new Set(
      names.filter((n) => n.endsWith(".csv")).map((n) => fs.statSync(path.join(cwd, "reports", n)).size),
    );
    expect(sizes.size).toBe(1);
    const said = runs.map((r) => /CSV report: (\S+)/.exec(r.stderr)?.[1]);
    expect(new Set(said).size).toBe(4);
  });

  it("outputs are checked before reading: the error names the output, nothing is clobbered or half-written", async () => {
    const keep = t("keep.csv");
    fs.writeFileSync(keep, "precious\n");
    for (const [opt, p] of [
      ["--write-flagged", "/proc/x.pcap"],
      ["--json", "/proc/x"],
      ["--jsonl", t("no/such/dir/x.jsonl")],
    ] as const) {
      const r = await pfw(["scan", EXAMPLE, "--rules", LEGACY, "-o", keep, opt, p]);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`${opt} ${p}`);
      expect(lines[0]).not.toContain(EXAMPLE);
      expect(fs.readFileSync(keep, "utf8")).toBe("precious\n");
    }
    const r = await pfw(["scan", EXAMPLE, "-o", "/nonexistent/dir/x.csv"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the folder /nonexistent/dir does not exist");
    expect(fs.existsSync("/nonexistent")).toBe(false);
    const dir = await pfw(["scan", EXAMPLE, "-o", tmp]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain("it is a folder");
  });

  it("-o - writes the CSV to stdout; pfw scan - reads the capture from stdin", async () => {
    const file = await pfw(["scan", EXAMPLE, "--rules", LEGACY, "-o", t("ref.csv"), "--log", t("ref.log")]);
    expect(file.code).toBe(1);
    const ref = fs.readFileSync(t("ref.csv"), "utf8");
    const r = await pfwWith(["scan", "-", "--rules", LEGACY, "-o", "-", "--log", t("stdin.log")], {
      stdin: fs.readFileSync(EXAMPLE),
    });
    expect(r.code).toBe(1);
    // the same rows; only the file column names standard input
    expect(r.stdout).toBe(ref.split(`,${EXAMPLE}\n`).join(",-\n"));
    expect(r.stdout.split("\n").length).toBeGreaterThan(10);
  });

  it("--write-flagged with nothing flagged writes a valid empty capture", async () => {
    const allow = t("allow-all.json");
    fs.writeFileSync(allow, JSON.stringify({ version: 1, default: "allow", rules: [] }));
    const out = t("empty.pcap");
    const r = await pfw(["scan", EXAMPLE, "--rules", allow, "-o", t("e.csv"), "--write-flagged", out]);
    expect(r.code).toBe(0);
    const recs: number[] = [];
    const res = await readCaptureFile(out, (rec) => recs.push(rec.linktype));
    expect(res.error).toBeUndefined();
    expect(recs).toHaveLength(0);
    expect(fs.statSync(out).size).toBe(24); // the pcap file header only
    expect(fs.readFileSync(out).readUInt32LE(20)).toBe(1); // the input's link type (Ethernet)
  });

  it("-f json writes where told (stdout, and --json only if given); -f csv prints even with -o /dev/null", async () => {
    const cwd = t("fmt");
    fs.mkdirSync(cwd);
    const j = await pfw(["scan", EXAMPLE, "--rules", LEGACY, "-f", "json", "--json", "doc.json"], { cwd });
    expect(j.code).toBe(1);
    expect(j.stdout).toBe(fs.readFileSync(path.join(cwd, "doc.json"), "utf8"));
    expect(fs.readdirSync(path.join(cwd, "reports")).filter((n) => n.endsWith(".json"))).toEqual([]);
    const c = await pfw([
      "scan",
      EXAMPLE,
      "--rules",
      LEGACY,
      "-f",
      "csv",
      "-o",
      "/dev/null",
      "--log",
      t("c.log"),
    ]);
    expect(c.code).toBe(1);
    expect(c.stdout.split("\n")[0]).toMatch(/^ts,uid,id\.orig_h/);
    expect(c.stdout.split("\n").length).toBeGreaterThan(10);
  });

  it("--max-flows beyond what memory allows is refused with one sentence", async () => {
    for (const n of ["100000000", "1000000000000"]) {
      const r = await pfw(["scan", EXAMPLE, "--max-flows", n, "-o", t("mf.csv")]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--max-flows ${n}:`);
      expect(r.stderr).not.toMatch(/Invalid typed array length/);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(fs.existsSync(t("mf.csv"))).toBe(false);
  });

  it("the table fits the terminal width ($COLUMNS)", async () => {
    const wide = await pfwWith(["scan", EXAMPLE, "-o", t("w.csv")]);
    expect(Math.max(...wide.stdout.split("\n").map((l) => l.length))).toBeGreaterThan(100);
    for (const cols of [80, 120]) {
      const r = await pfwWith(["scan", EXAMPLE, "-o", t(`c${cols}.csv`)], { env: { COLUMNS: String(cols) } });
      expect(r.code).toBe(1);
      const lines = r.stdout.split("\n");
      expect(lines.some((l) => l.startsWith("│"))).toBe(true);
      for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(cols);
    }
  });

  it("raw errno codes become sentences", async () => {
    const r = await pfw(["scan", t("none.pcap"), "-o", t("n.csv")]);
    expect(r.stderr).toContain("cannot read capture: no such file or folder");
    expect(r.stderr).not.toMatch(/ENOENT|EISDIR/);
    const p = await pfw(["packets", t("none.pcap")]);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain("no such file or folder");
  });

  it("pfw packets FOLDER works like scan's folders; several captures get a file column", async () => {
    const one = await pfw(["packets", EXAMPLE]);
    expect(one.stdout.split("\n")[0]!.split("\t")).not.toContain("file");
    const r = await pfw(["packets", FIX]);
    expect(r.code).toBe(2); // fixtures/ holds a truncated capture: reported, every readable frame printed
    const lines = r.stdout.trim().split("\n");
    const head = lines[0]!.split("\t");
    expect(head[head.length - 1]).toBe("file");
    const files = new Set(lines.slice(1).map((l) => l.split("\t").pop()));
    expect(files).toEqual(
      new Set(
        ["example.pcap", "example.pcap.gz", "example.pcapng", "truncated.pcap"].map((n) => path.join(FIX, n)),
      ),
    );
    const csv = await pfw(["packets", "--csv", EXAMPLE, path.join(FIX, "example.pcapng")]);
    expect(csv.stdout.split("\n")[0]!.endsWith(",file")).toBe(true);
  });
});
