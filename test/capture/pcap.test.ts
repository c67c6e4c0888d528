/** Classic pcap variants: magics, byte orders, modified headers, timestamps, link-type field, versions. */
import { describe, expect, it } from "vitest";
import { pcapFile, payload, type PcapRec } from "../support/packet.js";
import { collect } from "./helpers.js";

const RECS: PcapRec[] = [
  { sec: 1700000000, frac: 123456, data: payload(60, 1) },
  { sec: 1700000001, frac: 999999, data: payload(42, 2), orig: 1514 }, // cut by snaplen
  { sec: 1700000002, frac: 0, data: new Uint8Array(0) }, // zero-length record
];

describe("classic pcap", () => {
  for (const le of [true, false]) {
    const order = le ? "LE" : "BE";

    it(`${order} microsecond: lengths, timestamps, offsets, bytes`, () => {
      const { recs, res } = collect(pcapFile({ le, records: RECS }));
      expect(res.error).toBeUndefined();
      expect(res.format).toBe("pcap");
      expect(res.linktypes).toEqual([1]);
      expect(recs.map((r) => [r.frame, r.fileOffset, r.caplen, r.origLen, r.tsSec, r.tsNsec])).toEqual([
        [1, 24, 60, 60, 1700000000, 123456000],
        [2, 24 + 16 + 60, 42, 1514, 1700000001, 999999000],
        [3, 24 + 16 + 60 + 16 + 42, 0, 0, 1700000002, 0],
      ]);
      expect(recs[0]!.data).toBe(Buffer.from(payload(60, 1)).toString("hex"));
      expect(recs.every((r) => r.hasTs && r.linktype === 1 && r.ifIndex === 0)).toBe(true);
    });

    it(`${order} nanosecond magic a1b23c4d`, () => {
      const { recs, res } = collect(
        pcapFile({ le, magic: 0xa1b23c4d, records: [{ sec: 5, frac: 999999999, data: payload(10) }] }),
      );
      expect(res.format).toBe("pcap-nsec");
      expect([recs[0]!.tsSec, recs[0]!.tsNsec]).toEqual([5, 999999999]);
    });

    it(`${order} modified (Kuznetzov) magic a1b2cd34 with 24-byte record headers`, () => {
      const { recs, res } = collect(pcapFile({ le, magic: 0xa1b2cd34, records: RECS }));
      expect(res.error).toBeUndefined();
      expect(res.format).toBe("pcap-modified");
      expect(recs.map((r) => [r.fileOffset, r.caplen, r.tsNsec])).toEqual([
        [24, 60, 123456000],
        [24 + 24 + 60, 42, 999999000],
        [24 + 24 + 60 + 24 + 42, 0, 0],
      ]);
      expect(recs[1]!.data).toBe(Buffer.from(payload(42, 2)).toString("hex"));
    });
  }

  it("reads ts_sec 0xFFFFFFFF as unsigned (year 2106)", () => {
    const { recs } = collect(pcapFile({ records: [{ sec: 0xffffffff, frac: 1, data: payload(4) }] }));
    expect(recs[0]!.tsSec).toBe(4294967295);
  });

  it("normalises invalid fractions (carry into seconds) instead of failing", () => {
    const nsec = collect(
      pcapFile({
        magic: 0xa1b23c4d,
        records: [
          { sec: 10, frac: 1000000000, data: payload(4) },
          { sec: 10, frac: 2147483648, data: payload(4) },
          { sec: 10, frac: 0xffffffff, data: payload(4) },
        ],
      }),
    );
    expect(nsec.res.error).toBeUndefined();
    expect(nsec.recs.map((r) => [r.tsSec, r.tsNsec])).toEqual([
      [11, 0],
      [12, 147483648],
      [14, 294967295],
    ]);
    const usec = collect(pcapFile({ records: [{ sec: 10, frac: 2500000, data: payload(4) }] }));
    expect([usec.recs[0]!.tsSec, usec.recs[0]!.tsNsec]).toEqual([12, 500000000]);
  });

  it("accepts any snaplen, including records longer than it and snaplen 0", () => {
    const { recs, res } = collect(pcapFile({ snaplen: 16, records: RECS }));
    expect(res.error).toBeUndefined();
    expect(recs.length).toBe(3);
    expect(collect(pcapFile({ snaplen: 0, records: RECS })).recs.length).toBe(3);
  });

  it("masks FCS bits of the link-type field to its low 16 bits", () => {
    for (const raw of [0x30000001, 0x04000001, 0xf4000071]) {
      const { recs, res } = collect(pcapFile({ linktype: raw, records: RECS.slice(0, 1) }));
      expect(res.error).toBeUndefined();
      expect(recs[0]!.linktype).toBe(raw & 0xffff);
    }
  });

  it("refuses reserved link-type bits like libpcap/tshark (BAD_LINKTYPE at byte 20)", () => {
    const { recs, res } = collect(pcapFile({ linktype: 0x00300000, records: RECS }));
    expect(recs).toEqual([]);
    expect(res.error?.code).toBe("BAD_LINKTYPE");
    expect(res.error?.offset).toBe(20);
    expect(res.error?.message).toBe(
      "test.cap: file truncated/corrupt at byte 20: pcap: network type reserved field not zero (0x00300000)",
    );
  });

  it("refuses major versions other than 2 (BAD_VERSION at byte 4)", () => {
    for (const major of [1, 3]) {
      const { recs, res } = collect(pcapFile({ major, records: RECS }));
      expect(recs).toEqual([]);
      expect(res.error?.code).toBe("BAD_VERSION");
      expect(res.error?.offset).toBe(4);
    }
  });

  it("version 2.2 files have caplen/len swapped; 2.3 swaps when caplen > len (libpcap rule)", () => {
    const d = payload(20);
    // 2.2: first length field is len, second is caplen
    const v22 = collect(
      pcapFile({ minor: 2, records: [{ sec: 1, frac: 0, data: d, caplenField: 100, orig: 20 }] }),
    );
    expect(v22.res.error).toBeUndefined();
    expect([v22.recs[0]!.caplen, v22.recs[0]!.origLen]).toEqual([20, 100]);
    const v23 = collect(
      pcapFile({ minor: 3, records: [{ sec: 1, frac: 0, data: d, caplenField: 100, orig: 20 }] }),
    );
    expect([v23.recs[0]!.caplen, v23.recs[0]!.origLen]).toEqual([20, 100]);
    const v23n = collect(pcapFile({ minor: 3, records: [{ sec: 1, frac: 0, data: d, orig: 60 }] }));
    expect([v23n.recs[0]!.caplen, v23n.recs[0]!.origLen]).toEqual([20, 60]);
  });
});
