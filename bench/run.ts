/**
 * `npm run bench`: pfw against tcpdump (and tshark when installed) on the same files, in the same run.
 *  1. read+decode throughput on a generated 1,000,000-packet mixed capture, next to
 *     `tcpdump -r FILE -w /dev/null FILTER` with the legacy blocklist as the BPF filter;
 *  2. decoding alone (frames already in memory);
 *  3. full `pfw scan` (decode + rules + flows + reports) on the same file, as a ratio to that tcpdump run;
 *     run as the user runs it: `node <flags of main.js's shebang> dist/src/cli/main.js scan ...`, reports
 *     written into a temporary folder; also with `--no-fast-path` when the CLI has it (the fast path's gain);
 *  4. start-up cost: tcpdump and the same `pfw scan` command line on a 1-packet capture of the same generator
 *     (and `node -e 0` for reference), and from it the steady-state throughput (N - 1) / (t(N) - t(1));
 *  5. peak RSS of read+decode for a ~1.2 MB (10,000-packet) and a ~200 MB capture (memory flat in file size);
 *  6. peak RSS of `pfw scan` on a 1,000,000-flow capture (target < 200 MB);
 *  7. tcpdump and `pfw scan` on the same mix with MTU-size payloads (more bytes per packet);
 *  8. tcpdump and `pfw scan` on a 10,000,000-packet capture of the same mix (start-up amortised;
 *     PFW_BENCH_BIG=0 skips it, and it is skipped when the disk is short of space).
 * Files are generated once into $PFW_BENCH_DIR (default /tmp/pfw-bench) and reused.
 * Times of separate processes (tcpdump, pfw read+decode, pfw scan) are wall-clock times measured here, from
 * spawn to exit, so start-up counts for every tool alike; each is the best of 3 runs (PFW_BENCH_RUNS; at least
 * 5 for 1-packet runs),
 * the tools' runs interleaved so that a burst of load on the machine hits both alike. Every timed run's exit
 * status is checked (tcpdump: 0; pfw scan: 0 or 1, 1 meaning something was flagged).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readCaptureFileSync } from "../src/capture/reader.js";
import { generateMixedCapture } from "./synth.js";
import { decodeFrame } from "../src/decode/frame.js";
import { DecodedPacket } from "../src/decode/packet.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const dir = process.env.PFW_BENCH_DIR ?? path.join(os.tmpdir(), "pfw-bench");
fs.mkdirSync(dir, { recursive: true });
const N = Number(process.env.PFW_BENCH_PACKETS ?? 1_000_000);
const BIG_N = 10_000_000;
/** Runs per timed measurement, the best kept (more on a loaded machine). */
const RUNS = Math.max(1, Number(process.env.PFW_BENCH_RUNS ?? 3));
const RUNS_START = Math.max(5, RUNS);
/** Free space needed to generate the 10M capture (~1.2 GB) plus its reports (~0.2 GB per run). */
const BIG_MIN_FREE = 5e9;
const LEGACY_RULES = path.join(root, "rules", "legacy-example.json");
const MAIN = path.join(root, "dist", "src", "cli", "main.js");
/** The legacy example's blocklist (ips 10.0.0.5; ports 23, 25; protocol ICMP) as a BPF filter. */
const BLOCK_BPF = "host 10.0.0.5 or port 23 or port 25 or icmp";
/** `pfw scan` writes its CSV and log here (removed at exit). */
const REPORTS = fs.mkdtempSync(path.join(os.tmpdir(), "pfw-bench-reports-"));
process.on("exit", () => fs.rmSync(REPORTS, { recursive: true, force: true }));

function gen(name: string, packets: number, flows?: number, payload?: { min: number; max: number }): string {
  const p = path.join(dir, name);
  if (!fs.existsSync(p)) {
    process.stdout.write(`generating ${p} (${packets} packets${flows ? `, ${flows} flows` : ""}) ... `);
    const t = Date.now();
    const tmp = `${p}.tmp-${process.pid}`;
    generateMixedCapture(tmp, packets, { ...(flows ? { flows } : {}), ...(payload ? { payload } : {}) });
    fs.renameSync(tmp, p); // an interrupted generation never leaves a short file that looks cached
    process.stdout.write(`${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  }
  return p;
}

/**
 * Run argv (no shell), stdout discarded, and return its wall-clock seconds from spawn to exit.
 * Throws when the exit status is not one of okStatus (or the process died of a signal / did not start).
 */
function timeRun(argv: string[], okStatus: readonly number[] = [0]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), {
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
    shell: false,
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.error || r.status === null || !okStatus.includes(r.status)) {
    const why = r.error ? r.error.message : r.status === null ? `signal ${r.signal}` : `exit ${r.status}`;
    throw new Error(`bench: ${argv.join(" ")} failed (${why}): ${(r.stderr ?? "").slice(-2000)}`);
  }
  return seconds;
}

/** Best (smallest) time of each run, the runs interleaved round by round. */
function bestInterleaved(rounds: number, runs: (() => number)[]): number[] {
  const best = runs.map(() => Infinity);
  for (let i = 0; i < rounds; i++) runs.forEach((run, k) => (best[k] = Math.min(best[k]!, run())));
  return best;
}

/** Node flags of the pfw command's shebang line (`#!/usr/bin/env -S node --flag ...`), so the benchmark runs
 *  pfw with the same V8 settings as a user's `pfw scan`. */
function cliNodeFlags(): string[] {
  const first = fs.readFileSync(MAIN, "utf8").split("\n", 1)[0] ?? "";
  const words = first
    .replace(/^#!\S*\s*/, "")
    .split(/\s+/)
    .filter(Boolean);
  const i = words.findIndex((w) => w === "node" || w.endsWith("/node"));
  return i < 0 ? [] : words.slice(i + 1).filter((w) => w.startsWith("--"));
}
const NODE_FLAGS = cliNodeFlags();

interface ChildResult {
  packets: number;
  /** Wall clock from spawn to exit, measured by this process. */
  seconds: number;
  /** In the child: from its process start to its exit handler. */
  childSeconds: number;
  maxRssMB: number;
}

/** bench/child.js (read+decode, or `pfw scan` instrumented for peak RSS); exit status checked. */
function child(args: string[], env: Record<string, string> = {}): ChildResult {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...NODE_FLAGS, path.join(here, "child.js"), ...args], {
    encoding: "utf8",
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...env },
    shell: false,
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const ok = args[0] === "scan" ? [0, 1] : [0];
  if (
    r.error ||
    r.status === null ||
    !ok.includes(r.status) ||
    (r.stderr ?? "").includes("exited with code 2")
  )
    throw new Error(
      `bench child ${args.join(" ")} failed (exit ${r.status}, ${r.signal ?? "no signal"}): ${r.stderr}`,
    );
  const line = (r.stderr ?? "").trim().split("\n").pop() ?? "";
  let j: { packets: number; seconds: number; maxRssMB: number };
  try {
    j = JSON.parse(line) as typeof j;
  } catch {
    throw new Error(`bench child failed: ${r.stderr}`);
  }
  return { packets: j.packets, seconds: wall, childSeconds: j.seconds, maxRssMB: j.maxRssMB };
}

/** Best (fastest) of n runs; peak RSS is the largest seen. */
function bestOf(n: number, run: () => ChildResult): ChildResult {
  const rs = Array.from({ length: n }, run);
  const best = rs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  return { ...best, maxRssMB: Math.max(...rs.map((r) => r.maxRssMB)) };
}

const has = (cmd: string): boolean =>
  spawnSync("sh", ["-c", 'command -v "$0"', cmd], { shell: false }).status === 0;
const fmt = (n: number): string =>
  Number.isNaN(n) ? "n/a" : n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`;
const count = (n: number): string =>
  n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n);
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : "n/a");
/** Steady-state packets/s from the time of an n-packet and of a 1-packet run (NaN when noise hides it). */
const steady = (n: number, tN: number, t1: number): number => (tN > t1 ? (n - 1) / (tN - t1) : NaN);
const load = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** `pfw scan FILE --rules legacy --out CSV --log LOG --no-progress` (the table goes to stdout, discarded). */
const scanArgs = (file: string, csv: string, log: string): string[] => [
  "scan",
  file,
  "--rules",
  LEGACY_RULES,
  "--out",
  csv,
  "--log",
  log,
  "--max-flows",
  "1000000",
  "--no-progress",
];
/** The command line a user runs: node + the shebang's flags + main.js + scan args; reports in REPORTS/tag.*. */
const scanCmd = (file: string, tag: string, extra: string[] = []): string[] => [
  process.execPath,
  ...NODE_FLAGS,
  MAIN,
  ...scanArgs(file, path.join(REPORTS, `${tag}.csv`), path.join(REPORTS, `${tag}.log`)),
  ...extra,
];
/** pfw scan exits 1 when something is flagged: success here. */
const SCAN_OK = [0, 1] as const;
/**
 * Time the user's `pfw scan` command line (scanCmd) on file. Exit status 0 or 1 is success (1 = something
 * flagged), but commander also exits 1 on a bad option, so the CSV report must also have been written.
 */
function timeScan(file: string, tag: string, extra: string[] = []): number {
  const csv = path.join(REPORTS, `${tag}.csv`);
  fs.rmSync(csv, { force: true });
  const argv = scanCmd(file, tag, extra);
  const s = timeRun(argv, SCAN_OK);
  if (!fs.existsSync(csv)) throw new Error(`bench: ${argv.join(" ")} wrote no CSV report ${csv}`);
  return s;
}
const tcpdumpCmd = (file: string): string[] => ["tcpdump", "-r", file, "-w", "/dev/null", BLOCK_BPF];

const hasTcpdump = has("tcpdump");
const scanHelp = spawnSync(process.execPath, [...NODE_FLAGS, MAIN, "scan", "--help"], {
  encoding: "utf8",
  shell: false,
});
const hasNoFastPath = (scanHelp.stdout ?? "").includes("--no-fast-path");

console.log(
  `bench at ${new Date().toISOString()}, ${os.cpus().length} cores, load average ${load()}, node ${process.version}`,
);

const mixed = gen(`mixed-${N}.pcap`, N);
const one = gen("mixed-1.pcap", 1);
const size = fs.statSync(mixed).size;
console.log(`\nfile: ${mixed} (${N} packets, ${(size / 1e6).toFixed(0)} MB)`);

// warm the page cache so every tool reads from memory
timeRun(["cat", mixed]);

const results: [string, number][] = [];

// 1. tcpdump with the blocklist filter and `pfw scan` (also --no-fast-path), on the N-packet file, interleaved
const [tcpdumpBest, scanBest, scanNfpBest] = bestInterleaved(RUNS, [
  () => (hasTcpdump ? timeRun(tcpdumpCmd(mixed)) : NaN),
  () => timeScan(mixed, "scan"),
  () => (hasNoFastPath ? timeScan(mixed, "scan-nfp", ["--no-fast-path"]) : NaN),
]) as [number, number, number];
let tcpdumpPps = NaN;
if (hasTcpdump) {
  tcpdumpPps = N / tcpdumpBest;
  console.log(
    `tcpdump -r FILE -w /dev/null '${BLOCK_BPF}': ${tcpdumpBest.toFixed(3)} s, ${fmt(tcpdumpPps)} packets/s`,
  );
} else console.log("tcpdump not installed: no comparison (apt-get install tcpdump)");

// 2. pfw read + decode (separate process, best of RUNS, wall clock including node's start-up)
const read = bestOf(RUNS, () => child(["read", mixed]));
const readBest = read.seconds;
const readPps = N / readBest;
console.log(
  `pfw read+decode: ${readBest.toFixed(3)} s, ${fmt(readPps)} packets/s (wall clock incl. start-up; node flags: ${NODE_FLAGS.join(" ") || "none"})`,
);
results.push(["read+decode", readPps]);

// 3. decoding alone: frames already in memory, decoded in a loop
{
  // Every frame copied (records are views valid only during the sink call) into one buffer, back to back,
  // as the reader hands them out: views into large chunks. Offsets in typed arrays, so the loop measures
  // the decoder, not loads from 100,000 scattered objects.
  const sample = gen("mixed-100000.pcap", 100_000);
  let total = 0;
  let count = 0;
  readCaptureFileSync(sample, (rec) => {
    total += rec.caplen;
    count++;
  });
  const all = new Uint8Array(total);
  const offs = new Int32Array(count);
  const ends = new Int32Array(count);
  const lts = new Int32Array(count);
  let at = 0;
  let k = 0;
  readCaptureFileSync(sample, (rec) => {
    all.set(rec.buf.subarray(rec.off, rec.off + rec.caplen), at);
    offs[k] = at;
    at += rec.caplen;
    ends[k] = at;
    lts[k++] = rec.linktype;
  });
  const frames = { length: count };
  const pkt = new DecodedPacket();
  let sink = 0;
  const loops = 20;
  for (let i = 0; i < count; i++) decodeFrame(pkt, all, offs[i]!, ends[i]!, lts[i]!); // warm-up
  const t = process.hrtime.bigint();
  for (let l = 0; l < loops; l++)
    for (let i = 0; i < count; i++) {
      decodeFrame(pkt, all, offs[i]!, ends[i]!, lts[i]!);
      sink += pkt.ipProto;
    }
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  const pps = (loops * frames.length) / s;
  console.log(`pfw decode only (frames in memory): ${fmt(pps)} packets/s${sink === 0 ? "" : ""}`);
  results.push(["decode only", pps]);
}

// 4. full pfw scan with the legacy rules (timed above as the user runs it; in-process time and peak RSS
//    from one more run of the same command line under bench/child.js)
const scanPps = N / scanBest;
const scanInstr = child(scanArgs(mixed, path.join(REPORTS, "scan-i.csv"), path.join(REPORTS, "scan-i.log")), {
  BENCH_PACKETS: String(N),
});
console.log(
  `pfw scan (decode+rules+flows+reports, legacy rules): ${scanBest.toFixed(3)} s, ${fmt(scanPps)} packets/s ` +
    `(wall clock incl. start-up, best of ${RUNS}), peak RSS ${scanInstr.maxRssMB.toFixed(0)} MB ` +
    `(instrumented run: ${scanInstr.seconds.toFixed(3)} s wall, ${scanInstr.childSeconds.toFixed(3)} s in the process)`,
);
let scanNfpPps = NaN;
if (hasNoFastPath) {
  scanNfpPps = N / scanNfpBest;
  const same = ["csv", "log"].every((ext) =>
    fs
      .readFileSync(path.join(REPORTS, `scan.${ext}`))
      .equals(fs.readFileSync(path.join(REPORTS, `scan-nfp.${ext}`))),
  );
  console.log(
    `pfw scan --no-fast-path: ${scanNfpBest.toFixed(3)} s, ${fmt(scanNfpPps)} packets/s; fast path gain ` +
      `${ratio(scanNfpBest, scanBest)} wall; CSV and log ${same ? "identical" : "DIFFER"} with and without it`,
  );
} else console.log("pfw scan --no-fast-path: skipped (`pfw scan --help` does not list --no-fast-path yet)");

// 4b. start-up: 1-packet capture of the same generator, same command lines; node -e 0 for reference
const [tcpdump1, scan1, node0] = bestInterleaved(RUNS_START, [
  () => (hasTcpdump ? timeRun(tcpdumpCmd(one)) : NaN),
  () => timeScan(one, "one"),
  () => timeRun([process.execPath, "-e", "0"]),
]) as [number, number, number];
console.log(
  `start-up (1-packet capture, best of ${RUNS_START}): tcpdump ${tcpdump1.toFixed(3)} s, pfw scan ${scan1.toFixed(3)} s, ` +
    `node -e 0 ${node0.toFixed(3)} s`,
);
const tcpdumpSteady = steady(N, tcpdumpBest, tcpdump1);
const scanSteady = steady(N, scanBest, scan1);
console.log(
  `steady-state (N - 1) / (t(N) - t(1)): tcpdump ${fmt(tcpdumpSteady)} packets/s, pfw scan ${fmt(scanSteady)} packets/s` +
    (hasNoFastPath ? `, pfw scan --no-fast-path ${fmt(steady(N, scanNfpBest, scan1))} packets/s` : ""),
);

// tshark, if installed, on the same file (one field, no dissection output)
let tsharkPps = NaN;
if (has("tshark") && process.env.PFW_BENCH_TSHARK !== "0") {
  const s = timeRun(["tshark", "-n", "-r", mixed, "-T", "fields", "-e", "ip.src"]);
  tsharkPps = N / s;
  console.log(`tshark -n -r FILE -T fields -e ip.src: ${s.toFixed(2)} s, ${fmt(tsharkPps)} packets/s`);
}

// 5. memory flat in file size: ~1.2 MB (10,000 packets) vs ~200 MB capture
const small = gen("mixed-10000.pcap", 10_000);
const bigN = Math.round((200e6 / size) * N);
const big = gen(`mixed-${bigN}.pcap`, bigN);
const rSmall = child(["read", small]);
const rBig = child(["read", big]);
console.log(
  `peak RSS read+decode: ${(fs.statSync(small).size / 1e6).toFixed(1)} MB capture -> ${rSmall.maxRssMB.toFixed(0)} MB; ` +
    `${(fs.statSync(big).size / 1e6).toFixed(0)} MB capture -> ${rBig.maxRssMB.toFixed(0)} MB`,
);

// 6. 1,000,000 flows
const flowsFile = gen("flows-1000000.pcap", 2_000_000, 1_000_000);
const rFlows = child(scanArgs(flowsFile, path.join(REPORTS, "flows.csv"), path.join(REPORTS, "flows.log")), {
  BENCH_PACKETS: "2000000",
});
console.log(
  `pfw scan of a 1,000,000-flow capture: ${rFlows.seconds.toFixed(2)} s, peak RSS ${rFlows.maxRssMB.toFixed(0)} MB (target < 200 MB)`,
);
// 6b. memory of every output to stdout on many flows (issue 11): --format json and csv with every flow
const fmtRss = (f: string): ChildResult =>
  child(
    [
      ...scanArgs(flowsFile, path.join(REPORTS, `f${f}.csv`), path.join(REPORTS, `f${f}.log`)),
      "--all-flows",
      "-f",
      f,
    ],
    {
      BENCH_PACKETS: "2000000",
    },
  );
const rJson = fmtRss("json");
const rCsv = fmtRss("csv");
console.log(
  `1,000,000 flows, --all-flows, document on stdout: -f json peak RSS ${rJson.maxRssMB.toFixed(0)} MB ` +
    `(${rJson.seconds.toFixed(2)} s), -f csv ${rCsv.maxRssMB.toFixed(0)} MB (${rCsv.seconds.toFixed(2)} s); ` +
    `json/csv ${(rJson.maxRssMB / rCsv.maxRssMB).toFixed(2)}x (bounded by --max-flows, not the flow count)`,
);

// 7. the same mix with MTU-size payloads (16-1400 bytes per flow): more bytes per packet, as on a real link
const largeFile = gen(`mixed-mtu-${N}.pcap`, N, undefined, { min: 16, max: 1400 });
const largeMB = fs.statSync(largeFile).size / 1e6;
timeRun(["cat", largeFile]);
const [tcpdumpLarge, scanLarge] = bestInterleaved(RUNS, [
  () => (hasTcpdump ? timeRun(tcpdumpCmd(largeFile)) : NaN),
  () => timeScan(largeFile, "mtu"),
]) as [number, number];
const tcpdumpLargePps = N / tcpdumpLarge;
const scanLargePps = N / scanLarge;
console.log(
  `MTU-size payload file (${largeMB.toFixed(0)} MB): tcpdump filter run ${fmt(tcpdumpLargePps)} packets/s, ` +
    `pfw scan ${fmt(scanLargePps)} packets/s (${scanLarge.toFixed(3)} s)`,
);

// 8. 10,000,000 packets of the same mix: start-up amortised
let tcpdumpBigPps = NaN;
let scanBigPps = NaN;
let bigSkip = "";
{
  const name = `mixed-${BIG_N}.pcap`;
  const cached = fs.existsSync(path.join(dir, name));
  const st = fs.statfsSync(dir);
  const free = st.bavail * st.bsize;
  if (process.env.PFW_BENCH_BIG === "0") bigSkip = "PFW_BENCH_BIG=0";
  else if (free < BIG_MIN_FREE)
    bigSkip = `only ${(free / 1e9).toFixed(1)} GB free in ${dir}, ${BIG_MIN_FREE / 1e9} GB needed${cached ? " (capture cached; reports need room too)" : ""}`;
  if (bigSkip) console.log(`${count(BIG_N)}-packet capture: skipped (${bigSkip})`);
  else {
    const bigFile = gen(name, BIG_N);
    timeRun(["cat", bigFile]);
    const [tcpdumpBig, scanBig] = bestInterleaved(RUNS, [
      () => (hasTcpdump ? timeRun(tcpdumpCmd(bigFile)) : NaN),
      () => timeScan(bigFile, "big"),
    ]) as [number, number];
    fs.rmSync(path.join(REPORTS, "big.log"), { force: true });
    tcpdumpBigPps = BIG_N / tcpdumpBig;
    scanBigPps = BIG_N / scanBig;
    console.log(
      `${count(BIG_N)}-packet file (${(fs.statSync(bigFile).size / 1e6).toFixed(0)} MB): tcpdump filter run ` +
        `${tcpdumpBig.toFixed(3)} s, ${fmt(tcpdumpBigPps)} packets/s; pfw scan ${scanBig.toFixed(3)} s, ` +
        `${fmt(scanBigPps)} packets/s; steady-state from it: tcpdump ${fmt(steady(BIG_N, tcpdumpBig, tcpdump1))}, ` +
        `pfw scan ${fmt(steady(BIG_N, scanBig, scan1))} packets/s`,
    );
  }
}

console.log("\nratios (higher is better for pfw):");
if (!Number.isNaN(tcpdumpPps)) {
  console.log(`  pfw read+decode / tcpdump filter run: ${(readPps / tcpdumpPps).toFixed(2)}x`);
  console.log(`  pfw scan        / tcpdump filter run: ${(scanPps / tcpdumpPps).toFixed(2)}x`);
  console.log(
    `  pfw scan        / tcpdump filter run, MTU-size payload file: ${(scanLargePps / tcpdumpLargePps).toFixed(2)}x`,
  );
}
if (!Number.isNaN(tsharkPps))
  console.log(`  pfw scan        / tshark fields run:  ${(scanPps / tsharkPps).toFixed(2)}x`);
console.log(
  `  decode-only target 10 M/s: ${results[1]![1] >= 10e6 ? "met" : "NOT met"} (${fmt(results[1]![1])}/s)`,
);

console.log(
  `\nsummary: pfw scan vs tcpdump '${BLOCK_BPF}' (ratio > 1 means pfw faster; load average now ${load()}):`,
);
if (!hasTcpdump) console.log("  tcpdump not installed: no comparison");
console.log(
  `  scan vs tcpdump, ${count(N)} wall: ${ratio(scanPps, tcpdumpPps)} ` +
    `(pfw ${fmt(scanPps)} packets/s, tcpdump ${fmt(tcpdumpPps)} packets/s; start-up incl.)`,
);
console.log(
  `  scan vs tcpdump, steady-state: ${ratio(scanSteady, tcpdumpSteady)} ` +
    `(pfw ${fmt(scanSteady)} packets/s, tcpdump ${fmt(tcpdumpSteady)} packets/s; start-up pfw ` +
    `${scan1.toFixed(3)} s, tcpdump ${tcpdump1.toFixed(3)} s, node -e 0 ${node0.toFixed(3)} s)`,
);
console.log(
  bigSkip
    ? `  scan vs tcpdump, ${count(BIG_N)} wall: skipped (${bigSkip})`
    : `  scan vs tcpdump, ${count(BIG_N)} wall: ${ratio(scanBigPps, tcpdumpBigPps)} ` +
        `(pfw ${fmt(scanBigPps)} packets/s, tcpdump ${fmt(tcpdumpBigPps)} packets/s)`,
);
console.log(
  hasNoFastPath
    ? `  scan fast path vs --no-fast-path, ${count(N)} wall: ${ratio(scanPps, scanNfpPps)} ` +
        `(--no-fast-path ${fmt(scanNfpPps)} packets/s)`
    : "  scan fast path vs --no-fast-path: skipped (no --no-fast-path in `pfw scan --help` yet)",
);
