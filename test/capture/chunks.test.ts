/** Chunk-boundary robustness: the same bytes pushed in chunks of 1, 7 and 4096 give identical records/errors. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { block, cat, epb, idb, payload, pb, shb, spb } from "../support/packet.js";
import { CORPUS, FIXTURES, collect, walkCorpus } from "./helpers.js";

/** Built file exercising every pcapng path, incl. blocks larger than the chunk and skipped blocks. */
function builtPcapng(): Uint8Array {
  return cat(
    shb(true),
    idb(true, 1, 100),
    block(true, 0x777, payload(5000)), // skipped block spanning many chunks
    epb(true, 0, 1, 2, payload(3000)),
    spb(true, 200, payload(200)),
    block(true, 0x0bad, payload(4)),
    shb(false),
    idb(false, 101),
    pb(false, 0, 0, 7, payload(13)),
    block(false, 5, payload(8)),
    epb(false, 0, 0, 9, payload(0)),
  );
}

function same(data: Uint8Array, label: string, chunks: number[]): void {
  const whole = collect(data);
  for (const c of chunks) {
    const part = collect(data, c);
    expect(part.recs, `${label} chunk ${c}`).toEqual(whole.recs);
    expect(
      [part.res.packets, part.res.error?.code, part.res.error?.offset, part.res.error?.message],
      `${label} chunk ${c}`,
    ).toEqual([whole.res.packets, whole.res.error?.code, whole.res.error?.offset, whole.res.error?.message]);
  }
}

describe("chunk boundaries", () => {
  it("built pcapng (spanning packet and skipped blocks, two sections)", () => {
    const f = builtPcapng();
    same(f, "built", [1, 7, 4096]);
    expect(collect(f).recs.length).toBe(4);
  });

  it("built pcapng cut at every length: same records and errors at any chunking", () => {
    const f = builtPcapng();
    for (let n = 0; n <= f.length; n += 97) same(f.subarray(0, n), `cut ${n}`, [7, 4096]);
  });

  it("fixtures", () => {
    for (const name of ["example.pcap", "example.pcapng", "truncated.pcap", "bad-magic.pcap"]) {
      same(fs.readFileSync(path.join(FIXTURES, name)), name, [1, 7, 4096]);
    }
  });

  it("every corpus file (1-byte chunks for files < 200 kB, 7 for < 3 MB)", () => {
    for (const rel of walkCorpus()) {
      const data = fs.readFileSync(path.join(CORPUS, rel));
      const sizes = data.length < 200_000 ? [1, 7, 4096] : data.length < 3_000_000 ? [7, 4096] : [4096];
      same(data, rel, sizes);
    }
  });
});
