/**
 * Test helpers for src/capture: a record collector that copies the reused record, and corpus
 * location/walking. The pcap / pcapng byte builders are in test/support/packet.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseCaptureBuffer, type ReadResult } from "../../src/capture/reader.js";
import type { CaptureRecord } from "../../src/capture/types.js";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CORPUS = process.env.PFW_CORPUS ?? path.resolve(REPO, "../shared/corpus");
export const FIXTURES = path.join(REPO, "fixtures");

/**
 * Every file under the corpus (recursively), except the truth folders (truth/, truth-dpi/, ...) and the
 * top-level docs. Files of case folders (suricata-verify/) are included: they must be read without a
 * thrown exception too, whatever they hold.
 */
export function walkCorpus(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      const rel = path.relative(CORPUS, abs);
      if (e.isDirectory()) {
        if (!(dir === CORPUS && /^truth($|-)/.test(e.name))) walk(abs);
      } else if (rel !== "README.md" && rel !== "MANIFEST.tsv") out.push(rel);
    }
  };
  walk(CORPUS);
  return out.sort();
}

/** A plain copy of one delivered record. */
export interface Rec {
  data: string; // hex of the captured bytes
  caplen: number;
  origLen: number;
  tsSec: number;
  tsNsec: number;
  hasTs: boolean;
  linktype: number;
  ifIndex: number;
  frame: number;
  fileOffset: number;
}

/** Copy a reused record. */
export function copyRec(r: CaptureRecord): Rec {
  return {
    data: Buffer.from(r.buf.buffer, r.buf.byteOffset + r.off, r.caplen).toString("hex"),
    caplen: r.caplen,
    origLen: r.origLen,
    tsSec: r.tsSec,
    tsNsec: r.tsNsec,
    hasTs: r.hasTs,
    linktype: r.linktype,
    ifIndex: r.ifIndex,
    frame: r.frame,
    fileOffset: r.fileOffset,
  };
}

/** Parse bytes (optionally in chunks) and collect copies of every record. */
export function collect(data: Uint8Array, chunkSize?: number): { recs: Rec[]; res: ReadResult } {
  const recs: Rec[] = [];
  const opts: { fileName: string; chunkSize?: number } = { fileName: "test.cap" };
  if (chunkSize !== undefined) opts.chunkSize = chunkSize;
  const res = parseCaptureBuffer(data, (r) => recs.push(copyRec(r)), opts);
  return { recs, res };
}
