/**
 * `npm run bench`: pfw against tcpdump (and tshark when installed) on the same files, in the same run.
 *  1. read+decode throughput on a generated 1,000,000-packet mixed capture, next to
 *     `tcpdump -r FILE -w /dev/null FILTER` with the legacy blocklist as the BPF filter;
 *  2. decoding alone (frames already in memory);
 *  3. full `pfw scan` (decode + rules + flows + reports) on the same file, as a ratio to that tcpdump run;
 *     run as the user runs it: dist/src/cli/main.js with the node flags of its shebang line;
 *  4. peak RSS of read+decode for a ~1.2 MB (10,000-packet) and a ~200 MB capture (memory flat in file size);
 *  5. peak RSS of `pfw scan` on a 1,000,000-flow capture (target < 200 MB);
 *  6. tcpdump and `pfw scan` on the same mix with MTU-size payloads (more bytes per packet).
 * Files are generated once into $PFW_BENCH_DIR (default /tmp/pfw-bench) and reused.
 * Times of separate processes (tcpdump, pfw read+decode, pfw scan) are wall-clock times measured here, from
 * spawn to exit, so start-up counts for every tool alike; each is the best of 3 runs.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readCaptureFileSync } from "../src/capture/reader.js";
import { generateMixedCapture } from "../src/capture/synth.js";
import { decodeFrame } from "../src/decode/frame.js";
import { DecodedPacket } from "../src/decode/packet.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const dir = process.env.PFW_BENCH_DIR ?? path.join(os.tmpdir(), "pfw-bench");
fs.mkdirSync(dir, { recursive: true });
const N = Number(process.env.PFW_BENCH_PACKETS ?? 1_000_000);
const LEGACY_RULES = path.join(root, "rules", "legacy-example.json");
/** The legacy example's blocklist (ips 10.0.0.5; ports 23, 25; protocol ICMP) as a BPF filter. */
const BLOCK_BPF = "host 10.0.0.5 or port 23 or port 25 or icmp";

function gen(name: string, packets: number, flows?: number, payload?: { min: number; max: number }): string {
  const p = path.join(dir, name);
  if (!fs.existsSync(p)) {
    process.stdout.write(`generating ${p} (${packets} packets${flows ? `, ${flows} flows` : ""}) ... `);
    const t = Date.now();
    generateMixedCapture(p, packets, { ...(flows ? { flows } : {}), ...(payload ? { payload } : {}) });
    process.stdout.write(`${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  }
  return p;
}

function timeCmd(argv: string[]): { seconds: number; ok: boolean; stderr: string } {
  const t = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, ok: r.status === 0, stderr: r.stderr ?? "" };
}

/** Node flags of the pfw command's shebang line (`#!/usr/bin/env -S node --flag ...`), so the benchmark runs
 *  pfw with the same V8 settings as a user's `pfw scan`. */
function cliNodeFlags(): string[] {
  const first =
    fs.readFileSync(path.join(root, "dist", "src", "cli", "main.js"), "utf8").split("\n", 1)[0] ?? "";
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

function child(args: string[], env: Record<string, string> = {}): ChildResult {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...NODE_FLAGS, path.join(here, "child.js"), ...args], {
    encoding: "utf8",
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...env },
  });
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const line = (r.stderr ?? "").trim().split("\n").pop() ?? "";
  let j: { packets: number; seconds: number; maxRssMB: number };
  try {
    j = JSON.parse(line) as typeof j;
  } catch {
    throw new Error(`bench child failed: ${r.stderr}`);
  }
  if ((r.stderr ?? "").includes("exited with code 2"))
    throw new Error(`bench child: pfw failed: ${r.stderr}`);
  return { packets: j.packets, seconds: wall, childSeconds: j.seconds, maxRssMB: j.maxRssMB };
}

/** Best (fastest) of n runs; peak RSS is the largest seen. */
function bestOf(n: number, run: () => ChildResult): ChildResult {
  const rs = Array.from({ length: n }, run);
  const best = rs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  return { ...best, maxRssMB: Math.max(...rs.map((r) => r.maxRssMB)) };
}

const has = (cmd: string): boolean => spawnSync("sh", ["-c", 'command -v "$0"', cmd]).status === 0;
const fmt = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`);

const mixed = gen(`mixed-${N}.pcap`, N);
const size = fs.statSync(mixed).size;
console.log(`\nfile: ${mixed} (${N} packets, ${(size / 1e6).toFixed(0)} MB)`);

// warm the page cache so every tool reads from memory
timeCmd(["cat", mixed]);

const results: [string, number][] = [];

// 1. tcpdump with the blocklist filter
let tcpdumpPps = NaN;
if (has("tcpdump")) {
  const best = Math.min(
    ...[0, 1, 2].map(() => timeCmd(["tcpdump", "-r", mixed, "-w", "/dev/null", BLOCK_BPF]).seconds),
  );
  tcpdumpPps = N / best;
  console.log(
    `tcpdump -r FILE -w /dev/null '${BLOCK_BPF}': ${best.toFixed(3)} s, ${fmt(tcpdumpPps)} packets/s`,
  );
} else console.log("tcpdump not installed: no comparison (apt-get install tcpdump)");

// 2. pfw read + decode (separate process, best of 3, wall clock including node's start-up)
const read = bestOf(3, () => child(["read", mixed]));
const readBest = read.seconds;
const readPps = N / readBest;
console.log(
  `pfw read+decode: ${readBest.toFixed(3)} s, ${fmt(readPps)} packets/s (wall clock incl. start-up; node flags: ${NODE_FLAGS.join(" ") || "none"})`,
);
results.push(["read+decode", readPps]);

// 3. decoding alone: frames already in memory, decoded in a loop
{
  const frames: { buf: Uint8Array; off: number; len: number; lt: number }[] = [];
  const sample = gen("mixed-100000.pcap", 100_000);
  readCaptureFileSync(sample, (rec) => {
    frames.push({
      buf: rec.buf.slice(rec.off, rec.off + rec.caplen),
      off: 0,
      len: rec.caplen,
      lt: rec.linktype,
    });
  });
  const pkt = new DecodedPacket();
  let sink = 0;
  const loops = 20;
  for (const f of frames) decodeFrame(pkt, f.buf, 0, f.len, f.lt); // warm-up
  const t = process.hrtime.bigint();
  for (let l = 0; l < loops; l++)
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      decodeFrame(pkt, f.buf, 0, f.len, f.lt);
      sink += pkt.ipProto;
    }
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  const pps = (loops * frames.length) / s;
  console.log(`pfw decode only (frames in memory): ${fmt(pps)} packets/s${sink === 0 ? "" : ""}`);
  results.push(["decode only", pps]);
}

// 4. full pfw scan with the legacy rules
const out = path.join(dir, "scan-report.csv");
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
const scan = bestOf(3, () =>
  child(scanArgs(mixed, out, path.join(dir, "scan.log")), { BENCH_PACKETS: String(N) }),
);
const scanBest = scan.seconds;
const scanPps = N / scanBest;
console.log(
  `pfw scan (decode+rules+flows+reports, legacy rules): ${scanBest.toFixed(3)} s, ${fmt(scanPps)} packets/s ` +
    `(wall clock incl. start-up; ${scan.childSeconds.toFixed(3)} s in the process), peak RSS ${scan.maxRssMB.toFixed(0)} MB`,
);

// tshark, if installed, on the same file (one field, no dissection output)
let tsharkPps = NaN;
if (has("tshark") && process.env.PFW_BENCH_TSHARK !== "0") {
  const r = timeCmd(["tshark", "-n", "-r", mixed, "-T", "fields", "-e", "ip.src"]);
  tsharkPps = N / r.seconds;
  console.log(
    `tshark -n -r FILE -T fields -e ip.src: ${r.seconds.toFixed(2)} s, ${fmt(tsharkPps)} packets/s`,
  );
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
const rFlows = child(scanArgs(flowsFile, path.join(dir, "flows.csv"), path.join(dir, "flows.log")), {
  BENCH_PACKETS: "2000000",
});
console.log(
  `pfw scan of a 1,000,000-flow capture: ${rFlows.seconds.toFixed(2)} s, peak RSS ${rFlows.maxRssMB.toFixed(0)} MB (target < 200 MB)`,
);

// 7. the same mix with MTU-size payloads (16-1400 bytes per flow): more bytes per packet, as on a real link
const largeFile = gen(`mixed-mtu-${N}.pcap`, N, undefined, { min: 16, max: 1400 });
const largeMB = fs.statSync(largeFile).size / 1e6;
timeCmd(["cat", largeFile]);
let tcpdumpLargePps = NaN;
if (has("tcpdump")) {
  const best = Math.min(
    ...[0, 1, 2].map(() => timeCmd(["tcpdump", "-r", largeFile, "-w", "/dev/null", BLOCK_BPF]).seconds),
  );
  tcpdumpLargePps = N / best;
}
const scanLarge = bestOf(3, () =>
  child(scanArgs(largeFile, path.join(dir, "mtu.csv"), path.join(dir, "mtu.log")), {
    BENCH_PACKETS: String(N),
  }),
);
const scanLargePps = N / scanLarge.seconds;
console.log(
  `MTU-size payload file (${largeMB.toFixed(0)} MB): tcpdump filter run ${fmt(tcpdumpLargePps)} packets/s, ` +
    `pfw scan ${fmt(scanLargePps)} packets/s (${scanLarge.seconds.toFixed(3)} s)`,
);

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
