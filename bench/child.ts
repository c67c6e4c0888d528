/**
 * Benchmark worker, run as a separate process so each measurement has its own peak RSS:
 *   node dist/bench/child.js read FILE      read + decode every record
 *   node dist/bench/child.js scan FILE ARGS full `pfw scan` (decode + rules + flows + reports)
 * Prints one JSON line: {"packets", "seconds", "maxRssMB"}.
 */
import { readCaptureFile } from "../src/capture/reader.js";
import { decodeFrame } from "../src/decode/frame.js";
import { DecodedPacket } from "../src/decode/packet.js";

const [mode, file, ...rest] = process.argv.slice(2);
if (!mode || !file) throw new Error("usage: child.js read|scan FILE [scan args]");

const t0 = process.hrtime.bigint();
let packets = 0;
if (mode === "read") {
  const pkt = new DecodedPacket();
  let sink = 0;
  const res = await readCaptureFile(file, (rec) => {
    decodeFrame(pkt, rec.buf, rec.off, rec.off + rec.caplen, rec.linktype);
    sink += pkt.srcPort;
  });
  packets = res.packets;
  if (sink === 42) console.error("");
} else {
  const { runScanCli } = await import("../src/engine/scan.js");
  const code = await runScanCli([file], {
    rules: rest[0],
    format: "table",
    out: rest[1],
    log: rest[2],
    maxFlows: rest[3] ?? "1000000",
    progress: false,
  });
  packets = Number(process.env.BENCH_PACKETS ?? 0);
  if (code === 2) throw new Error("scan failed");
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const maxRssMB = process.resourceUsage().maxRSS / 1024;
process.stderr.write(JSON.stringify({ packets, seconds, maxRssMB }) + "\n");
