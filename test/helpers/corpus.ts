/** Locating ../shared/corpus and reading its MANIFEST and tshark truth files (tests only). */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CORPUS = process.env.PFW_CORPUS ?? path.resolve(REPO_ROOT, "../shared/corpus");

export interface CorpusEntry {
  /** Path relative to the corpus root, e.g. "traffic/VlanPackets.pcap". */
  rel: string;
  abs: string;
  notes: string;
  /** Truth rows (1-based) that tshark numbers as frames but are pcapng custom/non-packet blocks. */
  nonPacketRows: Set<number>;
  /** tshark could not read the file to the end (a .tshark.stderr.txt exists). */
  tsharkError: boolean;
}

/** Every capture listed in MANIFEST.tsv. */
export function corpusEntries(): CorpusEntry[] {
  const manifest = fs.readFileSync(path.join(CORPUS, "MANIFEST.tsv"), "utf8").split("\n");
  const header = (manifest[0] ?? "").split("\t");
  const fileCol = header.indexOf("file");
  const notesCol = header.indexOf("notes");
  const out: CorpusEntry[] = [];
  for (const line of manifest.slice(1)) {
    if (!line.trim()) continue;
    const cols = line.split("\t");
    const rel = cols[fileCol] ?? "";
    const notes = cols[notesCol] ?? "";
    const nonPacketRows = new Set<number>();
    const m = /truth rows ([\d,]+) are pcapng custom\/non-packet blocks/.exec(notes);
    if (m?.[1]) for (const n of m[1].split(",")) nonPacketRows.add(Number(n));
    out.push({
      rel,
      abs: path.join(CORPUS, rel),
      notes,
      nonPacketRows,
      tsharkError: fs.existsSync(path.join(CORPUS, "truth", `${rel}.tshark.stderr.txt`)),
    });
  }
  return out;
}

/** Truth rows of a capture as objects keyed by tshark field name. */
export function readTruth(rel: string): Record<string, string>[] {
  const text = fs.readFileSync(path.join(CORPUS, "truth", `${rel}.tshark.csv`), "utf8");
  const lines = text.split("\n").filter((l) => l.length > 0);
  const head = (lines[0] ?? "").split(",");
  return lines.slice(1).map((l) => {
    const cells = l.split(",");
    const row: Record<string, string> = {};
    head.forEach((h, i) => (row[h] = cells[i] ?? ""));
    return row;
  });
}
