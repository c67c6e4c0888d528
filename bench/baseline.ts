/**
 * `npm run bench:baseline -- DIR`: this build's `pfw scan` against another built checkout (DIR, e.g. the
 * previous commit: `git worktree add /tmp/base HEAD~1 && (cd /tmp/base && npm ci && npm run build)`), and
 * tcpdump, on the same generated captures in the same run: few flows (the 1M-packet mix), many flows
 * (1,000,000 flows in 2M packets), MTU-size payloads. Runs interleaved round by round, best of
 * PFW_BENCH_RUNS (default 5), wall clock from spawn to exit. Prints each time and the ratio
 * baseline / this (>= 1: this build is as fast or faster).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateMixedCapture } from "./synth.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const baseline = process.argv[2];
if (!baseline || !fs.existsSync(path.join(baseline, "dist", "src", "cli", "main.js"))) {
  console.error("usage: npm run bench:baseline -- DIR   (DIR: a checkout with dist/ built by npm run build)");
  process.exit(2);
}
const RUNS = Math.max(1, Number(process.env.PFW_BENCH_RUNS ?? 5));
const dir = process.env.PFW_BENCH_DIR ?? path.join(os.tmpdir(), "pfw-bench");
fs.mkdirSync(dir, { recursive: true });
const out = fs.mkdtempSync(path.join(os.tmpdir(), "pfw-bench-base-"));
process.on("exit", () => fs.rmSync(out, { recursive: true, force: true }));

function gen(name: string, packets: number, flows?: number, payload?: { min: number; max: number }): string {
  const p = path.join(dir, name);
  if (!fs.existsSync(p)) {
    const tmp = `${p}.tmp-${process.pid}`;
    generateMixedCapture(tmp, packets, { ...(flows ? { flows } : {}), ...(payload ? { payload } : {}) });
    fs.renameSync(tmp, p);
  }
  return p;
}

function time(argv: string[], ok: readonly number[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status === null || !ok.includes(r.status)) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
  return s;
}

const scan = (checkout: string, file: string, tag: string): string[] => [
  process.execPath,
  "--max-semi-space-size=4",
  path.join(checkout, "dist", "src", "cli", "main.js"),
  "scan",
  file,
  "--rules",
  path.join(root, "rules", "legacy-example.json"),
  "--out",
  path.join(out, `${tag}.csv`),
  "--log",
  path.join(out, `${tag}.log`),
  "--no-progress",
];
const hasTcpdump = spawnSync("tcpdump", ["--version"]).status === 0;
const tcpdump = (file: string): string[] => [
  "tcpdump",
  "-r",
  file,
  "-w",
  "/dev/null",
  "host 10.0.0.5 or port 23 or port 25 or icmp",
];

console.log(
  `bench:baseline at ${new Date().toISOString()}, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}; ` + `this: ${root}, baseline: ${baseline}; best of ${RUNS}`,
);
const shapes: [string, string][] = [
  ["few flows (1M packets, 640 flows)", gen("mixed-1000000.pcap", 1_000_000)],
  ["many flows (2M packets, 1M flows)", gen("flows-1000000.pcap", 2_000_000, 1_000_000)],
  [
    "MTU-size payloads (1M packets)",
    gen("mixed-mtu-1000000.pcap", 1_000_000, undefined, { min: 16, max: 1400 }),
  ],
];
let worst = Infinity;
for (const [label, file] of shapes) {
  spawnSync("cat", [file], { stdio: "ignore" }); // page cache
  const best = [Infinity, Infinity, Infinity];
  for (let i = 0; i < RUNS; i++) {
    best[0] = Math.min(best[0]!, time(scan(root, file, "this"), [0, 1]));
    best[1] = Math.min(best[1]!, time(scan(baseline, file, "base"), [0, 1]));
    if (hasTcpdump) best[2] = Math.min(best[2]!, time(tcpdump(file), [0]));
  }
  const same = ["csv", "log"].every((e) =>
    fs.readFileSync(path.join(out, `this.${e}`)).equals(fs.readFileSync(path.join(out, `base.${e}`))),
  );
  const r = best[1]! / best[0]!;
  worst = Math.min(worst, r);
  console.log(
    `${label}: this ${best[0]!.toFixed(3)} s, baseline ${best[1]!.toFixed(3)} s, tcpdump ` +
      `${hasTcpdump ? best[2]!.toFixed(3) + " s" : "n/a"}; baseline/this ${r.toFixed(2)}x; ` +
      `this/tcpdump speed ${hasTcpdump ? (best[2]! / best[0]!).toFixed(2) + "x" : "n/a"}; CSV and log ${same ? "identical" : "differ"}`,
  );
}
console.log(`worst ratio baseline/this: ${worst.toFixed(2)}x (>= 0.95: no slowdown beyond noise)`);
