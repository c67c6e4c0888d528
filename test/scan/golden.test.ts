/**
 * Golden cases of `pfw scan` (issue 3, "Must show"): fixture + rules (+ arguments) -> the expected CSV
 * report, JSON document, suspicious-packets log, JSON lines, table output and exit code, all stored in
 * test/golden/<case>/expected/. After an intended output change, regenerate with `npm run golden`
 * (scripts/gen-golden.ts) and review the diff.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GOLDEN_DIR, GOLDEN_FILES, goldenCases, readCase, runGoldenCase } from "../../scripts/gen-golden.js";

const cases = goldenCases();

function expected(name: string, file: string): string {
  return fs.readFileSync(path.join(GOLDEN_DIR, name, "expected", file), "utf8");
}

interface JsonReport {
  summary: Record<string, unknown>;
  flows: Record<string, unknown>[];
}

describe("golden cases of pfw scan (regenerate: npm run golden)", () => {
  it("has the cases the issue asks for", () => {
    expect(cases).toEqual([
      "default-rules",
      "legacy-all-flows",
      "legacy-example",
      "legacy-gzip",
      "legacy-pcapng",
      "native-home-net",
    ]);
  });

  for (const name of cases) {
    it(`${name}: ${readCase(name).description}`, async () => {
      const got = await runGoldenCase(name);
      for (const f of GOLDEN_FILES) {
        expect(got[f], `${name}/${f} differs from test/golden/${name}/expected/${f} (npm run golden)`).toBe(
          expected(name, f),
        );
      }
    });
  }

  it("the legacy example shows every legacy verdict and exits 1 (flagged)", () => {
    const doc = JSON.parse(expected("legacy-example", "report.json")) as JsonReport;
    const pv = doc.summary.packet_verdicts as Record<string, number>;
    expect(pv.BLOCKED).toBeGreaterThan(0);
    expect(pv.ALLOWED).toBeGreaterThan(0);
    expect(pv.UNKNOWN).toBeGreaterThan(0);
    expect(pv.ALERT).toBe(0);
    expect(expected("legacy-example", "exit-code.txt")).toBe("1\n");
    // flagged flows only without --all-flows
    expect(new Set(doc.flows.map((f) => f.verdict))).toEqual(new Set(["BLOCKED", "UNKNOWN"]));
    const all = JSON.parse(expected("legacy-all-flows", "report.json")) as JsonReport;
    expect(new Set(all.flows.map((f) => f.verdict))).toEqual(
      new Set(["BLOCKED", "UNKNOWN", "ALLOWED", null]),
    );
    // flows of packets without a verdict (ARP, IPv6 under the IPv4-only legacy rules) have verdict null
    expect(all.flows.length).toBe(all.summary.flows);
  });

  it("example.pcapng and example.pcap.gz give the same flows, events and summary as example.pcap", () => {
    const base = JSON.parse(expected("legacy-all-flows", "report.json")) as JsonReport;
    const strip = (d: JsonReport): unknown => ({
      summary: d.summary,
      flows: d.flows.map((f) => ({ ...f, file: "" })),
    });
    const baseLog = expected("legacy-all-flows", "report.log").replaceAll('file="fixtures/example.pcap"', "");
    const baseCsv = expected("legacy-all-flows", "report.csv").replaceAll(",fixtures/example.pcap\n", ",\n");
    for (const [name, file] of [
      ["legacy-pcapng", "fixtures/example.pcapng"],
      ["legacy-gzip", "fixtures/example.pcap.gz"],
    ] as const) {
      const doc = JSON.parse(expected(name, "report.json")) as JsonReport;
      expect(doc.flows.every((f) => f.file === file)).toBe(true);
      expect(strip(doc)).toEqual(strip(base));
      expect(expected(name, "report.csv").replaceAll(`,${file}\n`, ",\n")).toBe(baseCsv);
      expect(expected(name, "report.log").replaceAll(`file="${file}"`, "")).toBe(baseLog);
    }
  });

  it("native rules with --home-net judge directions (the in/out rules fire)", () => {
    const doc = JSON.parse(expected("native-home-net", "report.json")) as JsonReport;
    const ids = new Set(doc.flows.flatMap((f) => f.rule_ids as string[]));
    expect(ids).toContain("in-ssh"); // direction "in": 10.0.0.5 -> 192.168.1.23:22
    expect(ids).toContain("blocklist-src");
    const def = JSON.parse(expected("default-rules", "report.json")) as JsonReport;
    expect(def.flows.length).toBeGreaterThan(0);
  });
});
