/**
 * Benchmark worker, run as a separate process so each measurement has its own peak RSS:
 *   node dist/bench/child.js read FILE          read + decode every record
 *   node dist/bench/child.js scan ARGS...       the real `pfw scan ARGS...` command line (dist/src/cli/main.js
 *                                               with these arguments; stdout is the table, as a user sees it)
 * At exit prints one JSON line on stderr: {"packets", "seconds", "maxRssMB"}; seconds count from process
 * start (node's own start-up included), like the parent's wall clock, which the benchmark reports.
 * The process exits with the command's own status (scan: 0 nothing flagged, 1 flagged, 2 error), which the
 * parent checks. bench/run.ts times `pfw scan` by spawning dist/src/cli/main.js itself (exactly the user's
 * command line); this wrapper serves only for peak RSS and in-process time.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

const [mode, ...rest] = process.argv.slice(2);
if (!mode || !rest[0]) throw new Error("usage: child.js read FILE | scan SCAN-ARGS...");

const report = (packets: number): void => {
  const seconds = performance.now() / 1000; // since the process started (performance.timeOrigin)
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stderr.write("\n" + JSON.stringify({ packets, seconds, maxRssMB }) + "\n");
};

if (mode === "read") {
  const { readCaptureFile } = await import("../src/capture/reader.js");
  const { decodeFrame } = await import("../src/decode/frame.js");
  const { DecodedPacket } = await import("../src/decode/packet.js");
  const pkt = new DecodedPacket();
  let sink = 0;
  const res = await readCaptureFile(rest[0], (rec) => {
    decodeFrame(pkt, rec.buf, rec.off, rec.off + rec.caplen, rec.linktype);
    sink += pkt.srcPort;
  });
  if (sink === 42) console.error("");
  report(res.packets);
} else if (mode === "scan") {
  // Exactly what `pfw scan ...` runs: the CLI entry with these arguments.
  const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/cli/main.js");
  process.argv = [process.argv[0]!, main, "scan", ...rest];
  process.on("exit", (code) => {
    if (code === 2 || process.exitCode === 2) process.stderr.write("bench child: scan exited with code 2\n");
    report(Number(process.env.BENCH_PACKETS ?? 0));
  });
  await import("../src/cli/main.js");
} else throw new Error(`unknown mode ${mode}`);
