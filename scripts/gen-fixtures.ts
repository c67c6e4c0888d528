/**
 * Regenerates fixtures/ (run: `npm run fixtures`). Deterministic: the same bytes on every run.
 * Writes: example.pcap (usec), example.pcapng, example.pcap.gz, truncated.pcap, bad-magic.pcap.
 * The repository root is found from this file's location (scripts/ or dist/scripts/), not from the cwd.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as zlib from "node:zlib";
import { PcapngWriter, PcapWriter } from "../src/capture/writer.js";
import { buildExampleTrace } from "./example-trace.js";

/** Repository root: parent of scripts/, or of dist/scripts/ when run compiled. */
export function repoRoot(): string {
  let root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  if (path.basename(root) === "dist") root = path.dirname(root);
  return root;
}

/** Write every fixture into dir; returns the file names written. */
export function generateFixtures(dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const frames = buildExampleTrace();
  const pcapPath = path.join(dir, "example.pcap");
  const w = new PcapWriter(pcapPath, { linktype: 1, nanosecond: false, snaplen: 65535 });
  const ng = new PcapngWriter(path.join(dir, "example.pcapng"), { linktype: 1, snaplen: 65535 });
  for (const f of frames) {
    w.writeRecord(f.data, 0, f.data.length, f.data.length, f.tsSec, f.tsNsec);
    ng.writeRecord(f.data, 0, f.data.length, f.data.length, f.tsSec, f.tsNsec);
  }
  w.close();
  ng.close();
  const pcap = fs.readFileSync(pcapPath);
  // gzip header has mtime 0 and no name: deterministic
  fs.writeFileSync(path.join(dir, "example.pcap.gz"), zlib.gzipSync(pcap, { level: 9 }));
  // truncated: header + 5 whole records + half of the 6th record
  let off = 24;
  for (let i = 0; i < 5; i++) off += 16 + pcap.readUInt32LE(off + 8);
  const sixth = 16 + pcap.readUInt32LE(off + 8);
  fs.writeFileSync(path.join(dir, "truncated.pcap"), pcap.subarray(0, off + Math.floor(sixth / 2)));
  fs.writeFileSync(
    path.join(dir, "bad-magic.pcap"),
    Buffer.from("This is a text file that was saved as .pcap by mistake.\n", "latin1"),
  );
  return ["example.pcap", "example.pcapng", "example.pcap.gz", "truncated.pcap", "bad-magic.pcap"];
}

const invoked =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  const dir = path.join(repoRoot(), "fixtures");
  for (const name of generateFixtures(dir)) {
    console.log(`${path.join("fixtures", name)}  ${fs.statSync(path.join(dir, name)).size} bytes`);
  }
}
