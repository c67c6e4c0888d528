/**
 * The original project's allow/block file keeps its exact meaning: for each IPv4 packet,
 * BLOCKED if it matches `block` (source IP, protocol name/number, TCP/UDP source or
 * destination port), else ALLOWED if it matches `allow` the same way, else UNKNOWN;
 * non-IPv4 packets get no verdict.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileRules, type CompiledRules } from "../../src/rules/compile.js";
import { interpretRules } from "../../src/rules/interpret.js";
import { loadRuleFile, parseRules } from "../../src/rules/load.js";
import type { Ruleset, Verdict } from "../../src/rules/types.js";
import { pkt, type PacketSpec } from "./helpers.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const LEGACY_FILE = path.join(repoRoot, "rules/legacy-example.json");

function load(): Ruleset {
  const res = loadRuleFile(LEGACY_FILE);
  expect(res.problems).toEqual([]);
  if (!res.ruleset) throw new Error("no ruleset");
  return res.ruleset;
}

/** Decide with both the compiled matcher and the interpreter; they must agree. */
function decide(
  rs: Ruleset,
  c: CompiledRules,
  spec: PacketSpec,
): { verdict: Verdict | null; id: string; reason: string } {
  const p = pkt(spec);
  const idx = c.match(p);
  expect(idx).toBe(interpretRules(rs, p));
  return { verdict: c.verdictOf(idx), id: c.idOf(idx), reason: c.reasonOf(idx) };
}

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const OUT = "8.8.8.8"; // an address in neither list

describe("legacy rule file (rules/legacy-example.json)", () => {
  const rs = load();
  const c = compileRules(rs);

  it("is the original file, byte for byte meaning", () => {
    expect(rs.format).toBe("legacy");
    expect(rs.ipVersions).toEqual([4]);
    expect(rs.defaultAction).toBe("log");
    expect(rs.defaultReason).toBe("no rule matched");
    expect(rs.rules.map((r) => r.id)).toEqual([
      "block.ips[0]",
      "block.ports[0]",
      "block.ports[1]",
      "block.protocols[0]",
      "allow.ips[0]",
      "allow.ports[0]",
      "allow.ports[1]",
      "allow.protocols[0]",
      "allow.protocols[1]",
    ]);
    expect(rs.rules.map((r) => r.path)).toEqual(rs.rules.map((r) => r.id));
    expect(rs.rules.map((r) => r.reason)).toEqual([
      "source IP 10.0.0.5 is in the block list",
      "port 23 is in the block list",
      "port 25 is in the block list",
      "protocol ICMP is in the block list",
      "source IP 192.168.1.1 is in the allow list",
      "port 80 is in the allow list",
      "port 443 is in the allow list",
      "protocol TCP is in the allow list",
      "protocol UDP is in the allow list",
    ]);
  });

  it("BLOCKED by source IP, whatever the protocol", () => {
    for (const proto of [TCP, UDP, ICMP, 47, 0, 255]) {
      const d = decide(rs, c, { src: "10.0.0.5", dst: OUT, proto, sport: 1234, dport: 80 });
      expect(d).toEqual({
        verdict: "BLOCKED",
        id: "block.ips[0]",
        reason: "source IP 10.0.0.5 is in the block list",
      });
    }
  });

  it("matches the IP on the source side only", () => {
    // 10.0.0.5 as destination: not blocked; GRE (47) is in no list -> UNKNOWN.
    expect(decide(rs, c, { src: OUT, dst: "10.0.0.5", proto: 47 }).verdict).toBe("UNKNOWN");
    // 192.168.1.1 as destination of a GRE packet: not allowed.
    expect(decide(rs, c, { src: OUT, dst: "192.168.1.1", proto: 47 }).verdict).toBe("UNKNOWN");
    // 192.168.1.1 as source: ALLOWED even for a protocol in no list.
    expect(decide(rs, c, { src: "192.168.1.1", dst: OUT, proto: 47 })).toMatchObject({
      verdict: "ALLOWED",
      id: "allow.ips[0]",
    });
    // Exact address only: a neighbour is not listed.
    expect(decide(rs, c, { src: "10.0.0.4", dst: OUT, proto: 47 }).verdict).toBe("UNKNOWN");
    expect(decide(rs, c, { src: "10.0.0.6", dst: OUT, proto: 47 }).verdict).toBe("UNKNOWN");
  });

  it("BLOCKED by a blocked port on either side, for TCP and UDP", () => {
    for (const proto of [TCP, UDP]) {
      for (const port of [23, 25]) {
        const asDst = decide(rs, c, { src: OUT, dst: "192.168.1.1", proto, sport: 40000, dport: port });
        expect(asDst).toEqual({
          verdict: "BLOCKED",
          id: `block.ports[${port === 23 ? 0 : 1}]`,
          reason: `port ${port} is in the block list`,
        });
        const asSrc = decide(rs, c, { src: OUT, dst: "192.168.1.1", proto, sport: port, dport: 40000 });
        expect(asSrc.verdict).toBe("BLOCKED");
      }
    }
  });

  it("block wins over allow (blocked port from an allowed IP, blocked port with allowed port)", () => {
    expect(decide(rs, c, { src: "192.168.1.1", dst: OUT, proto: TCP, sport: 50000, dport: 23 }).verdict).toBe(
      "BLOCKED",
    );
    expect(decide(rs, c, { src: OUT, dst: OUT, proto: TCP, sport: 80, dport: 25 }).verdict).toBe("BLOCKED");
    // ICMP is blocked even from the allowed source IP.
    expect(decide(rs, c, { src: "192.168.1.1", dst: OUT, proto: ICMP })).toMatchObject({
      verdict: "BLOCKED",
      id: "block.protocols[0]",
      reason: "protocol ICMP is in the block list",
    });
  });

  it("ALLOWED by protocol TCP/UDP and by an allowed port; the first allow entry in file order is reported", () => {
    expect(decide(rs, c, { src: OUT, dst: OUT, proto: TCP, sport: 50000, dport: 443 })).toMatchObject({
      verdict: "ALLOWED",
      id: "allow.ports[1]",
    });
    expect(decide(rs, c, { src: OUT, dst: OUT, proto: UDP, sport: 80, dport: 50000 })).toMatchObject({
      verdict: "ALLOWED",
      id: "allow.ports[0]",
    });
    expect(decide(rs, c, { src: OUT, dst: OUT, proto: TCP, sport: 50000, dport: 50001 })).toMatchObject({
      verdict: "ALLOWED",
      id: "allow.protocols[0]",
      reason: "protocol TCP is in the allow list",
    });
    expect(decide(rs, c, { src: OUT, dst: OUT, proto: UDP, sport: 5353, dport: 5353 })).toMatchObject({
      verdict: "ALLOWED",
      id: "allow.protocols[1]",
    });
  });

  it("UNKNOWN for protocols in no list (by number: GRE 47, ESP 50, 0, 255)", () => {
    for (const proto of [47, 50, 0, 255, 58]) {
      expect(decide(rs, c, { src: OUT, dst: OUT, proto })).toEqual({
        verdict: "UNKNOWN",
        id: "default",
        reason: "no rule matched",
      });
    }
  });

  it("ports count on TCP and UDP only", () => {
    // An SCTP (132) packet whose ports field were somehow set to 23 is not blocked by port.
    expect(decide(rs, c, { src: OUT, dst: OUT, proto: 132, sport: 23, dport: 23 }).verdict).toBe("UNKNOWN");
  });

  it("non-first fragments have no ports and no protocol name: judged by source IP and protocol number", () => {
    // Decoder contract: Layer.FRAGMENT, srcPort = dstPort = -1. Scapy has no TCP/UDP/ICMP layer
    // there, so the original named the protocol "6" / "17" / "1", in no list of this file.
    expect(decide(rs, c, { src: OUT, dst: OUT, proto: TCP, l4: "fragment" })).toEqual({
      verdict: "UNKNOWN",
      id: "default",
      reason: "no rule matched",
    });
    expect(decide(rs, c, { src: OUT, dst: OUT, proto: ICMP, l4: "fragment" }).verdict).toBe("UNKNOWN");
    expect(decide(rs, c, { src: "10.0.0.5", dst: OUT, proto: UDP, l4: "fragment" }).verdict).toBe("BLOCKED");
    expect(decide(rs, c, { src: "192.168.1.1", dst: OUT, proto: UDP, l4: "fragment" }).verdict).toBe(
      "ALLOWED",
    );
    // The first fragment carries the TCP header (ports) and is BLOCKED by port.
    expect(decide(rs, c, { src: OUT, dst: OUT, proto: TCP, sport: 40000, dport: 23 }).verdict).toBe(
      "BLOCKED",
    );
  });

  it("non-IPv4 packets get no verdict (IPv6, even from a blocked-looking address, and non-IP frames)", () => {
    const v6 = pkt({ src: "::ffff:10.0.0.5", dst: "2001:db8::1", proto: TCP, sport: 1, dport: 23 });
    expect(c.match(v6)).toBe(-2);
    expect(interpretRules(rs, v6)).toBe(-2);
    expect(c.verdictOf(-2)).toBeNull();
    const arp = pkt({ src: "10.0.0.5", dst: OUT, proto: -1 });
    arp.ipVersion = 0;
    expect(c.match(arp)).toBe(-2);
    expect(interpretRules(rs, arp)).toBe(-2);
  });

  it("an empty legacy file and a file with only one side load", () => {
    const empty = parseRules({ allow: {}, block: {} }, "x");
    expect(empty.problems).toEqual([]);
    expect(empty.ruleset?.rules).toEqual([]);
    const onlyBlock = parseRules({ block: { ips: ["1.2.3.4"] } }, "x");
    expect(onlyBlock.problems).toEqual([]);
    const rs2 = onlyBlock.ruleset as Ruleset;
    const c2 = compileRules(rs2);
    expect(c2.verdictOf(c2.match(pkt({ src: "1.2.3.4", dst: OUT, proto: TCP })))).toBe("BLOCKED");
    expect(c2.verdictOf(c2.match(pkt({ src: "1.2.3.5", dst: OUT, proto: TCP })))).toBe("UNKNOWN");
  });

  it("other protocol numbers given as strings match by number", () => {
    const res = parseRules({ block: { protocols: ["47", "0"] }, allow: { protocols: ["ICMP"] } }, "x");
    expect(res.problems).toEqual([]);
    const rs3 = res.ruleset as Ruleset;
    const c3 = compileRules(rs3);
    expect(rs3.rules.map((r) => r.reason)).toEqual([
      "protocol 47 is in the block list",
      "protocol 0 is in the block list",
      "protocol ICMP is in the allow list",
    ]);
    expect(c3.verdictOf(c3.match(pkt({ src: OUT, dst: OUT, proto: 47 })))).toBe("BLOCKED");
    expect(c3.verdictOf(c3.match(pkt({ src: OUT, dst: OUT, proto: 0 })))).toBe("BLOCKED");
    expect(c3.verdictOf(c3.match(pkt({ src: OUT, dst: OUT, proto: 1 })))).toBe("ALLOWED");
    expect(c3.verdictOf(c3.match(pkt({ src: OUT, dst: OUT, proto: 6 })))).toBe("UNKNOWN");
  });
});
