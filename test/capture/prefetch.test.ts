/**
 * readCaptureFile reads regular files double-buffered (the read of the next chunk is in flight while the
 * current one is parsed). It must deliver exactly the records, result and error of readCaptureFileSync
 * (one buffer, no overlap), for files around the chunk size, records straddling chunk boundaries and a
 * truncated last record, with the default chunk and with small odd chunks (many buffer swaps).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  readCaptureFile,
  readCaptureFileSync,
  READ_CHUNK,
  type ReadResult,
} from "../../src/capture/reader.js";
import { copyRec, type Rec } from "./helpers.js";

let tmp = "";
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pfw-capture-prefetch-"));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const HDR = 24;
const REC_HDR = 16;
/** Captured lengths cycled through; 70001 spans several small chunks, the odd ones misalign records. */
const SIZES = [60, 1514, 333, 70001, 1, 0, 4093, 590];

/**
 * A little-endian usec pcap of exactly `size` bytes (size >= 24 + 16) whose payload bytes depend on the
 * record number, so a record read from the wrong buffer or position cannot look right. Returns the bytes and
 * the [start, end) of every record.
 */
function buildPcap(size: number): { data: Buffer; spans: [number, number][] } {
  const data = Buffer.alloc(size);
  data.writeUInt32LE(0xa1b2c3d4, 0);
  data.writeUInt16LE(2, 4);
  data.writeUInt16LE(4, 6);
  data.writeUInt32LE(262144, 16);
  data.writeUInt32LE(1, 20);
  const spans: [number, number][] = [];
  let pos = HDR;
  for (let i = 0; pos < size; i++) {
    let caplen = SIZES[i % SIZES.length]!;
    const left = size - pos - REC_HDR;
    // the last record takes exactly what is left (so the file size is exact)
    if (caplen > left || left - caplen < REC_HDR) caplen = left;
    data.writeUInt32LE(1_700_000_000 + i, pos);
    data.writeUInt32LE((i * 7919) % 1_000_000, pos + 4);
    data.writeUInt32LE(caplen, pos + 8);
    data.writeUInt32LE(caplen + (i % 3), pos + 12);
    for (let k = 0; k < caplen; k++) data[pos + REC_HDR + k] = (i * 131 + k * 7) & 0xff;
    spans.push([pos, pos + REC_HDR + caplen]);
    pos += REC_HDR + caplen;
  }
  expect(pos).toBe(size);
  return { data, spans };
}

interface Outcome {
  recs: Rec[];
  res: Omit<ReadResult, "error">;
  error: { code: string; offset: number; message: string } | null;
}

function outcome(recs: Rec[], res: ReadResult): Outcome {
  const { error, ...rest } = res;
  return {
    recs,
    res: rest,
    error: error ? { code: error.code, offset: error.offset, message: error.message } : null,
  };
}

function readSync(file: string): Outcome {
  const recs: Rec[] = [];
  const res = readCaptureFileSync(file, (r) => recs.push(copyRec(r)));
  return outcome(recs, res);
}

async function readAsync(file: string, chunkSize?: number): Promise<Outcome> {
  const recs: Rec[] = [];
  const res = await readCaptureFile(
    file,
    (r) => recs.push(copyRec(r)),
    chunkSize === undefined ? {} : { chunkSize },
  );
  return outcome(recs, res);
}

const CHUNKS = [undefined, 4096, 1000, 65537];

describe("readCaptureFile with prefetch equals readCaptureFileSync", () => {
  const sizes = [
    HDR + REC_HDR, // one empty record
    READ_CHUNK - 1,
    READ_CHUNK,
    READ_CHUNK + 1,
    READ_CHUNK + REC_HDR + 3,
    2 * READ_CHUNK + 17,
  ];
  for (const size of sizes) {
    it(`a ${size}-byte pcap`, async () => {
      const { data, spans } = buildPcap(size);
      if (size > READ_CHUNK) {
        // the test is only meaningful if a record straddles the default chunk boundary
        expect(spans.some(([s, e]) => s < READ_CHUNK && e > READ_CHUNK)).toBe(true);
      }
      const file = path.join(tmp, `p-${size}.pcap`);
      fs.writeFileSync(file, data);
      const ref = readSync(file);
      expect(ref.error).toBeNull();
      expect(ref.recs.length).toBe(spans.length);
      expect(ref.recs.map((r) => r.fileOffset)).toEqual(spans.map(([s]) => s));
      for (const c of CHUNKS) expect(await readAsync(file, c), `chunk ${c ?? "default"}`).toEqual(ref);
    });
  }

  it("a truncated last record (inside its data and inside its header), across chunk boundaries", async () => {
    const { data, spans } = buildPcap(2 * READ_CHUNK + 17);
    const straddling = spans.find(([s, e]) => s < READ_CHUNK && e > READ_CHUNK)!;
    const cuts = [
      READ_CHUNK + 1, // inside the record straddling the first boundary
      straddling[0] + 5, // inside that record's header
      data.length - 1, // inside the last record
      2 * READ_CHUNK, // exactly at a chunk boundary
    ];
    for (const cut of cuts) {
      const file = path.join(tmp, `cut-${cut}.pcap`);
      fs.writeFileSync(file, data.subarray(0, cut));
      const ref = readSync(file);
      expect(ref.error?.code, `cut ${cut}`).toBe("TRUNCATED");
      const inside = spans.find(([s, e]) => s < cut && e > cut);
      if (inside) expect(ref.error?.offset).toBe(inside[0]);
      expect(ref.recs.length).toBe(spans.filter(([, e]) => e <= cut).length);
      for (const c of CHUNKS)
        expect(await readAsync(file, c), `cut ${cut} chunk ${c ?? "default"}`).toEqual(ref);
    }
  });

  it("a corrupt record in the middle: same records before it, same error", async () => {
    const { data, spans } = buildPcap(READ_CHUNK + 5000);
    const bad = spans[Math.floor(spans.length / 2)]!;
    data.writeUInt32LE(0x7fffffff, bad[0] + 8); // caplen far beyond the maximum
    const file = path.join(tmp, "corrupt.pcap");
    fs.writeFileSync(file, data);
    const ref = readSync(file);
    expect(ref.error?.code).toBe("RECORD_TOO_LARGE");
    expect(ref.error?.offset).toBe(bad[0]);
    expect(await readAsync(file)).toEqual(ref);
    // with other chunk sizes only `bytes` (what was pushed to the parser before it stopped) differs
    for (const c of CHUNKS.slice(1)) {
      const got = await readAsync(file, c);
      expect({ ...got, res: { ...got.res, bytes: 0 } }, `chunk ${c}`).toEqual({
        ...ref,
        res: { ...ref.res, bytes: 0 },
      });
    }
  });

  it("a sink exception propagates and the file is still closed (no unhandled rejection)", async () => {
    const { data } = buildPcap(READ_CHUNK + 5000);
    const file = path.join(tmp, "throws.pcap");
    fs.writeFileSync(file, data);
    let n = 0;
    await expect(
      readCaptureFile(
        file,
        () => {
          if (++n === 50) throw new Error("sink bug");
        },
        { chunkSize: 4096 },
      ),
    ).rejects.toThrow("sink bug");
    // the descriptor was closed: the file can still be read and removed
    expect(readSync(file).recs.length).toBeGreaterThan(50);
  });
});
