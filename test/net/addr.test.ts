/**
 * src/net/addr.ts: address text as tshark 4.0 prints it (every expected IPv6 string below was printed by
 * tshark), the hex-only form of rule text, the 16-byte forms, and the strict parsers.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ipv4ToString,
  ipv6BytesToString,
  ipv6ToHexString,
  ipv6ToString,
  parseIpv4,
  parseIpv6,
  parseIpv6Bytes,
} from "../../src/net/addr.js";

const words = (h: string): [number, number, number, number] => [
  parseInt(h.slice(0, 8), 16),
  parseInt(h.slice(8, 16), 16),
  parseInt(h.slice(16, 24), 16),
  parseInt(h.slice(24, 32), 16),
];

// [32 hex digits, tshark's ipv6.src text]
const TSHARK_IPV6: [string, string][] = [
  ["00000000000000000000000000000000", "::"],
  ["00000000000000000000000000000001", "::1"],
  ["0000000000000000000000000000ffff", "::ffff"],
  ["00000000000000000000000000000102", "::102"],
  ["00010000000000000000000000000000", "1::"],
  ["fe800000000000000000000000000000", "fe80::"],
  ["00000000000100000000000000000000", "0:0:1::"],
  ["00000000000000000000000000010000", "::0.1.0.0"],
  ["0000000000000000000000000a000001", "::10.0.0.1"],
  ["00000000000000000000000001020304", "::1.2.3.4"],
  ["000000000000000000000000ffff0001", "::255.255.0.1"],
  ["00000000000000000000ffff01020304", "::ffff:1.2.3.4"],
  ["00000000000000000000ffff00000000", "::ffff:0.0.0.0"],
  ["00000000000000000000ffff00000001", "::ffff:0.0.0.1"],
  ["0000000000000000ffff00000a000001", "::ffff:0:a00:1"],
  ["0000000000000000ffff000001020304", "::ffff:0:102:304"],
  ["0064ff9b000000000000000001020304", "64:ff9b::102:304"],
  ["00010002000300040005000600070008", "1:2:3:4:5:6:7:8"],
  ["00000001000000000001000000000000", "0:1:0:0:1::"],
  ["abcd00000000ef0100000000000000ab", "abcd:0:0:ef01::ab"],
  ["00000000000000000001000000000001", "::1:0:0:1"],
  ["20010db8000000000001000000000001", "2001:db8::1:0:0:1"],
  ["20010db8000000010000000000000000", "2001:db8:0:1::"],
  ["20010db8000000120000000000000001", "2001:db8:0:12::1"],
  ["7fffffffc3b2a1021305008000382949", "7fff:ffff:c3b2:a102:1305:80:38:2949"],
  ["967586dd7300002c1c7fffffffc3b2a1", "9675:86dd:7300:2c:1c7f:ffff:ffc3:b2a1"],
];

describe("ipv6ToString (RFC 5952 as Wireshark prints it)", () => {
  for (const [h, text] of TSHARK_IPV6) {
    it(text, () => {
      expect(ipv6ToString(...words(h))).toBe(text);
    });
  }
  it("round-trips through parseIpv6 for random addresses, including zero-heavy ones", () => {
    const word = fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(word, { minLength: 8, maxLength: 8 }), (w) => {
        const a = w
          .map((x, i) => (i % 2 === 0 ? x * 65536 + (w[i + 1] as number) : -1))
          .filter((x) => x >= 0);
        const [p, q, r, s] = a as [number, number, number, number];
        const text = ipv6ToString(p, q, r, s);
        expect(parseIpv6(text)).toEqual([p, q, r, s]);
        expect(text).toBe(text.toLowerCase());
        expect(text.split("::").length).toBeLessThanOrEqual(2);
      }),
      { numRuns: 500 },
    );
  });
});

describe("ipv4ToString", () => {
  it("dotted quad", () => {
    expect(ipv4ToString(0x0a000001)).toBe("10.0.0.1");
    expect(ipv4ToString(0xffffffff)).toBe("255.255.255.255");
    expect(ipv4ToString(0)).toBe("0.0.0.0");
  });
});

describe("parseIpv4 / parseIpv6 (strict)", () => {
  it("IPv4 accepts dotted quads only", () => {
    expect(parseIpv4("10.0.0.1")).toBe(0x0a000001);
    expect(parseIpv4("255.255.255.255")).toBe(0xffffffff);
    expect(parseIpv4("0.0.0.0")).toBe(0);
    for (const bad of [
      "",
      "1.2.3",
      "1.2.3.4.5",
      "256.0.0.1",
      "01.2.3.4",
      "1.2.3.-4",
      " 1.2.3.4",
      "1.2.3.4/8",
      "1..3.4",
      "0x1.2.3.4",
      "1.2.3.4 ",
    ])
      expect(parseIpv4(bad), bad).toBeNull();
  });
  it("IPv6 accepts RFC 4291 text forms", () => {
    expect(parseIpv6("::")).toEqual([0, 0, 0, 0]);
    expect(parseIpv6("::1")).toEqual([0, 0, 0, 1]);
    expect(parseIpv6("2001:DB8::1")).toEqual([0x20010db8, 0, 0, 1]);
    expect(parseIpv6("1:2:3:4:5:6:7:8")).toEqual([0x10002, 0x30004, 0x50006, 0x70008]);
    expect(parseIpv6("::ffff:1.2.3.4")).toEqual([0, 0, 0xffff, 0x01020304]);
    expect(parseIpv6("1:2:3:4:5:6:1.2.3.4")).toEqual([0x10002, 0x30004, 0x50006, 0x01020304]);
    expect(parseIpv6("fe80::")).toEqual([0xfe800000, 0, 0, 0]);
    expect(parseIpv6("1::8")).toEqual([0x10000, 0, 0, 8]);
  });
  it("IPv6 rejects everything else", () => {
    for (const bad of [
      "",
      ":",
      ":::",
      "1:::2",
      "1::2::3",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7::8",
      "12345::",
      "g::",
      ":1::",
      "1::2:",
      "fe80::1%eth0",
      "::1/128",
      "[::1]",
      "1.2.3.4::",
      "::1.2.3",
      "::256.1.1.1",
      "1:2:3:4:5:6:7:1.2.3.4",
      " ::1",
    ])
      expect(parseIpv6(bad), bad).toBeNull();
  });
});

/** The hex-only formatter src/rules/addr.ts had before src/net (kept here as the reference it must equal). */
function formerRulesFormatIpv6(w: readonly [number, number, number, number]): string {
  const g: number[] = [];
  for (const x of w) g.push((x >>> 16) & 0xffff, x & 0xffff);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(":");
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

const zeroHeavyWords = fc
  .array(fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff })), {
    minLength: 8,
    maxLength: 8,
  })
  .map((g) => [0, 1, 2, 3].map((i) => ((g[2 * i] as number) * 65536 + (g[2 * i + 1] as number)) >>> 0))
  .map((w) => w as [number, number, number, number]);

describe("ipv6ToHexString (RFC 5952 in hex groups only)", () => {
  it("prints IPv4-mapped and -compatible addresses in hex, everything else as ipv6ToString", () => {
    expect(ipv6ToHexString(...words("00000000000000000000ffff01020304"))).toBe("::ffff:102:304");
    expect(ipv6ToHexString(...words("0000000000000000000000000a000001"))).toBe("::a00:1");
    expect(ipv6ToHexString(...words("00000000000000000000000000010000"))).toBe("::1:0");
    expect(ipv6ToHexString(...words("00000000000000000000ffff00000000"))).toBe("::ffff:0:0");
    for (const [h, text] of TSHARK_IPV6) {
      if (!text.includes(".")) expect(ipv6ToHexString(...words(h)), text).toBe(text);
    }
  });
  it("equals the former rules formatter and round-trips through parseIpv6", () => {
    fc.assert(
      fc.property(zeroHeavyWords, (w) => {
        const text = ipv6ToHexString(w[0], w[1], w[2], w[3]);
        expect(text).toBe(formerRulesFormatIpv6(w));
        expect(text).not.toContain(".");
        expect(parseIpv6(text)).toEqual(w);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("IPv6 as 16 bytes", () => {
  it("ipv6BytesToString reads network byte order at an offset", () => {
    const b = new Uint8Array(20);
    b.set([0x20, 0x01, 0x0d, 0xb8], 2);
    b[17] = 1;
    expect(ipv6BytesToString(b, 2)).toBe("2001:db8::1");
    b.fill(0, 2);
    b.set([0xff, 0xff, 192, 0, 2, 1], 12);
    expect(ipv6BytesToString(b, 2)).toBe("::ffff:192.0.2.1");
  });
  it("parseIpv6Bytes is parseIpv6 in bytes, and inverts ipv6BytesToString", () => {
    expect(parseIpv6Bytes("fe80::1%eth0")).toBeNull();
    expect([...(parseIpv6Bytes("2001:db8::ff00:1") ?? [])]).toEqual([
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 1,
    ]);
    fc.assert(
      fc.property(zeroHeavyWords, (w) => {
        const bytes = parseIpv6Bytes(ipv6ToString(w[0], w[1], w[2], w[3]));
        expect(bytes).not.toBeNull();
        expect(ipv6BytesToString(bytes as Uint8Array, 0)).toBe(ipv6ToString(w[0], w[1], w[2], w[3]));
      }),
      { numRuns: 300 },
    );
  });
});
