/**
 * Independent reference: every classic pcap of ../shared/corpus (found by magic, not name) is read with the
 * npm package pcap-parser (which the user named) and with our reader; the records must be identical
 * (timestamps, lengths, bytes). pcap-parser only understands the microsecond magic; every file it cannot
 * read, and every file where it legitimately differs, is listed below with the reason.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readCaptureFile } from "../../src/capture/reader.js";
import { CORPUS, walkCorpus } from "./helpers.js";

interface PpPacket {
  header: {
    timestampSeconds: number;
    timestampMicroseconds: number;
    capturedLength: number;
    originalLength: number;
  };
  data: Buffer;
}
interface PpParser {
  on(ev: "packet", f: (p: PpPacket) => void): void;
  on(ev: "error", f: (e: Error) => void): void;
  on(ev: "end", f: () => void): void;
}
const require = createRequire(import.meta.url);
const pcapp = require("pcap-parser") as { parse(file: string): PpParser };

/** Classic pcap files pcap-parser cannot read at all, with the reason. */
const PCAP_PARSER_CANNOT: Record<string, string> = {
  "formats/pcap-be-nsec_http.pcap": "nanosecond magic a1b23c4d (pcap-parser knows only a1b2c3d4)",
  "formats/dhcp-nanosecond.pcap": "nanosecond magic a1b23c4d",
  "linktypes/tcp-handshake-nano.pcap": "nanosecond magic a1b23c4d",
  "bad/timestamp_invalid_nano.pcap": "nanosecond magic a1b23c4d",
  "formats/modified-format.pcap": "Kuznetzov 'modified' magic a1b2cd34 (24-byte record headers)",
};
/** Files both read, where pcap-parser's records legitimately differ from ours. */
const EXPECTED_DIFFERENCE: Record<string, string> = {
  "bad/pcap-invalid-version-1.pcap":
    "version 1.4: pcap-parser's check (major != 2 && minor != 4) lets it through and it yields 1 record; " +
    "we refuse major version 1 like libpcap and tshark (BAD_VERSION, 0 records)",
};

const CLASSIC_MAGICS = new Set(["a1b2c3d4", "d4c3b2a1", "a1b23c4d", "4d3cb2a1", "a1b2cd34", "34cdb2a1"]);

function viaPcapParser(file: string): Promise<{ recs: string[]; error?: string }> {
  return new Promise((resolve) => {
    const recs: string[] = [];
    let error: string | undefined;
    const p = pcapp.parse(file);
    p.on("packet", (pk) => {
      const h = pk.header;
      const us = h.timestampSeconds * 1e6 + h.timestampMicroseconds;
      recs.push(`${us} ${h.capturedLength} ${h.originalLength} ${pk.data.toString("hex")}`);
    });
    p.on("error", (e) => (error = e.message));
    p.on("end", () => resolve(error === undefined ? { recs } : { recs, error }));
  });
}

async function viaOurs(file: string): Promise<string[]> {
  const recs: string[] = [];
  await readCaptureFile(file, (r) => {
    const us = r.tsSec * 1e6 + Math.floor(r.tsNsec / 1000);
    const data = Buffer.from(r.buf.buffer, r.buf.byteOffset + r.off, r.caplen).toString("hex");
    recs.push(`${us} ${r.caplen} ${r.origLen} ${data}`);
  });
  return recs;
}

describe("pcap-parser reference", () => {
  it("every classic pcap in the corpus: identical records, or listed with the reason", async () => {
    process.noDeprecation = true; // pcap-parser uses new Buffer() (DEP0005)
    const classic = walkCorpus().filter((rel) => {
      const head = Buffer.alloc(4);
      const fd = fs.openSync(path.join(CORPUS, rel), "r");
      const n = fs.readSync(fd, head, 0, 4, 0);
      fs.closeSync(fd);
      return n === 4 && CLASSIC_MAGICS.has(head.toString("hex"));
    });
    expect(classic.length).toBeGreaterThan(40);
    const cannot: string[] = [];
    const differ: string[] = [];
    let compared = 0;
    let records = 0;
    for (const rel of classic) {
      const file = path.join(CORPUS, rel);
      const ref = await viaPcapParser(file);
      if (ref.error) {
        expect(ref.error, rel).toMatch(/unknown magic number/);
        cannot.push(rel);
        continue;
      }
      const ours = await viaOurs(file);
      if (rel in EXPECTED_DIFFERENCE) {
        expect(ours, rel).not.toEqual(ref.recs);
        differ.push(rel);
        continue;
      }
      expect(ours.length, rel).toBe(ref.recs.length);
      for (let i = 0; i < ours.length; i++) {
        if (ours[i] !== ref.recs[i])
          expect(`${rel} record ${i + 1}: ${ours[i]}`).toBe(`${rel} record ${i + 1}: ${ref.recs[i]}`);
      }
      compared++;
      records += ours.length;
    }
    expect(cannot.sort()).toEqual(Object.keys(PCAP_PARSER_CANNOT).sort());
    expect(differ.sort()).toEqual(Object.keys(EXPECTED_DIFFERENCE).sort());
    expect(compared + cannot.length + differ.length).toBe(classic.length);
    expect(records).toBeGreaterThan(150000);
  });
});
