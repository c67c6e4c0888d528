/** Property: the compiled matcher returns exactly what the reference interpreter returns. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecodedPacket, Layer } from "../../src/decode/packet.js";
import { formatIpv4, formatIpv6 } from "../../src/rules/addr.js";
import { compileRules, RULE_BLOCK } from "../../src/rules/compile.js";
import { interpretRules } from "../../src/rules/interpret.js";
import type { Action, Cidr, Direction, PortRange, Rule, Ruleset } from "../../src/rules/types.js";
import { cidr, pkt as pktOf } from "./helpers.js";

// Addresses cluster around a few bases so that rules and packets actually meet.
const V4_BASES = [0x0a000001, 0x0a000105, 0xc0a80101, 0xc0a801ff, 0x08080808, 0, 0xffffffff];
const V6_BASES: [number, number, number, number][] = [
  [0x20010db8, 0, 0, 1],
  [0x20010db8, 1, 0, 5],
  [0xfe800000, 0, 0, 1],
  [0, 0, 0, 1],
  [0x20010db8, 0, 0xffff0000, 0xffffffff],
];
const PORTS = [0, 1, 22, 23, 53, 80, 443, 1024, 8080, 65534, 65535];
const PROTOS = [0, 1, 6, 17, 47, 58, 255];

const v4Addr = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom(...V4_BASES), fc.integer({ min: 0, max: 255 }))
      .map(([b, x]) => (b ^ x) >>> 0),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
);
const v6Addr = fc
  .tuple(fc.constantFrom(...V6_BASES), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 3 }))
  .map(([b, x, wi]) => b.map((w, i) => (i === wi ? (w ^ x) >>> 0 : w)) as [number, number, number, number]);

function mask(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

const v4Cidr: fc.Arbitrary<Cidr> = fc
  .tuple(v4Addr, fc.oneof(fc.integer({ min: 0, max: 32 }), fc.constantFrom(32, 24, 8, 4, 1)))
  .map(([a, p]) => cidr(`${formatIpv4((a & mask(p)) >>> 0)}/${p}`));
const v6Cidr: fc.Arbitrary<Cidr> = fc
  .tuple(v6Addr, fc.oneof(fc.integer({ min: 0, max: 128 }), fc.constantFrom(128, 64, 32, 8, 1)))
  .map(([w, p]) => {
    const net = w.map((x, i) => (x & mask(p - 32 * i)) >>> 0) as [number, number, number, number];
    return cidr(`${formatIpv6(net)}/${p}`);
  });
const anyCidr = fc.oneof({ weight: 2, arbitrary: v4Cidr }, { weight: 1, arbitrary: v6Cidr });

const port = fc.oneof(fc.constantFrom(...PORTS), fc.integer({ min: 0, max: 65535 }));
const portRange: fc.Arbitrary<PortRange> = fc
  .tuple(port, fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 70000 })))
  .map(([lo, w]) => ({ lo, hi: Math.min(65535, lo + w) }));

/** A match field present in about one rule of four (so that random packets do match rules). */
function sometimes<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

const rule: fc.Arbitrary<Omit<Rule, "id" | "path">> = fc
  .record({
    action: fc.constantFrom<Action>("allow", "block", "alert", "log"),
    src: sometimes(fc.array(anyCidr, { minLength: 1, maxLength: 3 })),
    dst: sometimes(fc.array(anyCidr, { minLength: 1, maxLength: 3 })),
    sport: sometimes(fc.array(portRange, { minLength: 1, maxLength: 3 })),
    dport: sometimes(fc.array(portRange, { minLength: 1, maxLength: 3 })),
    port: sometimes(fc.array(portRange, { minLength: 1, maxLength: 3 })),
    proto: sometimes(fc.array(fc.constantFrom(...PROTOS), { minLength: 1, maxLength: 3 })),
    // Also without proto (a hand-built Ruleset may have that; the loader requires proto).
    transportHeader: sometimes(fc.boolean()),
    direction: fc.constantFrom<Direction>("any", "any", "in", "out"),
    severity: fc.constant("low" as const),
    reason: fc.constant("r"),
  })
  .map((r) => {
    const out: Omit<Rule, "id" | "path"> = {
      action: r.action,
      direction: r.direction,
      severity: r.severity,
      reason: r.reason,
    };
    if (r.src) out.src = r.src;
    if (r.dst) out.dst = r.dst;
    if (r.sport) out.sport = r.sport;
    if (r.dport) out.dport = r.dport;
    if (r.port) out.port = r.port;
    if (r.proto) out.proto = r.proto;
    if (r.transportHeader !== undefined) out.transportHeader = r.transportHeader;
    return out;
  });

const ruleset = (min: number, max: number): fc.Arbitrary<Ruleset> =>
  fc
    .record({
      rules: fc.array(rule, { minLength: min, maxLength: max }),
      defaultAction: fc.constantFrom<Action>("allow", "block", "alert", "log"),
      ipVersions: fc.constantFrom<(4 | 6)[]>([4], [6], [4, 6]),
      homeNet: fc.array(anyCidr, { maxLength: 3 }),
    })
    .map((r) => ({
      format: "native" as const,
      defaultReason: "d",
      ...r,
      rules: r.rules.map((x, i) => ({ ...x, id: `r${i}`, path: `rules[${i}]` })),
    }));

interface PacketFields {
  ipVersion: number;
  s4: number;
  d4: number;
  s6: [number, number, number, number];
  d6: [number, number, number, number];
  proto: number;
  sp: number;
  dp: number;
  /** Layer bits beyond IP: a decoded transport header, a non-first fragment, or neither (cut short). */
  l4: number;
}
/** The transport-header states a packet can be in. */
const L4_STATES = [Layer.TCP, Layer.UDP, Layer.ICMP, Layer.ICMPV6, Layer.FRAGMENT, 0];
const packet: fc.Arbitrary<PacketFields> = fc.record({
  ipVersion: fc.constantFrom(4, 4, 6, 6, 0),
  s4: v4Addr,
  d4: v4Addr,
  s6: v6Addr,
  d6: v6Addr,
  proto: fc.oneof(fc.constantFrom(6, 6, 17, 17, 1, 58, 47, -1), fc.integer({ min: 0, max: 255 })),
  sp: fc.oneof(fc.constant(-1), port),
  dp: fc.oneof(fc.constant(-1), port),
  l4: fc.constantFrom(...L4_STATES),
});

function toPacket(f: PacketFields, p: DecodedPacket): DecodedPacket {
  p.ipVersion = f.ipVersion;
  p.src4 = f.s4;
  p.dst4 = f.d4;
  [p.src6a, p.src6b, p.src6c, p.src6d] = f.s6;
  [p.dst6a, p.dst6b, p.dst6c, p.dst6d] = f.d6;
  p.ipProto = f.ipVersion === 0 ? -1 : f.proto;
  p.srcPort = f.sp;
  p.dstPort = f.dp;
  p.layers = (f.ipVersion === 4 ? Layer.IPV4 : f.ipVersion === 6 ? Layer.IPV6 : 0) | f.l4;
  return p;
}

function check(min: number, max: number, runs: number): void {
  fc.assert(
    fc.property(
      ruleset(min, max),
      fc.array(anyCidr, { maxLength: 2 }),
      fc.array(packet, { minLength: 1, maxLength: 60 }),
      (rs, extraHome, packets) => {
        const c = compileRules(rs, { homeNet: extraHome, strategy: "auto-always" });
        const dense = compileRules(rs, { homeNet: extraHome, strategy: "dense" });
        const sparse = compileRules(rs, { homeNet: extraHome, strategy: "sparse" });
        // the same rules split into blocks of 1, 3 and 7 (as files of more than RULE_BLOCK rules are)
        const blocked = [1, 3, 7].map((blockSize) => compileRules(rs, { homeNet: extraHome, blockSize }));
        const p = new DecodedPacket();
        for (const f of packets) {
          toPacket(f, p);
          const want = interpretRules(rs, p, extraHome);
          expect(c.match(p)).toBe(want);
          expect(dense.match(p)).toBe(want);
          expect(sparse.match(p)).toBe(want);
          for (const b of blocked) expect(b.match(p)).toBe(want);
        }
        // Packets made from the rules' own values, so that most rules are hit somewhere.
        for (const r of rs.rules) {
          const base = packets[0] as PacketFields;
          const s = r.src?.[0];
          const d = r.dst?.[0];
          const f: PacketFields = {
            ...base,
            ipVersion: s?.version ?? d?.version ?? base.ipVersion,
            s4: s?.version === 4 ? s.v4 : base.s4,
            d4: d?.version === 4 ? d.v4 : base.d4,
            s6: s?.version === 6 ? s.v6 : base.s6,
            d6: d?.version === 6 ? d.v6 : base.d6,
            proto: r.proto?.[0] ?? base.proto,
            sp: r.sport?.[0]?.hi ?? r.port?.[0]?.lo ?? base.sp,
            dp: r.dport?.[0]?.lo ?? base.dp,
            l4:
              r.transportHeader === true ? Layer.TCP : r.transportHeader === false ? Layer.FRAGMENT : base.l4,
          };
          toPacket(f, p);
          const want = interpretRules(rs, p, extraHome);
          expect(c.match(p)).toBe(want);
          expect(dense.match(p)).toBe(want);
          expect(sparse.match(p)).toBe(want);
          for (const b of blocked) expect(b.match(p)).toBe(want);
        }
      },
    ),
    { numRuns: runs },
  );
}

describe("compiled matcher == reference interpreter", () => {
  it("agrees on random rulesets of 1-50 rules and random packets", () => {
    check(1, 50, 250);
  });
  it("agrees on larger rulesets (many bitset words)", () => {
    check(60, 300, 25);
  });
  it("really matches rules (the generated cases are not all default)", () => {
    // Guard against a vacuous property: count how often a rule (not the default) decides.
    let hits = 0;
    let total = 0;
    fc.assert(
      fc.property(ruleset(1, 50), fc.array(packet, { minLength: 20, maxLength: 20 }), (rs, packets) => {
        const c = compileRules(rs);
        const p = new DecodedPacket();
        for (const f of packets) {
          total++;
          if (c.match(toPacket(f, p)) >= 0) hits++;
        }
      }),
      { numRuns: 100 },
    );
    expect(hits / total).toBeGreaterThan(0.1);
  });
});

describe("compiled matcher, fixed cases", () => {
  it("a ruleset larger than RULE_BLOCK is compiled in blocks: same matches, ids, verdicts and reasons", () => {
    // RULE_BLOCK + 500 per-address rules (the case blocks exist for), then a catch-all; random packets too
    const n = RULE_BLOCK + 500;
    const addr = (i: number): string => `172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
    const rules: Rule[] = Array.from({ length: n }, (_, i) => ({
      id: `r${i}`,
      action: (["block", "alert", "log", "allow"] as const)[i % 4]!,
      src: [cidr(`${addr(i)}/32`)],
      dport: [{ lo: 1000 + (i % 50), hi: 1000 + (i % 50) }],
      direction: "any",
      severity: "medium",
      reason: `reason ${i}`,
      path: `rules[${i}]`,
    }));
    rules.push({
      id: "udp",
      action: "alert",
      proto: [17],
      direction: "any",
      severity: "low",
      reason: "udp",
      path: "x",
    });
    const rs: Ruleset = {
      format: "native",
      rules,
      defaultAction: "log",
      defaultReason: "no rule",
      ipVersions: [4, 6],
      homeNet: [],
    };
    const blocked = compileRules(rs);
    const whole = compileRules(rs, { blockSize: rs.rules.length });
    expect(blocked.stats.rules).toBe(rs.rules.length);
    let late = 0;
    const check1 = (p: DecodedPacket): void => {
      const want = interpretRules(rs, p, []);
      const got = blocked.match(p);
      expect(got).toBe(want);
      expect(whole.match(p)).toBe(want);
      expect(blocked.idOf(got)).toBe(whole.idOf(got));
      expect(blocked.verdictOf(got)).toBe(whole.verdictOf(got));
      expect(blocked.reasonOf(got)).toBe(whole.reasonOf(got));
      if (got >= RULE_BLOCK) late++;
    };
    const p = new DecodedPacket();
    for (const f of fc.sample(packet, { numRuns: 500, seed: 3 })) check1(toPacket(f, p));
    for (let i = 0; i < n; i += 7) {
      const hit = { src: addr(i), dst: "10.0.0.1", sport: 5555, dport: 1000 + (i % 50) };
      check1(pktOf({ ...hit, proto: 6 })); // rule i
      check1(pktOf({ ...hit, proto: 17, dport: 9 })); // the catch-all after every block
      check1(pktOf({ ...hit, proto: 6, dport: 9 })); // the default
      check1(pktOf({ ...hit, proto: 6, l4: "fragment" })); // no ports: the default
    }
    expect(late, "rules of the second block and the last rule decide").toBeGreaterThan(100);
  });

  it("a 1,000-rule ruleset agrees with the interpreter (every strategy)", () => {
    const [rs] = fc.sample(ruleset(1000, 1000), { numRuns: 1, seed: 42 });
    const packets = fc.sample(packet, { numRuns: 1500, seed: 7 });
    if (!rs) throw new Error("no sample");
    const compiled = (["auto", "dense", "sparse"] as const).map((strategy) => compileRules(rs, { strategy }));
    const p = new DecodedPacket();
    let hits = 0;
    for (const f of packets) {
      toPacket(f, p);
      const want = interpretRules(rs, p);
      if (want >= 0) hits++;
      for (const c of compiled) expect(c.match(p)).toBe(want);
    }
    expect(hits).toBeGreaterThan(100);
  });

  it("an empty ruleset gives the default to judged packets and nothing to others", () => {
    const rs: Ruleset = {
      format: "native",
      rules: [],
      defaultAction: "alert",
      defaultReason: "none",
      ipVersions: [6],
      homeNet: [],
    };
    const c = compileRules(rs);
    const p = new DecodedPacket();
    p.ipVersion = 6;
    p.ipProto = 6;
    expect(c.match(p)).toBe(-1);
    expect(c.verdictOf(-1)).toBe("ALERT");
    expect(c.idOf(-1)).toBe("default");
    expect(c.reasonOf(-1)).toBe("none");
    p.ipVersion = 4;
    expect(c.match(p)).toBe(-2);
    expect(c.verdictOf(-2)).toBeNull();
    expect(c.idOf(-2)).toBe("");
  });

  it("direction uses the file's home_net plus opts.homeNet", () => {
    const rs: Ruleset = {
      format: "native",
      rules: [
        { id: "in", action: "block", direction: "in", severity: "low", reason: "in", path: "rules[0]" },
        { id: "out", action: "alert", direction: "out", severity: "low", reason: "out", path: "rules[1]" },
      ],
      defaultAction: "allow",
      defaultReason: "d",
      ipVersions: [4, 6],
      homeNet: [cidr("192.168.0.0/16")],
    };
    const c = compileRules(rs, { homeNet: [cidr("2001:db8::/32")] });
    const p = new DecodedPacket();
    p.ipVersion = 4;
    p.ipProto = 17;
    p.src4 = 0x08080808;
    p.dst4 = 0xc0a80102;
    expect(c.idOf(c.match(p))).toBe("in");
    [p.src4, p.dst4] = [p.dst4, p.src4];
    expect(c.idOf(c.match(p))).toBe("out");
    p.dst4 = 0xc0a80101; // home to home: neither
    expect(c.idOf(c.match(p))).toBe("default");
    p.ipVersion = 6;
    [p.src6a, p.dst6a] = [0x20010db8, 0x2a000000];
    expect(c.idOf(c.match(p))).toBe("out");
    // Without the extra home net, IPv6 has no home: neither direction.
    expect(compileRules(rs).match(p)).toBe(-1);
    expect(interpretRules(rs, p)).toBe(-1);
    expect(interpretRules(rs, p, [cidr("2001:db8::/32")])).toBe(1);
  });
});
