/** PcapWriter / PcapngWriter round trips, and the synthetic capture generator. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCaptureFileSync } from "../../src/capture/reader.js";
import { generateMixedCapture } from "../../bench/synth.js";
import { PcapngWriter, PcapWriter } from "../../src/capture/writer.js";
import { payload } from "../support/packet.js";
import { copyRec, type Rec } from "./helpers.js";

let tmp = "";
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pfw-capture-writer-"));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const read = (f: string): Rec[] => {
  const recs: Rec[] = [];
  const res = readCaptureFileSync(f, (r) => recs.push(copyRec(r)));
  expect(res.error).toBeUndefined();
  return recs;
};

const INPUT = [
  { data: payload(60, 1), orig: 60, sec: 1700000000, ns: 123456789 },
  { data: payload(10000, 2), orig: 12000, sec: 4294967295, ns: 999999999 }, // larger than the buffer
  { data: payload(0, 3), orig: 0, sec: 0, ns: 0 },
  { data: payload(33, 4), orig: 1514, sec: 1, ns: 1 },
];

describe("PcapWriter", () => {
  for (const bigEndian of [false, true]) {
    it(`nanosecond (default) round trip, ${bigEndian ? "BE" : "LE"}, records larger than the buffer`, () => {
      const f = path.join(tmp, `ns-${bigEndian}.pcap`);
      const w = new PcapWriter(f, { linktype: 101, bigEndian, bufferSize: 4096 });
      // write from an offset inside a bigger buffer
      for (const r of INPUT) {
        const big = new Uint8Array(r.data.length + 7);
        big.set(r.data, 5);
        w.writeRecord(big, 5, r.data.length, r.orig, r.sec, r.ns);
      }
      w.close();
      const head = fs.readFileSync(f).subarray(0, 4).toString("hex");
      expect(head).toBe(bigEndian ? "a1b23c4d" : "4d3cb2a1");
      const recs = read(f);
      expect(recs.map((r) => [r.caplen, r.origLen, r.tsSec, r.tsNsec, r.linktype])).toEqual(
        INPUT.map((r) => [r.data.length, r.orig, r.sec, r.ns, 101]),
      );
      expect(recs.map((r) => r.data)).toEqual(INPUT.map((r) => Buffer.from(r.data).toString("hex")));
      expect(() => w.writeRecord(payload(1), 0, 1, 1, 0, 0)).toThrow("closed");
    });
  }

  it("microsecond option truncates nanoseconds", () => {
    const f = path.join(tmp, "us.pcap");
    const w = new PcapWriter(f, { nanosecond: false });
    w.writeRecord(payload(20), 0, 20, 20, 1700000000, 123456789);
    w.close();
    expect(fs.readFileSync(f).subarray(0, 4).toString("hex")).toBe("d4c3b2a1");
    expect(read(f).map((r) => [r.tsSec, r.tsNsec])).toEqual([[1700000000, 123456000]]);
  });
});

describe("PcapngWriter", () => {
  for (const tsresol of [6, 9]) {
    it(`round trip with if_tsresol ${tsresol}, timestamps beyond 2106`, () => {
      const f = path.join(tmp, `r${tsresol}.pcapng`);
      const w = new PcapngWriter(f, { linktype: 113, tsresol, bufferSize: 4096 });
      const input = [...INPUT, { data: payload(5), orig: 5, sec: 5000000000, ns: 987654321 }];
      for (const r of input) w.writeRecord(r.data, 0, r.data.length, r.orig, r.sec, r.ns);
      w.close();
      const recs = read(f);
      const scale = tsresol === 6 ? 1000 : 1;
      expect(recs.map((r) => [r.caplen, r.origLen, r.tsSec, r.tsNsec, r.linktype])).toEqual(
        input.map((r) => [r.data.length, r.orig, r.sec, Math.floor(r.ns / scale) * scale, 113]),
      );
      expect(recs.map((r) => r.data)).toEqual(input.map((r) => Buffer.from(r.data).toString("hex")));
    });
  }
});

describe("generateMixedCapture", () => {
  it("writes N mixed packets deterministically", () => {
    const a = path.join(tmp, "a.pcap");
    const b = path.join(tmp, "b.pcap");
    const ga = generateMixedCapture(a, 5000, { flows: 64 });
    generateMixedCapture(b, 5000, { flows: 64 });
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
    const recs: [number, number, number][] = [];
    const res = readCaptureFileSync(a, (r) => {
      const et = (r.buf[r.off + 12]! << 8) | r.buf[r.off + 13]!;
      const proto = et === 0x0800 ? r.buf[r.off + 23]! : et === 0x86dd ? r.buf[r.off + 20]! : -1;
      recs.push([et, proto, r.tsSec * 1e9 + r.tsNsec]);
    });
    expect([res.packets, res.bytes, res.linktypes]).toEqual([5000, ga.bytes, [1]]);
    const kinds = new Set(recs.map(([et, p]) => `${et.toString(16)}/${p}`));
    for (const k of ["800/6", "800/17", "800/1", "86dd/6", "86dd/17", "86dd/58", "8100/-1"])
      expect(kinds).toContain(k);
    expect(recs.every((r, i) => i === 0 || r[2] > recs[i - 1]![2])).toBe(true);
  });
});
