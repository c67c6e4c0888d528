/** readCaptureFile / readCaptureFileSync: plain and gzip files, errors returned vs thrown, progress, abort. */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCaptureFile, readCaptureFileSync, READ_CHUNK } from "../../src/capture/reader.js";
import { generateMixedCapture } from "../../bench/synth.js";
import { FIXTURES, copyRec, type Rec } from "./helpers.js";

let tmp = "";
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pfw-capture-reader-"));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function readAll(
  file: string,
): Promise<{ recs: Rec[]; res: Awaited<ReturnType<typeof readCaptureFile>> }> {
  const recs: Rec[] = [];
  const res = await readCaptureFile(file, (r) => recs.push(copyRec(r)));
  return { recs, res };
}

const noOffset = (r: Rec): Omit<Rec, "fileOffset"> => {
  const { fileOffset: _f, ...rest } = r;
  return rest;
};

describe("readCaptureFile", () => {
  it("example.pcap, example.pcapng and example.pcap.gz hold the same packets", async () => {
    const pcap = await readAll(path.join(FIXTURES, "example.pcap"));
    expect(pcap.res.error).toBeUndefined();
    expect(pcap.res.format).toBe("pcap");
    expect(pcap.res.packets).toBeGreaterThanOrEqual(200);
    expect(pcap.res.bytes).toBe(fs.statSync(path.join(FIXTURES, "example.pcap")).size);
    const ng = await readAll(path.join(FIXTURES, "example.pcapng"));
    expect(ng.res.format).toBe("pcapng");
    expect(ng.recs.map(noOffset)).toEqual(pcap.recs.map(noOffset));
    const gz = await readAll(path.join(FIXTURES, "example.pcap.gz"));
    expect(gz.res.gzip).toBe(true);
    expect(gz.res.error).toBeUndefined();
    expect(gz.recs).toEqual(pcap.recs); // offsets are in the decompressed stream
  });

  it("detects gzip and formats by magic, not by file name", async () => {
    const a = path.join(tmp, "looks-plain.pcap");
    const b = path.join(tmp, "looks-gzipped.pcapng.gz");
    fs.copyFileSync(path.join(FIXTURES, "example.pcap.gz"), a);
    fs.copyFileSync(path.join(FIXTURES, "example.pcap"), b);
    const ra = await readAll(a);
    const rb = await readAll(b);
    expect([ra.res.gzip, ra.res.format, rb.res.gzip, rb.res.format]).toEqual([true, "pcap", false, "pcap"]);
    expect(ra.recs).toEqual(rb.recs);
  });

  it("a cut gzip file: records before the cut are delivered, the error is returned", async () => {
    const full = (await readAll(path.join(FIXTURES, "example.pcap"))).res.packets;
    const gz = fs.readFileSync(path.join(FIXTURES, "example.pcap.gz"));
    const f = path.join(tmp, "cut.pcap.gz");
    fs.writeFileSync(f, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const { recs, res } = await readAll(f);
    expect(res.error).toBeDefined();
    expect(["GZIP_CORRUPT", "TRUNCATED"]).toContain(res.error!.code);
    expect(res.error!.message.startsWith(`${f}: `)).toBe(true);
    expect(recs.length).toBeGreaterThan(0);
    expect(recs.length).toBeLessThan(full);
    const sync = readCaptureFileSync(f, () => {});
    expect(sync.error?.code).toBe("GZIP_CORRUPT");
  });

  it("truncated.pcap: 5 records then TRUNCATED at the 6th record", async () => {
    const file = path.join(FIXTURES, "truncated.pcap");
    const { recs, res } = await readAll(file);
    expect(recs.length).toBe(5);
    expect(res.error?.code).toBe("TRUNCATED");
    const last = recs[4]!;
    expect(res.error?.offset).toBe(last.fileOffset + 16 + last.caplen);
    expect(res.error?.message).toMatch(
      new RegExp(`^${file}: file truncated/corrupt at byte ${res.error?.offset}: `),
    );
  });

  it("bad-magic.pcap: BAD_MAGIC naming the file", async () => {
    const file = path.join(FIXTURES, "bad-magic.pcap");
    const { res } = await readAll(file);
    expect(res.error?.message).toBe(`${file}: not a pcap or pcapng capture (magic 0x54686973)`);
  });

  it("I/O errors throw with the file name", async () => {
    const missing = path.join(tmp, "nope.pcap");
    await expect(readCaptureFile(missing, () => {})).rejects.toThrow(
      `${missing}: cannot read capture: ENOENT`,
    );
    expect(() => readCaptureFileSync(missing, () => {})).toThrow(`${missing}: cannot read capture: ENOENT`);
    await expect(readCaptureFile(tmp, () => {})).rejects.toThrow(`${tmp}: cannot read capture: EISDIR`);
  });

  it("reads pipes (FIFO) sequentially, plain and gzip", async () => {
    const expected = (await readAll(path.join(FIXTURES, "example.pcap"))).recs;
    for (const name of ["example.pcap", "example.pcap.gz"]) {
      const fifo = path.join(tmp, `fifo-${name}`);
      execFileSync("mkfifo", [fifo]);
      const writer = fs.promises.writeFile(fifo, fs.readFileSync(path.join(FIXTURES, name)));
      const { recs, res } = await readAll(fifo);
      await writer;
      expect(res.error, name).toBeUndefined();
      expect(recs, name).toEqual(expected);
    }
  });

  it("progress, abort, and the sync variant on a multi-chunk file", async () => {
    const file = path.join(tmp, "synth.pcap");
    const gen = generateMixedCapture(file, 30000, { flows: 50 });
    const size = fs.statSync(file).size;
    expect(size).toBe(gen.bytes);
    expect(size).toBeGreaterThan(2 * READ_CHUNK);
    const progress: number[] = [];
    let n = 0;
    const res = await readCaptureFile(file, () => n++, {
      onProgress: (done, total) => {
        expect(total).toBe(size);
        progress.push(done);
      },
    });
    expect([res.packets, n, res.error]).toEqual([30000, 30000, undefined]);
    expect(progress.at(-1)).toBe(size);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(readCaptureFileSync(file, () => {}).packets).toBe(30000);

    const ac = new AbortController();
    let seen = 0;
    const p = readCaptureFile(
      file,
      () => {
        if (++seen === 100) ac.abort(new Error("stop"));
      },
      { signal: ac.signal },
    );
    await expect(p).rejects.toThrow("stop");
    expect(seen).toBeLessThan(30000);
    await expect(readCaptureFile(file, () => {}, { signal: AbortSignal.abort() })).rejects.toThrow();
  });
});
