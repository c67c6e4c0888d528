/** Helpers of the legacy-equivalence test: run the Python reference and pfw's scan pipeline per frame. */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { readCaptureFileSync } from "../../src/capture/reader.js";
import { decodeFrame } from "../../src/decode/frame.js";
import { DecodedPacket } from "../../src/decode/packet.js";
import { compileRules } from "../../src/rules/compile.js";
import { loadRuleFile } from "../../src/rules/load.js";
import { REPO_ROOT } from "../helpers/corpus.js";

export const REFERENCE = path.join(REPO_ROOT, "test/reference/legacy_firewall.py");

/** The Python that has Scapy: $PFW_PYTHON, else Debian's /usr/bin/python3 (python3-scapy), else python3. */
export function findPython(): { python: string | null; why: string } {
  const candidates = [process.env.PFW_PYTHON, "/usr/bin/python3", "python3"].filter(
    (c): c is string => typeof c === "string" && c.length > 0,
  );
  const tried: string[] = [];
  for (const c of candidates) {
    const r = spawnSync(c, ["-c", "import scapy; print(scapy.VERSION)"], { encoding: "utf8", shell: false });
    if (r.status === 0) return { python: c, why: `${c}: scapy ${r.stdout.trim()}` };
    tried.push(`${c}: ${(r.stderr || String(r.error ?? "")).trim().split("\n").pop() ?? ""}`);
  }
  return { python: null, why: `no Python with Scapy (apt-get install python3-scapy): ${tried.join("; ")}` };
}

/** One frame as the reference saw it. */
export interface RefFrame {
  verdict: string;
  notes: string;
}

/** What the reference printed for one file. */
export interface RefFile {
  frames: RefFrame[];
  /** Scapy's exception name if it stopped reading the file. */
  error: string | null;
}

/** Run the reference over files (paths relative to cwd), at most maxFrames frames each. */
export function runReference(
  python: string,
  rulesPath: string,
  cwd: string,
  files: string[],
  maxFrames: number,
): Map<string, RefFile> {
  const out = execFileSync(python, [REFERENCE, rulesPath, "--max", String(maxFrames), ...files], {
    cwd,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["ignore", "pipe", "ignore"], // Scapy's warnings (unknown link types, pcapng options) go to stderr
    shell: false,
  });
  const res = new Map<string, RefFile>();
  let cur: RefFile | null = null;
  for (const line of out.split("\n")) {
    if (line.startsWith("# ")) {
      cur = { frames: [], error: null };
      res.set(line.slice(2), cur);
    } else if (line.startsWith("! ")) {
      if (cur) cur.error = line.slice(2);
    } else if (line.length > 0 && cur) {
      const [n, verdict, notes] = line.split(" ");
      if (Number(n) !== cur.frames.length + 1) throw new Error(`reference: frame ${n} out of order`);
      cur.frames.push({ verdict: verdict ?? "?", notes: notes ?? "" });
    }
  }
  return res;
}

/** One frame as pfw's scan pipeline decided it. */
export interface PfwFrame {
  verdict: string;
  ipVersion: number;
  ipProto: number;
  event: number;
  /** DecodedPacket.layers bits. */
  layers: number;
  linktype: number;
}

/**
 * Per-frame verdicts of pfw with the same code as `pfw scan` (Engine.handle): decodeFrame, then the
 * compiled rules' match; "-" when the rules give no verdict (not IPv4).
 */
export function pfwVerdicts(rulesPath: string, file: string, maxFrames: number): PfwFrame[] {
  const loaded = loadRuleFile(rulesPath);
  if (!loaded.ruleset) throw new Error(`rules: ${JSON.stringify(loaded.problems)}`);
  const compiled = compileRules(loaded.ruleset);
  const pkt = new DecodedPacket();
  const frames: PfwFrame[] = [];
  readCaptureFileSync(file, (rec) => {
    if (rec.frame > maxFrames) return;
    decodeFrame(pkt, rec.buf, rec.off, rec.off + rec.caplen, rec.linktype);
    frames.push({
      verdict: compiled.verdictOf(compiled.match(pkt)) ?? "-",
      ipVersion: pkt.ipVersion,
      ipProto: pkt.ipProto,
      event: pkt.event,
      layers: pkt.layers,
      linktype: rec.linktype,
    });
  });
  return frames;
}

/** Capture files of the corpus folders, relative to the corpus root, sorted. */
export function corpusCaptures(corpus: string, folders: string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(corpus, rel)).sort()) {
      const r = path.posix.join(rel, name);
      if (fs.statSync(path.join(corpus, r)).isDirectory()) walk(r);
      else out.push(r);
    }
  };
  for (const f of folders) walk(f);
  return out;
}
