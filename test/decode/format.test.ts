/** Address and flag text as tshark 4.0 prints it (every expected string below was printed by tshark), and the strict parsers. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  dstAddrString,
  ipv4ToString,
  ipv6ToString,
  parseIpv4,
  parseIpv6,
  srcAddrString,
  tcpFlagsHex,
} from "../../src/decode/format.js";
import { DecodedPacket } from "../../src/decode/packet.js";

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

describe("ipv4ToString, src/dst strings, tcpFlagsHex", () => {
  it("dotted quad", () => {
    expect(ipv4ToString(0x0a000001)).toBe("10.0.0.1");
    expect(ipv4ToString(0xffffffff)).toBe("255.255.255.255");
    expect(ipv4ToString(0)).toBe("0.0.0.0");
  });
  it("src/dst follow the decoded IP version, empty without IP", () => {
    const p = new DecodedPacket();
    expect([srcAddrString(p), dstAddrString(p)]).toEqual(["", ""]);
  });
  it("flags as tshark prints tcp.flags", () => {
    expect(tcpFlagsHex(0x18)).toBe("0x0018");
    expect(tcpFlagsHex(0x002)).toBe("0x0002");
    expect(tcpFlagsHex(0xfff)).toBe("0x0fff");
    expect(tcpFlagsHex(-1)).toBe("");
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
