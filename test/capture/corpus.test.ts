/**
 * Every file of ../shared/corpus (recursively, except the truth folders) is read without a thrown exception;
 * every capture MANIFEST.tsv lists has a tshark truth file, and for files tshark read fully (no
 * <file>.tshark.stderr.txt) the frame count and each frame's time, length and captured length equal
 * truth/<file>.tshark.csv. Known differences are listed explicitly with the reason.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readCaptureFile } from "../../src/capture/reader.js";
import { corpusEntries } from "../helpers/corpus.js";
import { CORPUS, walkCorpus } from "./helpers.js";

/** Truth rows that are pcapng custom blocks, which tshark numbers as frames (MANIFEST notes); we skip them. */
const CUSTOM_BLOCK_ROWS: Record<string, number[]> = {
  "formats/pcapng-test-generator/le/test018.pcapng": [1, 4, 6, 8],
  "formats/pcapng-test-generator/le/test102.pcapng": [1, 3, 8],
  "formats/pcapng-test-generator/be/test202.pcapng": [1, 7, 10],
};
/** Truth rows whose time we deliberately print differently. */
const TIME_DIFFERENCES: Record<string, Record<number, string>> = {
  "bad/timestamp_invalid_nano.pcap": {
    2: "fraction 1000000000 ns: tshark prints 1418145370.1000000000, we normalise to 1418145371.000000000",
    3: "fraction 2147483648 ns: tshark prints a negative time, we normalise to +2.147483648 s",
  },
};
/** Files tshark could not read fully, where its truth rows are not all real frames. */
const PARTIAL_TRUTH_ARTIFACTS: Record<string, Record<number, string>> = {
  "bad/suricata-bug-6875-01-fuzz.pcap": {
    2: "tshark's pcap-variant heuristics reinterpret garbage as a frame; we stop with RECORD_TOO_LARGE",
  },
};

function truthRows(rel: string): string[][] {
  const text = fs.readFileSync(path.join(CORPUS, "truth", `${rel}.tshark.csv`), "utf8");
  return text
    .split("\n")
    .filter((l) => l.length > 0)
    .slice(1)
    .map((l) => l.split(","));
}

const fmtTs = (sec: number, ns: number): string => `${sec}.${String(ns).padStart(9, "0")}`;

describe("corpus", () => {
  it("every file is read without a thrown exception; frames match the tshark truth", async () => {
    const files = walkCorpus();
    expect(files.length).toBeGreaterThanOrEqual(80);
    const listed = new Set(corpusEntries().map((e) => e.rel));
    const problems: string[] = [];
    let compared = 0;
    for (const rel of files) {
      const file = path.join(CORPUS, rel);
      const ours: [string, number, number][] = [];
      const res = await readCaptureFile(file, (r) => {
        ours.push([r.hasTs ? fmtTs(r.tsSec, r.tsNsec) : "", r.origLen, r.caplen]);
      });
      const truthFile = path.join(CORPUS, "truth", `${rel}.tshark.csv`);
      if (!fs.existsSync(truthFile)) {
        // files of case folders (suricata-verify/: rules, expected counts, their pcaps) have no tshark truth
        if (listed.has(rel)) problems.push(`${rel}: no truth file`);
        continue;
      }
      const partial = fs.existsSync(path.join(CORPUS, "truth", `${rel}.tshark.stderr.txt`));
      const custom = new Set(CUSTOM_BLOCK_ROWS[rel] ?? []);
      const timeDiff = TIME_DIFFERENCES[rel] ?? {};
      const artifacts = PARTIAL_TRUTH_ARTIFACTS[rel] ?? {};
      const rows = truthRows(rel).filter((r) => !custom.has(Number(r[0])));
      if (!partial) {
        if (res.error) problems.push(`${rel}: tshark read it fully but we report ${res.error.message}`);
        if (ours.length !== rows.length) {
          problems.push(
            `${rel}: ${ours.length} frames, truth has ${rows.length} (+${custom.size} custom-block rows)`,
          );
        }
      } else if (res.error === undefined && ours.length < rows.length) {
        problems.push(
          `${rel}: tshark failed after ${rows.length} frames, we read ${ours.length} without error`,
        );
      }
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        const n = Number(row[0]);
        if (n in artifacts) {
          if (ours[i] !== undefined)
            problems.push(`${rel} row ${n}: listed as a truth artifact but we read a frame`);
          continue;
        }
        const o = ours[i];
        if (!o) {
          if (!partial) problems.push(`${rel} row ${n}: missing`);
          continue;
        }
        const [ts, len, caplen] = [row[1] ?? "", Number(row[2]), Number(row[3])];
        if (n in timeDiff) {
          if (o[0] === ts) problems.push(`${rel} row ${n}: listed time difference no longer differs`);
        } else if (o[0] !== ts) problems.push(`${rel} row ${n}: time ${o[0]} != ${ts}`);
        if (o[1] !== len || o[2] !== caplen)
          problems.push(`${rel} row ${n}: len/caplen ${o[1]}/${o[2]} != ${len}/${caplen}`);
        compared++;
      }
    }
    expect(problems, problems.slice(0, 40).join("\n")).toEqual([]);
    expect(compared).toBeGreaterThan(160000);
  });
});
