/**
 * Properties (fast-check): random and mutated capture bytes never make the parser throw anything but a
 * CaptureFormatError, records always lie inside their buffer, and any chunking gives the same result.
 */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CaptureFormatError } from "../../src/capture/errors.js";
import { parseCaptureBuffer } from "../../src/capture/reader.js";
import { END_OPT, cat, epb, idb, opt, shb } from "../support/packet.js";
import { CORPUS, FIXTURES, collect } from "./helpers.js";

const SEEDS = [
  fs.readFileSync(path.join(FIXTURES, "example.pcap")).subarray(0, 3000),
  fs.readFileSync(path.join(FIXTURES, "example.pcapng")).subarray(0, 3000),
  fs.readFileSync(path.join(CORPUS, "formats/pcapng-test-generator/be/test202.pcapng")),
  fs.readFileSync(path.join(CORPUS, "formats/pcapng-test-generator/le/test102.pcapng")),
  fs.readFileSync(path.join(CORPUS, "formats/modified-format.pcap")),
  fs.readFileSync(path.join(CORPUS, "formats/scapy-pfcp.pcap")).subarray(0, 3000),
];

/** Parse and summarise; fails the property on any non-format exception or out-of-bounds record. */
function summary(data: Uint8Array, chunkSize?: number): string {
  const out: string[] = [];
  const opts: { chunkSize?: number } = {};
  if (chunkSize !== undefined) opts.chunkSize = chunkSize;
  const res = parseCaptureBuffer(
    data,
    (r) => {
      if (!(r.off >= 0 && r.caplen >= 0 && r.off + r.caplen <= r.buf.length))
        throw new Error("record out of bounds");
      if (!(r.tsNsec >= 0 && r.tsNsec < 1e9) || !Number.isFinite(r.tsSec)) throw new Error("bad timestamp");
      let h = 0;
      for (let i = r.off; i < r.off + r.caplen; i++) h = (h * 31 + r.buf[i]!) | 0;
      out.push(
        `${r.frame}:${r.fileOffset}:${r.caplen}:${r.origLen}:${r.tsSec}.${r.tsNsec}:${r.linktype}:${r.ifIndex}:${h}`,
      );
    },
    opts,
  );
  if (res.error && !(res.error instanceof CaptureFormatError)) throw new Error("wrong error class");
  return `${out.join(",")}|${res.error?.code}@${res.error?.offset}`;
}

const mutated = fc
  .tuple(
    fc.integer({ min: 0, max: SEEDS.length - 1 }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
    fc.nat(),
  )
  .map(([i, muts, cut]) => {
    const b = Uint8Array.from(SEEDS[i]!);
    for (const [pos, v] of muts) b[pos % b.length] = v;
    return b.subarray(0, cut % (b.length + 1));
  });

describe("parser properties", () => {
  it("random bytes: only CaptureFormatError, chunking-invariant", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 1, max: 64 }), (data, chunk) => {
        expect(summary(data, chunk)).toBe(summary(data));
      }),
      { numRuns: 300 },
    );
  });

  it("random bytes behind a valid pcap / pcapng magic", () => {
    const heads = [SEEDS[0]!.subarray(0, 24), SEEDS[1]!.subarray(0, 48)];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1 }),
        fc.uint8Array({ maxLength: 400 }),
        fc.integer({ min: 1, max: 64 }),
        (h, tail, chunk) => {
          const data = Uint8Array.from(Buffer.concat([heads[h]!, tail]));
          expect(summary(data, chunk)).toBe(summary(data));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("mutated and truncated real captures: only CaptureFormatError, chunking-invariant", () => {
    fc.assert(
      fc.property(mutated, fc.integer({ min: 1, max: 300 }), (data, chunk) => {
        expect(summary(data, chunk)).toBe(summary(data));
      }),
      { numRuns: 400 },
    );
  });

  it("pcapng timestamps equal a BigInt reference for random 64-bit values at every fast-path resolution", () => {
    const resolutions = [0, 3, 6, 7, 8, 9, 10, 11, 0x88, 0x95, 0x96, 0x97];
    fc.assert(
      fc.property(
        fc.constantFrom(...resolutions),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (res, ts) => {
          const file = cat(
            shb(true),
            idb(true, 1, 0, cat(opt(true, 9, Uint8Array.of(res)), END_OPT(true))),
            epb(true, 0, Number(ts >> 32n), Number(ts & 0xffffffffn), Uint8Array.of(1)),
          );
          const units = res & 0x80 ? 1n << BigInt(res & 0x7f) : 10n ** BigInt(res);
          const sec = ts / units;
          const ns = Number(((ts - sec * units) * 1000000000n) / units);
          const r = collect(file).recs[0]!;
          expect([r.tsSec, r.tsNsec]).toEqual([Number(sec), ns]);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
