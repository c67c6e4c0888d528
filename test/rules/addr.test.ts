/** Strict address / CIDR parsers and RFC 5952 formatting. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cidrContains4,
  cidrContains6,
  formatIpv4,
  formatIpv6,
  parseCidr,
  parseCidrList,
  parseCidrDetailed,
  parseIpv4,
  parseIpv6,
} from "../../src/rules/addr.js";

describe("IPv4", () => {
  it("parses strict dotted quads", () => {
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
      "1.2.3.4 ",
      "1..3.4",
      "0x1.2.3.4",
      "1e2.0.0.1",
    ]) {
      expect(parseIpv4(bad), bad).toBe(-1);
    }
  });
  it("round-trips every uint32", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => parseIpv4(formatIpv4(v)) === v));
  });
});

describe("IPv6", () => {
  it("parses RFC 4291 forms", () => {
    expect(parseIpv6("::")).toEqual([0, 0, 0, 0]);
    expect(parseIpv6("::1")).toEqual([0, 0, 0, 1]);
    expect(parseIpv6("2001:db8::1")).toEqual([0x20010db8, 0, 0, 1]);
    expect(parseIpv6("2001:DB8:0:0:0:0:0:1")).toEqual([0x20010db8, 0, 0, 1]);
    expect(parseIpv6("fe80::")).toEqual([0xfe800000, 0, 0, 0]);
    expect(parseIpv6("::ffff:192.0.2.1")).toEqual([0, 0, 0xffff, 0xc0000201]);
    expect(parseIpv6("1:2:3:4:5:6:1.2.3.4")).toEqual([0x10002, 0x30004, 0x50006, 0x01020304]);
    expect(parseIpv6("1:2:3:4:5:6:7::")).toEqual([0x10002, 0x30004, 0x50006, 0x70000]);
    for (const bad of [
      "",
      ":",
      ":::",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "12345::",
      ":1",
      "1:",
      "g::1",
      "fe80::1%eth0",
      "::1.2.3",
      "::256.1.1.1",
      "1:2:3:4:5:6:7:1.2.3.4",
      "1:2:3:4:5:6:7:8::",
    ]) {
      expect(parseIpv6(bad), bad).toBeNull();
    }
  });
  it("formats per RFC 5952 (lowercase, longest zero run, first on a tie, no single-group ::)", () => {
    expect(formatIpv6([0x20010db8, 0, 0, 1])).toBe("2001:db8::1");
    expect(formatIpv6([0, 0, 0, 0])).toBe("::");
    expect(formatIpv6([0x20010db8, 0x00010000, 0x00010000, 0x00000001])).toBe("2001:db8:1:0:1::1");
    expect(formatIpv6([0x20010000, 0x00000001, 0x00000000, 0x00000001])).toBe("2001:0:0:1::1");
    expect(formatIpv6([0x20010db8, 0x00000001, 0x00010001, 0x00010001])).toBe("2001:db8:0:1:1:1:1:1");
    expect(formatIpv6([0xabcdef00, 0, 0, 0])).toBe("abcd:ef00::");
  });
  it("round-trips random addresses", () => {
    const w = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff }));
    fc.assert(
      fc.property(fc.tuple(w, w, w, w), (a) => {
        expect(parseIpv6(formatIpv6(a))).toEqual(a);
      }),
    );
  });
});

describe("CIDR", () => {
  it("parses v4 and v6 with and without prefix; normalised text", () => {
    expect(parseCidr("10.0.0.0/8")).toEqual({
      version: 4,
      v4: 0x0a000000,
      v6: [0, 0, 0, 0],
      prefix: 8,
      text: "10.0.0.0/8",
    });
    expect(parseCidr("10.0.0.5")?.text).toBe("10.0.0.5");
    expect(parseCidr("10.0.0.5/32")?.text).toBe("10.0.0.5");
    expect(parseCidr("0.0.0.0/0")?.prefix).toBe(0);
    expect(parseCidr("2001:DB8::/32")?.text).toBe("2001:db8::/32");
    expect(parseCidr("::/0")?.prefix).toBe(0);
    expect(parseCidr("::1")?.prefix).toBe(128);
  });
  it("rejects host bits, bad prefixes, junk", () => {
    expect(parseCidrDetailed("192.168.1.5/24").error).toBe(
      '"192.168.1.5/24" has host bits set (did you mean "192.168.1.0/24"?)',
    );
    expect(parseCidrDetailed("2001:db8::1/64").error).toBe(
      '"2001:db8::1/64" has host bits set (did you mean "2001:db8::/64"?)',
    );
    expect(parseCidrDetailed("10.0.0.0/33").error).toBe('"10.0.0.0/33" has a bad prefix length (0-32)');
    expect(parseCidrDetailed("::/129").error).toBe('"::/129" has a bad prefix length (0-128)');
    for (const bad of ["10.0.0.0/", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0.0/8/8", "any", "", "/8"]) {
      expect(parseCidr(bad), bad).toBeNull();
    }
  });
  it("containment at prefix boundaries", () => {
    const c = parseCidr("192.168.0.0/23");
    if (!c) throw new Error("x");
    expect(cidrContains4(c, parseIpv4("192.168.1.255"))).toBe(true);
    expect(cidrContains4(c, parseIpv4("192.168.2.0"))).toBe(false);
    expect(cidrContains4(c, parseIpv4("192.167.255.255"))).toBe(false);
    const all = parseCidr("0.0.0.0/0");
    if (!all) throw new Error("x");
    expect(cidrContains4(all, 0xffffffff)).toBe(true);
    const v6 = parseCidr("2001:db8::/33");
    if (!v6) throw new Error("x");
    expect(cidrContains6(v6, 0x20010db8, 0x7fffffff, 1, 2)).toBe(true);
    expect(cidrContains6(v6, 0x20010db8, 0x80000000, 0, 0)).toBe(false);
    expect(cidrContains4(v6, 0x20010db8)).toBe(false);
    expect(cidrContains6(c, 0, 0, 0, 0)).toBe(false);
  });
});

describe("parseCidrList (--home-net)", () => {
  it("parses a comma list and reports each bad item", () => {
    expect(parseCidrList("192.168.0.0/16, fd00::/8,,10.0.0.1").cidrs.map((c) => c.text)).toEqual([
      "192.168.0.0/16",
      "fd00::/8",
      "10.0.0.1",
    ]);
    expect(parseCidrList("10.0.0.1/8,bogus").errors).toEqual([
      '"10.0.0.1/8" has host bits set (did you mean "10.0.0.0/8"?)',
      '"bogus" is not an IPv4/IPv6 address or CIDR',
    ]);
  });
});
