/** pcapng: sections, byte orders, interfaces, if_tsresol / if_tsoffset, EPB / SPB / PB, skipped blocks. */
import { describe, expect, it } from "vitest";
import { Bytes, END_OPT, block, cat, epb, idb, opt, payload, pb, shb, spb } from "../support/packet.js";
import { collect } from "./helpers.js";

const u8 = (...v: number[]): Uint8Array => Uint8Array.from(v);
const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "latin1"));
const tsresol = (le: boolean, v: number): Uint8Array => cat(opt(le, 9, u8(v)), END_OPT(le));
const i64 = (le: boolean, v: bigint): Uint8Array => {
  const b = Buffer.alloc(8);
  if (le) b.writeBigInt64LE(v);
  else b.writeBigInt64BE(v);
  return Uint8Array.from(b);
};
const split = (ts: bigint): [number, number] => [Number(ts >> 32n), Number(ts & 0xffffffffn)];

/** Reference conversion with BigInt: [sec, nsec] of ts units at the given if_tsresol byte. */
function refTs(ts: bigint, res: number): [number, number] {
  const units = res & 0x80 ? 1n << BigInt(res & 0x7f) : 10n ** BigInt(res);
  const sec = ts / units;
  return [Number(sec), Number(((ts - sec * units) * 1000000000n) / units)];
}

describe("pcapng", () => {
  for (const le of [true, false]) {
    const order = le ? "LE" : "BE";

    it(`${order}: SHB + IDB + EPBs with default microsecond resolution`, () => {
      const ts = 1700000000123456n;
      const [hi, lo] = split(ts);
      const file = cat(
        shb(le),
        idb(le, 1, 65535),
        epb(le, 0, hi, lo, payload(61)),
        epb(le, 0, hi, lo + 1, payload(3), 1500),
      );
      const { recs, res } = collect(file);
      expect(res.error).toBeUndefined();
      expect(res.format).toBe("pcapng");
      expect(res.linktypes).toEqual([1]);
      expect(
        recs.map((r) => [r.frame, r.caplen, r.origLen, r.tsSec, r.tsNsec, r.hasTs, r.linktype, r.ifIndex]),
      ).toEqual([
        [1, 61, 61, 1700000000, 123456000, true, 1, 0],
        [2, 3, 1500, 1700000000, 123457000, true, 1, 0],
      ]);
      expect(recs[0]!.fileOffset).toBe(28 + 20);
      expect(recs[1]!.fileOffset).toBe(28 + 20 + 32 + 64);
      expect(recs[0]!.data).toBe(Buffer.from(payload(61)).toString("hex"));
    });

    it(`${order}: if_tsresol powers of ten and of two (fast, long-division and BigInt paths) match BigInt`, () => {
      const resolutions = [
        0, 3, 6, 7, 9, 11, 12, 15, 19, 0x80, 0x88, 0x94, 0x95, 0x97, 0x98, 0x9e, 0xa0, 0xbf,
      ];
      const values = [
        0n,
        1n,
        999999n,
        1700000000123456789n,
        (1n << 53n) + 12345n,
        0xffffffffffffffffn,
        0x00000000ffffffffn,
        0x0000000100000000n,
      ];
      for (const res of resolutions) {
        const blocks = [shb(le), idb(le, 1, 0, tsresol(le, res))];
        for (const v of values) blocks.push(epb(le, 0, ...split(v), payload(4)));
        const { recs, res: r } = collect(cat(...blocks));
        expect(r.error).toBeUndefined();
        expect(
          recs.map((x) => [x.tsSec, x.tsNsec]),
          `if_tsresol 0x${res.toString(16)}`,
        ).toEqual(values.map((v) => refTs(v, res)));
      }
    });

    it(`${order}: if_tsoffset (signed seconds) is added`, () => {
      const opts = (off: bigint): Uint8Array => cat(opt(le, 14, i64(le, off)), END_OPT(le));
      const file = cat(
        shb(le),
        idb(le, 1, 0, opts(100n)),
        idb(le, 1, 0, opts(-3600n)),
        epb(le, 0, ...split(5000001n), payload(4)),
        epb(le, 1, ...split(5000001n), payload(4)),
      );
      const { recs } = collect(file);
      expect(recs.map((r) => [r.tsSec, r.tsNsec, r.ifIndex])).toEqual([
        [105, 1000, 0],
        [5 - 3600, 1000, 1],
      ]);
    });
  }

  it("timestamps beyond 2106 (seconds > 2^32) with plain numbers", () => {
    const ts = 4294967296n * 1000000n;
    const { recs } = collect(cat(shb(true), idb(true, 1), epb(true, 0, ...split(ts), payload(4))));
    expect([recs[0]!.tsSec, recs[0]!.tsNsec]).toEqual([4294967296, 0]);
  });

  it("several sections with different byte orders: interface ids restart, ifIndex stays unique", () => {
    const file = cat(
      shb(true),
      idb(true, 1),
      idb(true, 0),
      epb(true, 1, 0, 1, payload(5)),
      shb(false, { minor: 2 }), // version 1.2 is accepted like tshark
      idb(false, 101),
      epb(false, 0, 0, 2, payload(6)),
      shb(true),
      idb(true, 113),
      epb(true, 0, 0, 3, payload(7)),
    );
    const { recs, res } = collect(file);
    expect(res.error).toBeUndefined();
    expect(res.linktypes).toEqual([1, 0, 101, 113]);
    expect(recs.map((r) => [r.linktype, r.ifIndex, r.caplen, r.tsNsec])).toEqual([
      [0, 1, 5, 1000],
      [101, 2, 6, 2000],
      [113, 3, 7, 3000],
    ]);
  });

  it("Simple Packet Blocks: no timestamp; caplen = min(original length, snaplen, block space)", () => {
    for (const le of [true, false]) {
      const file = cat(
        shb(le),
        idb(le, 1, 50),
        spb(le, 60, payload(60)), // snaplen 50 limits
        spb(le, 30, payload(30)), // fits
        spb(le, 1000, payload(40)), // block holds only 40 bytes
        spb(le, 2, payload(2)), // padding bytes are not data
      );
      const { recs, res } = collect(file);
      expect(res.error).toBeUndefined();
      expect(recs.map((r) => [r.caplen, r.origLen, r.hasTs, r.tsSec, r.tsNsec])).toEqual([
        [50, 60, false, 0, 0],
        [30, 30, false, 0, 0],
        [40, 1000, false, 0, 0],
        [2, 2, false, 0, 0],
      ]);
      expect(recs[0]!.data).toBe(Buffer.from(payload(50)).toString("hex"));
    }
  });

  it("SPB with snaplen 0 means no limit", () => {
    const { recs } = collect(cat(shb(true), idb(true, 1, 0), spb(true, 300, payload(300))));
    expect(recs[0]!.caplen).toBe(300);
  });

  it("obsolete Packet Block (type 2) with a 16-bit interface id", () => {
    for (const le of [true, false]) {
      const file = cat(shb(le), idb(le, 1), idb(le, 101), pb(le, 1, 0, 2500000, payload(9)));
      const { recs } = collect(file);
      expect(recs.map((r) => [r.linktype, r.ifIndex, r.caplen, r.tsSec, r.tsNsec])).toEqual([
        [101, 1, 9, 2, 500000000],
      ]);
    }
  });

  it("skips NRB, ISB, custom and unknown blocks; tolerates options and comments everywhere", () => {
    const le = true;
    const comment = opt(le, 1, ascii("a comment that is not a multiple of four"));
    const file = cat(
      shb(le, { options: cat(opt(le, 2, ascii("x86_64 hardware")), comment, END_OPT(le)) }),
      idb(le, 1, 0, cat(opt(le, 2, ascii("eth0")), comment, opt(le, 9, u8(9)), END_OPT(le))),
      block(le, 4, new Bytes(le).u16(1).u16(8).bytes([10, 0, 0, 1]).bytes(ascii("a\0\0\0")).u32(0).out()), // NRB
      block(le, 0x00000bad, new Bytes(le).u32(32473).bytes(payload(13)).pad4().out()), // custom
      block(le, 0x40000bad, new Bytes(le).u32(32473).bytes(payload(8)).out()), // custom, non-copyable
      block(le, 0x12345678, payload(100)), // unknown
      epb(le, 0, 0, 1000000007, payload(20), 20, cat(comment, opt(le, 2, u8(0, 0, 0, 1)), END_OPT(le))),
      block(le, 5, new Bytes(le).u32(0).u32(0).u32(0).u32(0).out()), // ISB
      epb(le, 0, 0, 2000000000, payload(21)),
    );
    const { recs, res } = collect(file);
    expect(res.error).toBeUndefined();
    expect(recs.map((r) => [r.frame, r.caplen, r.tsSec, r.tsNsec])).toEqual([
      [1, 20, 1, 7],
      [2, 21, 2, 0],
    ]);
  });

  it("refuses SHB versions other than 1.0 / 1.2 (BAD_VERSION), after delivering earlier sections", () => {
    for (const [major, minor] of [
      [0, 1],
      [1, 1],
      [2, 0],
    ] as const) {
      const first = cat(shb(true), idb(true, 1), epb(true, 0, 0, 1, payload(4)));
      const { recs, res } = collect(cat(first, shb(false, { major, minor }), idb(false, 1)));
      expect(recs.length).toBe(1);
      expect(res.error?.code).toBe("BAD_VERSION");
      expect(res.error?.offset).toBe(first.length + 12);
      expect(res.error?.message).toContain(`unknown SHB version ${major}.${minor}`);
    }
  });

  it("an EPB naming a missing interface is BAD_INTERFACE", () => {
    const { recs, res } = collect(
      cat(shb(true), idb(true, 1), epb(true, 0, 0, 1, payload(4)), epb(true, 1, 0, 1, payload(4))),
    );
    expect(recs.length).toBe(1);
    expect(res.error?.code).toBe("BAD_INTERFACE");
    expect(res.error?.offset).toBe(28 + 20 + 36);
  });

  it("an option running past its block is BAD_OPTION at the option's offset", () => {
    const bad = new Bytes(true).u16(2).u16(200).bytes(ascii("eth0")).out();
    const { res } = collect(cat(shb(true), idb(true, 1, 0, bad)));
    expect(res.error?.code).toBe("BAD_OPTION");
    expect(res.error?.offset).toBe(28 + 16);
  });

  it("if_tsresol beyond 10^-19 or 2^-63 is BAD_OPTION (as tshark)", () => {
    for (const v of [20, 0xc0]) {
      const { res } = collect(cat(shb(true), idb(true, 1, 0, tsresol(true, v))));
      expect(res.error?.code).toBe("BAD_OPTION");
    }
  });

  it("an unknown byte-order magic is BAD_BYTE_ORDER at byte 8", () => {
    const f = shb(true);
    f[8] = 0x11;
    const { res } = collect(f);
    expect(res.error?.code).toBe("BAD_BYTE_ORDER");
    expect(res.error?.offset).toBe(8);
  });
});
