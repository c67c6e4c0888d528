/** Broken captures: exact codes, byte offsets and messages; everything before the break is delivered. */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CaptureParser } from "../../src/capture/parser.js";
import { readCaptureFileSync } from "../../src/capture/reader.js";
import { block, cat, epb, idb, pcapFile, payload, shb } from "../support/packet.js";
import { CORPUS, collect, type Rec } from "./helpers.js";
import { CaptureFormatError } from "../../src/capture/errors.js";

const GOOD = pcapFile({
  records: [
    { sec: 1, frac: 0, data: payload(30) },
    { sec: 2, frac: 0, data: payload(50) },
  ],
});

describe("capture format errors", () => {
  it("bad magic names the file and the magic", () => {
    const { recs, res } = collect(Buffer.from("This is not a capture at all", "latin1"));
    expect(recs).toEqual([]);
    expect(res.error?.code).toBe("BAD_MAGIC");
    expect(res.error?.offset).toBe(0);
    expect(res.error?.message).toBe("test.cap: not a pcap or pcapng capture (magic 0x54686973)");
    expect(res.error).toBeInstanceOf(CaptureFormatError);
  });

  it("empty input and a short header are TRUNCATED at byte 0", () => {
    expect(collect(new Uint8Array(0)).res.error?.message).toBe(
      "test.cap: file truncated/corrupt at byte 0: empty file (no capture header)",
    );
    const short = collect(GOOD.subarray(0, 10)).res.error;
    expect([short?.code, short?.offset]).toEqual(["TRUNCATED", 0]);
    expect(collect(GOOD.subarray(0, 3)).res.error?.code).toBe("TRUNCATED");
  });

  it("a record cut short: earlier records delivered, error at the record's first byte", () => {
    const cut = GOOD.subarray(0, GOOD.length - 20); // second record (at 24+16+30 = 70) loses 20 bytes
    for (const chunk of [undefined, 1, 7]) {
      const { recs, res } = collect(cut, chunk);
      expect(recs.map((r: Rec) => r.frame)).toEqual([1]);
      expect(res.error?.code).toBe("TRUNCATED");
      expect(res.error?.offset).toBe(70);
      expect(res.error?.message).toBe(
        "test.cap: file truncated/corrupt at byte 70: record of 66 bytes but only 46 bytes remain",
      );
    }
  });

  it("a record header cut short", () => {
    const { recs, res } = collect(GOOD.subarray(0, 70 + 9));
    expect(recs.length).toBe(1);
    expect(res.error?.message).toBe(
      "test.cap: file truncated/corrupt at byte 70: file ends inside a record header (9 bytes present)",
    );
  });

  it("caplen above 256 KiB is RECORD_TOO_LARGE as soon as the header is seen; 256 KiB exactly is fine", () => {
    const ok = collect(pcapFile({ records: [{ sec: 1, frac: 0, data: new Uint8Array(262144) }] }));
    expect(ok.res.error).toBeUndefined();
    expect(ok.recs[0]!.caplen).toBe(262144);
    const big = pcapFile({
      records: [
        { sec: 1, frac: 0, data: payload(10) },
        { sec: 1, frac: 0, data: payload(10), caplenField: 262145 },
      ],
    });
    const { recs, res } = collect(big);
    expect(recs.length).toBe(1);
    expect(res.error?.code).toBe("RECORD_TOO_LARGE");
    expect(res.error?.offset).toBe(24 + 26);
  });

  it("pcapng: trailing length disagreeing is BLOCK_LENGTH_MISMATCH at the block start", () => {
    const head = cat(shb(true), idb(true, 1), epb(true, 0, 0, 1, payload(8)));
    const bad = block(true, 6, new Uint8Array(28), 99);
    for (const chunk of [undefined, 1, 5]) {
      const { recs, res } = collect(cat(head, bad), chunk);
      expect(recs.length).toBe(1);
      expect(res.error?.code).toBe("BLOCK_LENGTH_MISMATCH");
      expect(res.error?.offset).toBe(head.length);
      expect(res.error?.message).toContain("first 40, second 99");
    }
    // also for a skipped (unknown) block, whichever way it is chunked
    const unk = block(true, 0x777, payload(64), 12);
    for (const chunk of [undefined, 3, 50]) {
      const r = collect(cat(head, unk), chunk);
      expect([r.res.error?.code, r.res.error?.offset]).toEqual(["BLOCK_LENGTH_MISMATCH", head.length]);
    }
  });

  it("pcapng: lengths not a multiple of 4, too small, or caplen beyond the block", () => {
    const head = cat(shb(true), idb(true, 1));
    const odd = Uint8Array.from(block(true, 6, new Uint8Array(28)));
    odd[4] = 41;
    expect(collect(cat(head, odd)).res.error?.code).toBe("BLOCK_LENGTH_MISMATCH");
    const tiny = block(true, 6, new Uint8Array(8));
    expect(collect(cat(head, tiny)).res.error?.message).toContain(
      "total block length 20 of an EPB is less than the minimum 32",
    );
    const over = Uint8Array.from(epb(true, 0, 0, 0, payload(8)));
    over[20] = 40; // caplen 40 in a block with room for 8
    expect(collect(cat(head, over)).res.error?.message).toContain("captured length 40 does not fit");
  });

  it("pcapng: oversized packet blocks and oversized skipped blocks are RECORD_TOO_LARGE", () => {
    const head = cat(shb(true), idb(true, 1));
    const hdr = (type: number, len: number): Uint8Array => {
      const b = Buffer.alloc(16);
      b.writeUInt32LE(type, 0);
      b.writeUInt32LE(len, 4);
      return Uint8Array.from(b);
    };
    const e1 = collect(cat(head, hdr(6, 400000))).res.error;
    expect([e1?.code, e1?.offset]).toEqual(["RECORD_TOO_LARGE", head.length]);
    const e2 = collect(cat(head, hdr(0x777, 17 * 1024 * 1024))).res.error;
    expect(e2?.code).toBe("RECORD_TOO_LARGE");
    // EPB of acceptable block size but caplen > 256 KiB
    const e3 = collect(cat(head, epb(true, 0, 0, 0, new Uint8Array(300000)))).res.error;
    expect(e3?.code).toBe("RECORD_TOO_LARGE");
    expect(e3?.message).toContain("300000 captured bytes");
  });

  it("pcapng: the file ends inside a skipped block -> TRUNCATED at the block start", () => {
    const head = cat(shb(true), idb(true, 1), epb(true, 0, 0, 1, payload(8)));
    const unk = block(true, 0x777, payload(64));
    for (const chunk of [undefined, 1, 10]) {
      const { recs, res } = collect(cat(head, unk.subarray(0, 50)), chunk);
      expect(recs.length).toBe(1);
      expect(res.error?.message).toBe(
        `test.cap: file truncated/corrupt at byte ${head.length}: block of 76 bytes but only 50 bytes remain`,
      );
    }
  });

  it("the parser stays failed and rethrows the same error", () => {
    const p = new CaptureParser(() => {}, { fileName: "x.pcap" });
    let first: unknown;
    try {
      p.push(Buffer.from("garbage!"));
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(CaptureFormatError);
    expect(() => p.push(GOOD)).toThrow(first as Error);
    expect(() => p.end()).toThrow(first as Error);
  });

  it("corpus broken files: what is read and the error reported", () => {
    const cases: [string, number, string | undefined, number | undefined][] = [
      ["bad/suricata-bug-6875-01-fuzz.pcap", 1, "RECORD_TOO_LARGE", 228],
      ["bad/http-fault-post.pcap", 25, "TRUNCATED", undefined],
      ["bad/bad_rsn_parsing_overrides_ssid.pcap", 1, "TRUNCATED", undefined],
      ["bad/pcap-invalid-version-1.pcap", 0, "BAD_VERSION", 4],
      ["bad/pcapng-invalid-vers-1.pcapng", 0, "BAD_VERSION", 12],
      ["bad/gopacket-be-test901.pcapng", 1, "BAD_VERSION", undefined],
      ["bad/linktype-reserved-field-not-zero.pcap", 0, "BAD_LINKTYPE", 20],
      // tshark reports the option first; the SHB trailer (0x30303030) already disagrees with its length 52
      ["bad/shb-option-too-long.pcapng", 0, "BLOCK_LENGTH_MISMATCH", 0],
      ["bad/timestamp_invalid_nano.pcap", 3, undefined, undefined],
      ["bad/too_many_interfaces.pcapng", 1, undefined, undefined],
    ];
    for (const [rel, packets, code, offset] of cases) {
      const file = path.join(CORPUS, rel);
      const res = readCaptureFileSync(file, () => {});
      expect([rel, res.packets, res.error?.code]).toEqual([rel, packets, code]);
      if (offset !== undefined) expect(res.error?.offset, rel).toBe(offset);
      if (res.error) expect(res.error.message.startsWith(`${file}: `), rel).toBe(true);
    }
  });
});
