/**
 * Issue 3 (legacy rules keep their exact meaning): the original program named a packet's protocol
 * "TCP" / "UDP" / "ICMP" only when Scapy had decoded that header, and by its number ("6", "17",
 * "1") otherwise: non-first fragments, and packets cut short before the transport header. The
 * rule field `transport_header` (Rule.transportHeader) carries that meaning into pfw: legacy
 * "TCP" = proto 6 + transport_header true, legacy "6" = proto 6 + transport_header false.
 * The Scapy verdicts quoted below were measured with test/reference/legacy_firewall.py on these
 * exact frames; test/scan/legacy-equivalence.test.ts compares whole corpus captures.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeFrame } from "../../src/decode/frame.js";
import { DecodedPacket, Layer } from "../../src/decode/packet.js";
import { compileRules } from "../../src/rules/compile.js";
import { interpretRules } from "../../src/rules/interpret.js";
import {
  formatNativeJson,
  formatProblem,
  loadRuleFile,
  parseRules,
  parseRulesText,
  rulesetToNative,
} from "../../src/rules/load.js";
import type { Ruleset } from "../../src/rules/types.js";
import { pkt, type PacketSpec } from "./helpers.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const LINKTYPE_ETHERNET = 1;

function bytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ""), "hex"));
}

// 198.51.100.7 > 192.0.2.1: ip-proto-6   (id 4660, offset 1480, flags [none], length 28)
//   0x0000:  0200 0000 0001 0200 0000 0002 0800 4500  ..............E.
//   0x0010:  001c 1234 00b9 4006 7bb3 c633 6407 c000  ...4..@.{..3d...
//   0x0020:  0201 6672 6167 6461 7461                 ..fragdata
const TCP_NON_FIRST_FRAGMENT = bytes(
  "02000000000102000000000208004500001c123400b940067bb3c6336407c00002016672616764617461",
);
// 198.51.100.7.40000 > 192.0.2.1.8080: Flags [S]   (id 4660, offset 0, flags [+], length 40)
//   0x0000:  0200 0000 0001 0200 0000 0002 0800 4500  ..............E.
//   0x0010:  0028 1234 2000 4006 5c60 c633 6407 c000  .(.4..@.\`.3d...
//   0x0020:  0201 9c40 1f90 0000 0001 0000 0000 5002  ...@..........P.
//   0x0030:  2000 e7d4 0000                           ......
const TCP_FIRST_FRAGMENT = bytes(
  "0200000000010200000000020800450000281234200040065c60c6336407c00002019c401f90000000010000000050022000e7d40000",
);
// IP truncated-ip - 8 bytes missing! (proto ICMP (1), length 28)  198.51.100.7 > 192.0.2.1: [|icmp]
//   0x0000:  0200 0000 0001 0200 0000 0002 0800 4500  ..............E.
//   0x0010:  001c 1235 0000 4001 7c70 c633 6407 c000  ...5..@.|p.3d...
//   0x0020:  0201                                     ..
const ICMP_HEADER_NOT_CAPTURED = bytes(
  "02000000000102000000000208004500001c1235000040017c70c6336407c0000201",
);

function load(json: unknown): Ruleset {
  const res = parseRules(json, "test");
  expect(res.problems.map(formatProblem)).toEqual([]);
  if (!res.ruleset) throw new Error("no ruleset");
  return res.ruleset;
}

/** Verdict of a packet with the compiled matcher, checked against the interpreter. */
function verdict(rs: Ruleset, p: DecodedPacket): string | null {
  const c = compileRules(rs);
  const idx = c.match(p);
  expect(interpretRules(rs, p)).toBe(idx);
  expect(compileRules(rs, { strategy: "sparse" }).match(p)).toBe(idx);
  return c.verdictOf(idx);
}

function decoded(frame: Uint8Array): DecodedPacket {
  const p = new DecodedPacket();
  decodeFrame(p, frame, 0, frame.length, LINKTYPE_ETHERNET);
  return p;
}

function problems(json: unknown): string[] {
  return parseRules(json, "x").problems.map(formatProblem);
}

describe("legacy protocol names: TCP/UDP/ICMP only with the transport header, numbers without", () => {
  const example = loadRuleFile(path.join(repoRoot, "rules/legacy-example.json")).ruleset as Ruleset;
  const numbers = load({ allow: { protocols: ["6", "1"] }, block: { protocols: ["TCP"] } });

  it("the decoder marks the three frames as the rules expect", () => {
    const frag = decoded(TCP_NON_FIRST_FRAGMENT);
    expect(frag.layers & Layer.FRAGMENT).not.toBe(0);
    expect(frag.layers & Layer.TCP).toBe(0);
    expect([frag.ipProto, frag.srcPort]).toEqual([6, -1]);
    const first = decoded(TCP_FIRST_FRAGMENT);
    expect(first.layers & Layer.TCP).not.toBe(0);
    expect([first.moreFragments, first.srcPort, first.dstPort]).toEqual([1, 40000, 8080]);
    const cut = decoded(ICMP_HEADER_NOT_CAPTURED);
    expect(cut.layers & (Layer.ICMP | Layer.FRAGMENT)).toBe(0);
    expect(cut.ipProto).toBe(1);
  });

  it('legacy example: a non-first TCP fragment is "6" (UNKNOWN), not "TCP" (ALLOWED)', () => {
    // Scapy: UNKNOWN, ALLOWED, UNKNOWN.
    expect(verdict(example, decoded(TCP_NON_FIRST_FRAGMENT))).toBe("UNKNOWN");
    expect(verdict(example, decoded(TCP_FIRST_FRAGMENT))).toBe("ALLOWED");
    // ICMP is in block.protocols, but a packet cut short before its ICMP header is "1".
    expect(verdict(example, decoded(ICMP_HEADER_NOT_CAPTURED))).toBe("UNKNOWN");
  });

  it('"6" and "1" are valid legacy entries and match exactly the packets without the header', () => {
    // Scapy with {"allow": {"protocols": ["6", "1"]}, "block": {"protocols": ["TCP"]}}:
    // ALLOWED, BLOCKED, ALLOWED.
    expect(verdict(numbers, decoded(TCP_NON_FIRST_FRAGMENT))).toBe("ALLOWED");
    expect(verdict(numbers, decoded(TCP_FIRST_FRAGMENT))).toBe("BLOCKED");
    expect(verdict(numbers, decoded(ICMP_HEADER_NOT_CAPTURED))).toBe("ALLOWED");
    expect(numbers.rules.map((r) => [r.id, r.proto, r.transportHeader, r.reason])).toEqual([
      ["block.protocols[0]", [6], true, "protocol TCP is in the block list"],
      ["allow.protocols[0]", [6], false, "protocol 6 is in the allow list"],
      ["allow.protocols[1]", [1], false, "protocol 1 is in the allow list"],
    ]);
  });

  it("every state, for UDP and ICMP too", () => {
    const rs = load({
      block: { protocols: ["UDP", "ICMP"] },
      allow: { protocols: ["17", "1"] },
    });
    const at = (proto: number, l4: PacketSpec["l4"]): string | null =>
      verdict(rs, pkt({ src: "198.51.100.7", dst: "192.0.2.1", proto, sport: 53, dport: 53, l4 }));
    for (const proto of [17, 1]) {
      expect(at(proto, "header")).toBe("BLOCKED");
      expect(at(proto, "fragment")).toBe("ALLOWED");
      expect(at(proto, "cut")).toBe("ALLOWED");
    }
    // Other protocols are named by number whatever the header: "58" (ICMPv6 in IPv4) has no field.
    const other = load({ block: { protocols: ["58", "47"] } });
    expect(other.rules.map((r) => r.transportHeader)).toEqual([undefined, undefined]);
    for (const l4 of ["header", "fragment", "cut"] as const) {
      expect(verdict(other, pkt({ src: "198.51.100.7", dst: "192.0.2.1", proto: 58, l4 }))).toBe("BLOCKED");
    }
  });

  it("a fragment never matches legacy ports (no transport header, no ports)", () => {
    const rs = load({ block: { ports: [8080] } });
    const p = pkt({ src: "198.51.100.7", dst: "192.0.2.1", proto: 6, sport: 1, dport: 8080, l4: "fragment" });
    expect(verdict(rs, p)).toBe("UNKNOWN");
    expect(verdict(rs, decoded(TCP_FIRST_FRAGMENT))).toBe("BLOCKED");
  });
});

describe("native transport_header field", () => {
  const rule = (extra: Record<string, unknown>): unknown => ({
    version: 1,
    rules: [{ id: "r", action: "alert", ...extra }],
  });

  it("validates: a boolean, with proto limited to tcp/udp/icmp/icmpv6, no ports when false", () => {
    expect(problems(rule({ proto: "tcp", transport_header: "yes" }))).toEqual([
      'rules[0].transport_header: "yes" is not true or false',
    ]);
    expect(problems(rule({ proto: "tcp", transport_header: 1 }))).toEqual([
      "rules[0].transport_header: 1 is not true or false",
    ]);
    expect(problems(rule({ transport_header: false }))).toEqual([
      'rules[0].transport_header: needs "proto": tcp, udp, icmp and/or icmpv6 (the protocols whose header pfw decodes)',
    ]);
    expect(problems(rule({ proto: ["tcp", "gre", 50], transport_header: true }))).toEqual([
      "rules[0].transport_header: applies only to tcp, udp, icmp and icmpv6 (pfw decodes no other transport header), not to protocol 47, 50",
    ]);
    expect(problems(rule({ proto: "tcp", dport: 80, transport_header: false }))).toEqual([
      "rules[0].dport: ports are in the transport header, and this rule has transport_header false",
    ]);
    expect(problems(rule({ proto: "tcp", transport: true }))).toEqual([
      'rules[0].transport: unknown key (did you mean "transport_header"?)',
    ]);
    // Valid forms.
    expect(problems(rule({ proto: ["tcp", "udp", "icmp", "icmpv6"], transport_header: false }))).toEqual([]);
    expect(problems(rule({ proto: "tcp", dport: 80, transport_header: true }))).toEqual([]);
  });

  it("matches only the packets with (true) or without (false) their transport header, v4 and v6", () => {
    const rs = load({
      version: 1,
      default: "allow",
      rules: [
        { id: "frags", action: "block", proto: ["tcp", "udp"], transport_header: false },
        { id: "whole", action: "alert", proto: "udp", transport_header: true },
        { id: "any", action: "log", proto: "udp" },
      ],
    });
    for (const [src, dst] of [
      ["198.51.100.7", "192.0.2.1"],
      ["2001:db8::7", "2001:db8::1"],
    ] as const) {
      const at = (proto: number, l4: PacketSpec["l4"]): string | null =>
        verdict(rs, pkt({ src, dst, proto, sport: 5000, dport: 53, l4 }));
      expect(at(6, "fragment")).toBe("BLOCKED");
      expect(at(17, "cut")).toBe("BLOCKED");
      expect(at(17, "header")).toBe("ALERT");
      expect(at(6, "header")).toBe("ALLOWED");
      expect(at(1, "fragment")).toBe("ALLOWED");
    }
  });

  it("convert prints the field and the converted file decides every packet state the same", () => {
    const legacy = load({ allow: { protocols: ["TCP", "6", "UDP"] }, block: { protocols: ["1", "ICMP"] } });
    const text = formatNativeJson(rulesetToNative(legacy));
    expect(text).toContain(
      '{ "id": "allow.protocols[1]", "action": "allow", "proto": "tcp", "transport_header": false, "severity": "low", "reason": "protocol 6 is in the allow list" }',
    );
    expect(text).toContain('"proto": "icmp", "transport_header": true');
    const back = parseRulesText(text, "converted.json");
    expect(back.problems).toEqual([]);
    const native = back.ruleset as Ruleset;
    expect(native.rules.map((r) => r.transportHeader)).toEqual(legacy.rules.map((r) => r.transportHeader));
    expect(formatNativeJson(rulesetToNative(native))).toBe(text);
    const c1 = compileRules(legacy);
    const c2 = compileRules(native);
    let decided = 0;
    for (const proto of [1, 6, 17, 47]) {
      for (const l4 of ["header", "fragment", "cut"] as const) {
        const p = pkt({ src: "198.51.100.7", dst: "192.0.2.1", proto, sport: 1, dport: 2, l4 });
        const idx = c1.match(p);
        expect(c2.match(p)).toBe(idx);
        if (idx >= 0) decided++;
      }
    }
    expect(decided).toBe(7); // ICMP x3, TCP x3, UDP with its header
    for (const frame of [TCP_NON_FIRST_FRAGMENT, TCP_FIRST_FRAGMENT, ICMP_HEADER_NOT_CAPTURED]) {
      const p = decoded(frame);
      expect(c2.match(p)).toBe(c1.match(p));
    }
  });
});
