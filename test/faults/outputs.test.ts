/**
 * Outputs that survive faults and hostile filesystems (issue 11), on the built CLI as real processes:
 * symlinks planted at the predicted report name, at the old fixed temp name and at an explicit output;
 * SIGTERM mid-scan (the reports say so and agree with each other); a second signal (nothing half-written
 * under a final name); a full disk (/dev/full); payload files mode 0600; control characters on the
 * terminal; rule files that are not UTF-8.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateMixedCapture } from "../../bench/synth.js";
import { reportStamp } from "../../src/app/paths.js";
import { abandonAllOutputs, OutputFile } from "../../src/capture/output-file.js";
import { REPO_ROOT } from "../helpers/corpus.js";
import { ensureBuilt, PFW_MAIN, pfw } from "../scan/cli-run.js";

const EXAMPLE = path.join(REPO_ROOT, "fixtures", "example.pcap");
const LEGACY = path.join(REPO_ROOT, "rules", "legacy-example.json");
let tmp = "";
const t = (n: string): string => path.join(tmp, n);
let big = "";

beforeAll(() => {
  ensureBuilt();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pfw-faults-"));
  big = t("big.pcap");
  generateMixedCapture(big, 300_000, { flows: 20_000 }); // ~35 MB, thousands of flows
}, 120_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Count CSV data rows (the header excluded); rows hold no quoted newlines here. */
function csvRows(p: string): number {
  return fs.readFileSync(p, "utf8").split("\n").filter(Boolean).length - 1;
}

/** `pfw scan -` fed from a stream: write `first` bytes, then wait; returns the child and its output. */
function scanFromPipe(args: string[], data: Buffer, first: number, cwd = tmp) {
  const child = spawn(process.execPath, [PFW_MAIN, "scan", "-", ...args], {
    cwd,
    shell: false,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  child.stdout.resume();
  child.stdin.on("error", () => undefined);
  child.stdin.write(data.subarray(0, first));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, stderr: () => stderr };
}

/** Wait until a file exists with at least n bytes (the scan has read that far). */
async function waitForBytes(p: string, n: number, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const found = fs.readdirSync(path.dirname(p)).find((f) => f.startsWith(`.${path.basename(p)}.`));
    if (found && fs.statSync(path.join(path.dirname(p), found)).size >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${p}'s temporary file`);
}

describe("outputs that survive faults (issue 11)", () => {
  it("a symlink planted at the predicted report name: target unchanged, exit 2 naming it", async () => {
    const cwd = t("predicted");
    fs.mkdirSync(path.join(cwd, "reports"), { recursive: true });
    const target = t("victim.txt");
    fs.writeFileSync(target, "keep me\n");
    // the names of this second and the next few (the scan may start a second later)
    const now = Date.now();
    for (let s = 0; s < 5; s++) {
      const stamp = reportStamp(new Date(now + s * 1000));
      for (const ext of [".csv", ".log"])
        fs.symlinkSync(target, path.join(cwd, "reports", `example-${stamp}${ext}`));
    }
    const r = await pfw(["scan", EXAMPLE, "--rules", LEGACY, "--no-progress"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/reports\/example-\d{8}-\d{6}\.csv: an existing non-regular file/);
    expect(fs.readFileSync(target, "utf8")).toBe("keep me\n");
  });

  it("symlinks at an explicit output and at the old fixed temp name: targets unchanged", async () => {
    const target = t("victim2.txt");
    fs.writeFileSync(target, "keep me too\n");
    fs.symlinkSync(target, t("link.csv"));
    const a = await pfw(["scan", EXAMPLE, "--rules", LEGACY, "-o", t("link.csv")]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(`-o ${t("link.csv")}: it is a symbolic link`);
    // the JSON report once used `<json>.flows.tmp`; a link there must not be followed
    fs.symlinkSync(target, t("j.json.flows.tmp"));
    const b = await pfw(["scan", EXAMPLE, "--rules", LEGACY, "-o", t("j.csv"), "--json", t("j.json")]);
    expect(b.code).toBe(1);
    expect(fs.readFileSync(target, "utf8")).toBe("keep me too\n");
    expect(JSON.parse(fs.readFileSync(t("j.json"), "utf8")).summary.complete).toBe(true);
    // nothing temporary is left behind
    expect(fs.readdirSync(tmp).filter((n) => n.includes(".pfw-tmp"))).toEqual([]);
  });

  it("SIGTERM mid-scan: reports written, JSON says interrupted, its flow count equals the CSV's rows, exit 143", async () => {
    const data = fs.readFileSync(big);
    const csv = t("term.csv");
    const json = t("term.json");
    const run = scanFromPipe(
      ["--rules", LEGACY, "--all-flows", "-o", csv, "--json", json, "--log", t("term.log"), "--no-progress"],
      data,
      Math.floor(data.length / 2),
    );
    await waitForBytes(json, 0); // the document's temp file exists: the scan is running
    await new Promise((r) => setTimeout(r, 1500)); // let it read what it was given
    expect(fs.existsSync(csv)).toBe(false); // nothing under a final name while running
    run.child.kill("SIGTERM");
    const res = await run.exited;
    expect(res.code, run.stderr()).toBe(143);
    expect(run.stderr()).toMatch(/SIGTERM: stopped early/);
    const doc = JSON.parse(fs.readFileSync(json, "utf8")) as {
      summary: { complete: boolean; interrupted: string; flows: number; packets: number };
      flows: unknown[];
    };
    expect(doc.summary.complete).toBe(false);
    expect(doc.summary.interrupted).toBe("SIGTERM");
    expect(doc.summary.packets).toBeGreaterThan(1000);
    expect(doc.summary.packets).toBeLessThan(300_000);
    expect(doc.flows.length).toBe(doc.summary.flows);
    expect(csvRows(csv)).toBe(doc.summary.flows);
    expect(fs.readdirSync(tmp).filter((n) => n.includes(".pfw-tmp"))).toEqual([]);
  });

  it("a second signal exits at once and leaves no file under a final name, no temp file either", async () => {
    const data = fs.readFileSync(big);
    const csv = t("twice.csv");
    const run = scanFromPipe(
      ["--rules", LEGACY, "-o", csv, "--json", t("twice.json"), "--log", t("twice.log"), "--no-progress"],
      data,
      Math.floor(data.length / 3),
    );
    await waitForBytes(csv, 0);
    run.child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 5));
    run.child.kill("SIGINT");
    const res = await run.exited;
    expect([130]).toContain(res.code);
    // whichever signal won the race, no file under a final name is half-written: either none exists
    // (the second signal exited at once) or the whole set does and agrees with itself
    const finals = ["twice.csv", "twice.json", "twice.log"].filter((f) => fs.existsSync(t(f)));
    if (finals.length > 0) {
      expect(finals).toHaveLength(3);
      const doc = JSON.parse(fs.readFileSync(t("twice.json"), "utf8")) as { summary: { complete: boolean } };
      expect(doc.summary.complete).toBe(false);
    }
    expect(fs.readdirSync(tmp).filter((n) => n.includes(".pfw-tmp"))).toEqual([]);
  });

  it("abandoning (the second signal's path) removes every temporary file and leaves no final one", () => {
    const p = t("abandoned.csv");
    const f = new OutputFile(p);
    f.write(Buffer.from("half a row,"));
    const g = new OutputFile(t("abandoned.log"));
    abandonAllOutputs();
    expect(fs.existsSync(p)).toBe(false);
    expect(fs.existsSync(t("abandoned.log"))).toBe(false);
    expect(fs.readdirSync(tmp).filter((n) => n.includes("abandoned"))).toEqual([]);
    g.commit(); // after abandon: nothing happens
    expect(fs.existsSync(t("abandoned.log"))).toBe(false);
  });

  it("--out /dev/full: exit 2 naming /dev/full, once; the other reports complete", async () => {
    const r = await pfw(["scan", EXAMPLE, "--rules", LEGACY, "--out", "/dev/full", "--json", t("full.json")]);
    expect(r.code).toBe(2);
    const mentions = r.stderr.split("\n").filter((l) => l.includes("/dev/full"));
    expect(mentions).toEqual(["pfw: /dev/full: cannot write: no space left on the device"]);
    expect(JSON.parse(fs.readFileSync(t("full.json"), "utf8")).summary.packets).toBeGreaterThan(0);
    expect(fs.existsSync("/dev/full.log")).toBe(false);
  });

  it("a flagged pcap (payload bytes) is mode 0600; a CSV honours the umask", async () => {
    const r = await pfw([
      "scan",
      EXAMPLE,
      "--rules",
      LEGACY,
      "-o",
      t("m.csv"),
      "--write-flagged",
      t("m.pcap"),
    ]);
    expect(r.code).toBe(1);
    expect(fs.statSync(t("m.pcap")).mode & 0o777).toBe(0o600);
    expect(fs.statSync(t("m.csv")).mode & 0o777).toBe(0o666 & ~process.umask());
  });

  it("control characters from rule reasons and file names never reach the terminal raw", async () => {
    const rules = t("esc.json");
    fs.writeFileSync(
      rules,
      JSON.stringify({
        version: 1,
        default: "allow",
        rules: [
          {
            id: "esc-1",
            action: "block",
            proto: "icmp",
            reason: "evil \u001b]0;owned\u0007 \u009b31m",
          },
        ],
      }),
    );
    const evil = t("cap\u001b[31m.pcap");
    fs.copyFileSync(EXAMPLE, evil);
    const r = await pfw(["scan", evil, "--rules", rules, "-o", t("esc.csv")]);
    expect(r.code).toBe(1);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout + r.stderr).not.toMatch(/[\u001b\u0007\u009b]/);
    expect(r.stdout).toContain("evil \\x1b]0;owned\\x07 \\x9b31m");
    // the log escapes them its own way (JSON strings), unchanged
    expect(fs.readFileSync(t("esc.log"), "utf8")).toContain('reason="evil \\u001b]0;owned\\u0007');
  });

  it("a rule file that is not valid UTF-8 is refused, naming the offset", async () => {
    const bad = t("latin1.json");
    fs.writeFileSync(
      bad,
      Buffer.concat([
        Buffer.from('{"version":1,"default":"allow","rules":[],"x":"caf'),
        Buffer.from([0xe9]),
        Buffer.from('"}'),
      ]),
    );
    const r = await pfw(["rules", "check", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `not valid UTF-8 text (first bad byte at offset ${'{"version":1,"default":"allow","rules":[],"x":"caf'.length})`,
    );
  });
});
