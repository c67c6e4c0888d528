import { describe, expect, it } from "vitest";
import { FlowTable, type FlowRecord } from "../../src/flows/table.js";
import { communityIdOfTuple } from "../../src/flows/community-id.js";
import { formatIpv4, formatIpv6, parseIpv4 } from "../../src/rules/addr.js";
import { ACK, FIN, mkArp, mkPkt, PSH, RST, SYN, type PktSpec } from "./packets.js";

interface Snap {
  orig: string;
  resp: string;
  origPort: number;
  respPort: number;
  proto: number;
  origPkts: number;
  respPkts: number;
  origBytes: number;
  respBytes: number;
  connState: string;
  verdict: number;
  rules: number[];
  cid: string;
  uid: string;
  reason: string;
  firstFrame: number;
  fileIndex: number;
  first: [number, number];
  last: [number, number];
  durationNs: number;
}

function addr(f: FlowRecord, which: "orig" | "resp"): string {
  const w = which === "orig" ? f.origAddr() : f.respAddr();
  return f.ipVersion === 4 ? formatIpv4(w[0]) : formatIpv6(w);
}

function snap(f: FlowRecord): Snap {
  return {
    orig: addr(f, "orig"),
    resp: addr(f, "resp"),
    origPort: f.origPort,
    respPort: f.respPort,
    proto: f.proto,
    origPkts: f.origPkts,
    respPkts: f.respPkts,
    origBytes: f.origBytes,
    respBytes: f.respBytes,
    connState: f.connState,
    verdict: f.verdict,
    rules: f.ruleIndexes(),
    cid: f.communityId,
    uid: f.uid,
    reason: f.evictReasonName,
    firstFrame: f.firstFrame,
    fileIndex: f.fileIndex,
    first: [f.firstSec, f.firstNsec],
    last: [f.lastSec, f.lastNsec],
    durationNs: f.durationNs,
  };
}

function mkTable(maxFlows = 1000, timeouts = { tcp: 300, udp: 60, other: 60 }) {
  const out: Snap[] = [];
  const t = new FlowTable({
    maxFlows,
    idleTimeoutSec: timeouts,
    onEvict: (f) => out.push(snap(f)),
    hashSeed: 1,
  });
  return { t, out };
}

const C = "10.0.0.5";
const S = "192.168.1.10";

/** Feed a sequence of TCP segments (dir ">" client->server, "<" server->client), 1 s apart. */
function tcpConv(segs: [dir: ">" | "<", flags: number, payload?: number][]): Snap {
  const { t, out } = mkTable();
  let ts = 1000;
  let frame = 1;
  for (const [dir, flags, payload] of segs) {
    const s: PktSpec =
      dir === ">"
        ? { src: C, dst: S, proto: 6, sport: 51000, dport: 23, flags, payload }
        : { src: S, dst: C, proto: 6, sport: 23, dport: 51000, flags, payload };
    t.update(mkPkt(s), ts++, 0, 60, -1, -2, frame++, 0);
  }
  t.flushAll();
  expect(out).toHaveLength(1);
  return out[0]!;
}

describe("flow table: conn_state (Zeek definitions)", () => {
  it("handshake, data, FIN both ways = SF", () => {
    const f = tcpConv([
      [">", SYN],
      ["<", SYN | ACK],
      [">", ACK],
      [">", PSH | ACK, 100],
      ["<", PSH | ACK, 200],
      [">", FIN | ACK],
      ["<", FIN | ACK],
      [">", ACK],
    ]);
    expect(f.connState).toBe("SF");
    expect([f.origPkts, f.respPkts]).toEqual([5, 3]);
  });
  it("SYN only = S0", () => expect(tcpConv([[">", SYN]]).connState).toBe("S0"));
  it("SYN retransmitted, no reply = S0", () =>
    expect(
      tcpConv([
        [">", SYN],
        [">", SYN],
      ]).connState,
    ).toBe("S0"));
  it("SYN then RST-ACK from responder = REJ", () =>
    expect(
      tcpConv([
        [">", SYN],
        ["<", RST | ACK],
      ]).connState,
    ).toBe("REJ"));
  it("handshake without close = S1", () =>
    expect(
      tcpConv([
        [">", SYN],
        ["<", SYN | ACK],
        [">", ACK],
      ]).connState,
    ).toBe("S1"));
  it("established, FIN from originator only = S2", () =>
    expect(
      tcpConv([
        [">", SYN],
        ["<", SYN | ACK],
        [">", ACK],
        [">", FIN | ACK],
      ]).connState,
    ).toBe("S2"));
  it("established, FIN from responder only = S3", () =>
    expect(
      tcpConv([
        [">", SYN],
        ["<", SYN | ACK],
        [">", ACK],
        ["<", FIN | ACK],
      ]).connState,
    ).toBe("S3"));
  it("established, originator RST = RSTO (also SYN, SYN-ACK, RST half-open scan)", () => {
    expect(
      tcpConv([
        [">", SYN],
        ["<", SYN | ACK],
        [">", ACK, 5],
        [">", RST],
      ]).connState,
    ).toBe("RSTO");
    expect(
      tcpConv([
        [">", SYN],
        ["<", SYN | ACK],
        [">", RST],
      ]).connState,
    ).toBe("RSTO");
  });
  it("established, responder RST = RSTR", () =>
    expect(
      tcpConv([
        [">", SYN],
        ["<", SYN | ACK],
        [">", ACK, 5],
        ["<", RST],
      ]).connState,
    ).toBe("RSTR"));
  it("SYN then originator RST, no SYN-ACK = RSTOS0", () =>
    expect(
      tcpConv([
        [">", SYN],
        [">", RST],
      ]).connState,
    ).toBe("RSTOS0"));
  it("midstream, responder RST = RSTRH", () =>
    expect(
      tcpConv([
        [">", ACK, 10],
        ["<", RST],
      ]).connState,
    ).toBe("RSTRH"));
  it("SYN then FIN, no SYN-ACK = SH", () =>
    expect(
      tcpConv([
        [">", SYN],
        [">", FIN],
      ]).connState,
    ).toBe("SH"));
  it("midstream, responder FIN = SHR", () =>
    expect(
      tcpConv([
        [">", ACK, 10],
        ["<", FIN | ACK],
      ]).connState,
    ).toBe("SHR"));
  it("midstream data both ways = OTH", () =>
    expect(
      tcpConv([
        [">", ACK, 10],
        ["<", ACK, 10],
      ]).connState,
    ).toBe("OTH"));
  it("midstream originator RST without SYN = OTH (history does not start with S)", () =>
    expect(
      tcpConv([
        [">", ACK, 10],
        [">", RST],
      ]).connState,
    ).toBe("OTH"));
  it("FIN then RST from the same side after the peer's FIN stays SF", () =>
    expect(
      tcpConv([
        [">", SYN],
        ["<", SYN | ACK],
        [">", ACK],
        [">", FIN | ACK],
        ["<", FIN | ACK],
        [">", RST],
      ]).connState,
    ).toBe("SF"));

  it("UDP: one way = S0, both ways = SF; ICMP = OTH", () => {
    const { t, out } = mkTable();
    t.update(mkPkt({ src: C, dst: S, proto: 17, sport: 5353, dport: 53 }), 1, 0, 60, -1, -2, 1, 0);
    t.update(mkPkt({ src: C, dst: "8.8.8.8", proto: 17, sport: 5354, dport: 53 }), 1, 0, 60, -1, -2, 2, 0);
    t.update(mkPkt({ src: "8.8.8.8", dst: C, proto: 17, sport: 53, dport: 5354 }), 2, 0, 60, -1, -2, 3, 0);
    t.update(mkPkt({ src: C, dst: S, proto: 1, icmpType: 8 }), 3, 0, 60, -1, -2, 4, 0);
    t.flushAll();
    expect(out.map((f) => [f.respPort, f.proto, f.connState])).toEqual([
      [53, 17, "S0"],
      [53, 17, "SF"],
      [0, 1, "OTH"],
    ]);
  });
});

describe("flow table: keys and records", () => {
  it("A->B and B->A are one flow; originator is the first sender; counters per side", () => {
    const { t, out } = mkTable();
    const a = t.update(
      mkPkt({ src: S, dst: C, proto: 6, sport: 23, dport: 51000, flags: SYN | ACK }),
      10,
      5,
      60,
      0,
      2,
      7,
      3,
    );
    expect(a).not.toBeNull();
    t.update(
      mkPkt({ src: C, dst: S, proto: 6, sport: 51000, dport: 23, flags: ACK, payload: 10 }),
      11,
      7,
      64,
      3,
      0,
      8,
      3,
    );
    t.update(mkPkt({ src: S, dst: C, proto: 6, sport: 23, dport: 51000, flags: ACK }), 12, 9, 60, 0, 2, 9, 3);
    expect(t.size).toBe(1);
    t.flushAll();
    const f = out[0]!;
    expect([f.orig, f.origPort, f.resp, f.respPort]).toEqual([S, 23, C, 51000]);
    expect([f.origPkts, f.origBytes, f.respPkts, f.respBytes]).toEqual([2, 80, 1, 50]);
    expect(f.verdict).toBe(3);
    expect(f.rules).toEqual([2, 0]);
    expect([f.firstFrame, f.fileIndex]).toEqual([7, 3]);
    expect(f.first).toEqual([10, 5]);
    expect(f.last).toEqual([12, 9]);
    expect(f.durationNs).toBe(2e9 + 4);
    expect(f.cid).toBe(communityIdOfTuple(4, 6, [parseIpv4(S)], [parseIpv4(C)], 23, 51000));
    expect(f.uid).toMatch(/^C[0-9A-Za-z]{10,20}$/);
    expect(f.reason).toBe("flush");
  });

  it("IPv6 flows, both directions, with the spec's Community ID", () => {
    const { t, out } = mkTable();
    const A = "2001:470:e5bf:dead:4957:2174:e82c:4887";
    const B = "2607:f8b0:400c:c03::1a";
    t.update(
      mkPkt({ src: A, dst: B, proto: 6, sport: 63943, dport: 25, flags: SYN }),
      1,
      0,
      80,
      -1,
      -2,
      1,
      0,
    );
    t.update(
      mkPkt({ src: B, dst: A, proto: 6, sport: 25, dport: 63943, flags: SYN | ACK }),
      1,
      1,
      80,
      -1,
      -2,
      2,
      0,
    );
    // Same ports, but an IPv4 flow: must not merge with the v6 one.
    t.update(
      mkPkt({ src: "1.2.3.4", dst: "5.6.7.8", proto: 6, sport: 63943, dport: 25, flags: SYN }),
      1,
      2,
      80,
      -1,
      -2,
      3,
      0,
    );
    expect(t.size).toBe(2);
    t.flushAll();
    const f = out.find((x) => x.orig === A)!;
    expect([f.resp, f.origPkts, f.respPkts, f.origBytes]).toEqual([B, 1, 1, 60]);
    expect(f.connState).toBe("S1");
    expect(f.cid).toBe("1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="); // community-id-spec baseline_deflt.json
  });

  it("ICMP echo request and reply are one flow (Zeek port equivalents); one-way types are separate", () => {
    const { t, out } = mkTable();
    t.update(
      mkPkt({ src: "192.168.0.89", dst: "192.168.0.1", proto: 1, icmpType: 8 }),
      1,
      0,
      60,
      -1,
      -2,
      1,
      0,
    );
    t.update(
      mkPkt({ src: "192.168.0.1", dst: "192.168.0.89", proto: 1, icmpType: 0 }),
      1,
      1,
      60,
      -1,
      -2,
      2,
      0,
    );
    t.update(
      mkPkt({ src: "192.168.0.1", dst: "192.168.0.89", proto: 1, icmpType: 3, icmpCode: 3 }),
      1,
      2,
      60,
      -1,
      -2,
      3,
      0,
    );
    t.update(
      mkPkt({ src: "192.168.0.1", dst: "192.168.0.89", proto: 1, icmpType: 3, icmpCode: 1 }),
      1,
      3,
      60,
      -1,
      -2,
      4,
      0,
    );
    t.flushAll();
    expect(out.map((f) => [f.origPort, f.respPort, f.origPkts, f.respPkts])).toEqual([
      [8, 0, 1, 1],
      [3, 3, 1, 0],
      [3, 1, 1, 0],
    ]);
    expect(out[0]!.cid).toBe("1:X0snYXpgwiv9TZtqg64sgzUn6Dk="); // baseline_deflt.json
  });

  it("non-TCP/UDP protocols key on the address pair + protocol; fragments have no ports and no Community ID", () => {
    const { t, out } = mkTable();
    t.update(mkPkt({ src: "10.1.12.1", dst: "10.1.12.2", proto: 46, payload: 20 }), 1, 0, 60, -1, -2, 1, 0);
    t.update(mkPkt({ src: "10.1.12.2", dst: "10.1.12.1", proto: 46, payload: 20 }), 1, 0, 60, -1, -2, 2, 0);
    t.update(mkPkt({ src: C, dst: S, proto: 17, fragment: true, payload: 1000 }), 2, 0, 1034, -1, -2, 3, 0);
    t.flushAll();
    expect(out.map((f) => [f.proto, f.origPort, f.origPkts, f.respPkts, f.cid])).toEqual([
      [46, -1, 1, 1, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="],
      [17, -1, 1, 0, ""],
    ]);
  });

  it("frames without IP are not flows", () => {
    const { t } = mkTable();
    expect(t.update(mkArp(), 1, 0, 42, -1, -2, 1, 0)).toBeNull();
    expect(t.size).toBe(0);
  });

  it("IP bytes: header length capped by the wire length; 0 falls back to the wire bytes after L2", () => {
    const { t, out } = mkTable();
    const p = mkPkt({ src: C, dst: S, proto: 17, sport: 1, dport: 2, payload: 100 }); // total 128
    t.update(p, 1, 0, 142, -1, -2, 1, 0);
    const lying = mkPkt({ src: C, dst: S, proto: 17, sport: 1, dport: 2, ipLen: 60000 });
    t.update(lying, 1, 0, 142, -1, -2, 2, 0); // capped at 142 - 14
    const tso = mkPkt({ src: C, dst: S, proto: 17, sport: 1, dport: 2, ipLen: 0 });
    t.update(tso, 1, 0, 9014, -1, -2, 3, 0); // 9014 - 14
    t.flushAll();
    expect(out[0]!.origBytes).toBe(128 + 128 + 9000);
  });

  it("rule indexes: distinct, first-seen order, capped at 8, default (-1) kept, no-verdict (-2) ignored", () => {
    const { t, out } = mkTable();
    const rules = [5, 5, -1, 3, -2, 5, 0, 1, 2, 4, 6, 7, 8, 9];
    rules.forEach((r, i) =>
      t.update(
        mkPkt({ src: C, dst: S, proto: 17, sport: 1, dport: 2 }),
        1,
        i,
        60,
        r === -2 ? -1 : 1,
        r,
        i + 1,
        0,
      ),
    );
    t.flushAll();
    expect(out[0]!.rules).toEqual([5, -1, 3, 0, 1, 2, 4, 6]);
    expect(out[0]!.verdict).toBe(1);
  });

  it("a new SYN on a finished connection's tuple starts a new flow (port reuse)", () => {
    const { t, out } = mkTable();
    const c = (flags: number, f: number) =>
      t.update(mkPkt({ src: C, dst: S, proto: 6, sport: 51000, dport: 23, flags }), f, 0, 60, -1, -2, f, 0);
    const s = (flags: number, f: number) =>
      t.update(mkPkt({ src: S, dst: C, proto: 6, sport: 23, dport: 51000, flags }), f, 0, 60, -1, -2, f, 0);
    c(SYN, 1);
    s(SYN | ACK, 2);
    c(FIN | ACK, 3);
    s(FIN | ACK, 4);
    c(SYN, 5);
    t.flushAll();
    expect(out.map((f) => [f.connState, f.firstFrame, f.reason])).toEqual([
      ["SF", 1, "reuse"],
      ["S0", 5, "flush"],
    ]);
  });
});

describe("flow table: bounded memory, nothing lost", () => {
  it("evicts the least recently seen flow when full; packets in == packets out", () => {
    const { t, out } = mkTable(4);
    let packets = 0;
    for (let i = 0; i < 50; i++) {
      const port = 1000 + (i % 7);
      t.update(
        mkPkt({ src: C, dst: S, proto: 17, sport: port, dport: 53 }),
        100 + i,
        0,
        60,
        -1,
        -2,
        i + 1,
        0,
      );
      packets++;
      expect(t.size).toBeLessThanOrEqual(4);
    }
    expect(out.length).toBeGreaterThan(0);
    expect(out.every((f) => f.reason === "full")).toBe(true);
    // The 4 live flows are the 4 most recently seen ports.
    t.flushAll();
    const tail = out.slice(-4).map((f) => f.origPort);
    expect(tail.sort()).toEqual([1000, 1004, 1005, 1006]);
    expect(out.reduce((n, f) => n + f.origPkts + f.respPkts, 0)).toBe(packets);
    expect(t.size).toBe(0);
  });

  it("LRU: a flow refreshed by traffic survives over an older idle one", () => {
    const { t, out } = mkTable(2);
    const u = (sport: number, ts: number) =>
      t.update(mkPkt({ src: C, dst: S, proto: 17, sport, dport: 53 }), ts, 0, 60, -1, -2, ts, 0);
    u(1, 1);
    u(2, 2);
    u(1, 3); // flow 1 is now the most recent
    u(3, 4); // full: evicts flow 2
    expect(out.map((f) => f.origPort)).toEqual([2]);
  });

  it("idle timeouts per protocol class, applied as packet time advances and by expire()", () => {
    const { t, out } = mkTable(100, { tcp: 100, udp: 10, other: 5 });
    t.update(mkPkt({ src: C, dst: S, proto: 6, sport: 1, dport: 2, flags: SYN }), 1000, 0, 60, -1, -2, 1, 0);
    t.update(mkPkt({ src: C, dst: S, proto: 17, sport: 1, dport: 2 }), 1000, 0, 60, -1, -2, 2, 0);
    t.update(mkPkt({ src: C, dst: S, proto: 1, icmpType: 8 }), 1000, 0, 60, -1, -2, 3, 0);
    // 7 s later: only ICMP (5 s) has expired.
    t.update(mkPkt({ src: "10.9.9.9", dst: S, proto: 17, sport: 9, dport: 9 }), 1007, 0, 60, -1, -2, 4, 0);
    expect(out.map((f) => [f.proto, f.reason])).toEqual([[1, "idle"]]);
    // 11 s after: the first UDP flow too.
    t.update(mkPkt({ src: "10.9.9.9", dst: S, proto: 17, sport: 9, dport: 9 }), 1011, 0, 60, -1, -2, 5, 0);
    expect(out.map((f) => f.proto)).toEqual([1, 17]);
    t.expire(1200);
    expect(out.map((f) => f.proto)).toEqual([1, 17, 6, 17]);
    expect(t.size).toBe(0);
    expect(out.reduce((n, f) => n + f.origPkts + f.respPkts, 0)).toBe(5);
  });

  it("random traffic through a small table: every packet accounted for exactly once", () => {
    const { t, out } = mkTable(64, { tcp: 30, udp: 10, other: 10 });
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let given = 0;
    for (let i = 0; i < 5000; i++) {
      const a = `10.0.${rnd(4)}.${rnd(8)}`;
      const b = `10.1.${rnd(4)}.${rnd(8)}`;
      const proto = [6, 17, 1, 47][rnd(4)]!;
      const fwd = rnd(2) === 0;
      const spec: PktSpec = {
        src: fwd ? a : b,
        dst: fwd ? b : a,
        proto,
        sport: 1000 + rnd(3),
        dport: 80,
        flags: [SYN, ACK, FIN, RST][rnd(4)],
        icmpType: [8, 0, 3][rnd(3)],
      };
      if (t.update(mkPkt(spec), 1000 + Math.floor(i / 20), 0, 60, rnd(5) - 1, rnd(10) - 2, i + 1, 0)) given++;
    }
    t.flushAll();
    expect(given).toBe(5000);
    expect(out.reduce((n, f) => n + f.origPkts + f.respPkts, 0)).toBe(5000);
  });
});

describe("flow table: hostile field values", () => {
  it("never throws and never loses a packet, whatever the decoded fields hold (fast-check)", async () => {
    const fc = await import("fast-check");
    const { DecodedPacket, Layer } = await import("../../src/decode/packet.js");
    const int = (lo: number, hi: number) => fc.integer({ min: lo, max: hi });
    const pktArb = fc.record({
      v6: fc.boolean(),
      a: fc.array(int(0, 0xffffffff), { minLength: 8, maxLength: 8 }),
      proto: int(-1, 300),
      sport: int(-1, 70000),
      dport: int(-1, 70000),
      flags: int(-1, 0xfff),
      icmpType: int(-1, 300),
      icmpCode: int(-1, 300),
      total: int(-5, 70000),
      payload: int(-1, 70000),
      l3: int(-1, 60),
      wire: int(-1, 70000),
      ts: int(0, 50),
      verdict: int(-1, 3),
      rule: int(-2, 20),
    });
    fc.assert(
      fc.property(fc.array(pktArb, { maxLength: 60 }), (specs) => {
        let out = 0;
        const t = new FlowTable({
          maxFlows: 8,
          idleTimeoutSec: { tcp: 5, udp: 3, other: 1 },
          onEvict: (f) => {
            out += f.origPkts + f.respPkts;
            void [f.connState, f.communityId, f.uid, f.ruleIndexes(), f.durationNs];
          },
          hashSeed: 3,
        });
        let given = 0;
        const p = new DecodedPacket();
        for (const s of specs) {
          p.reset(new Uint8Array(64), 0, 64, 1);
          p.layers = s.l3 < 0 ? Layer.ETH : Layer.ETH | (s.v6 ? Layer.IPV6 : Layer.IPV4) | Layer.TCP;
          p.l3Off = s.l3;
          p.ipVersion = s.l3 < 0 ? 0 : s.v6 ? 6 : 4;
          [p.src6a, p.src6b, p.src6c, p.src6d, p.dst6a, p.dst6b, p.dst6c, p.dst6d] = s.a as [
            number,
            number,
            number,
            number,
            number,
            number,
            number,
            number,
          ];
          p.src4 = s.a[0]!;
          p.dst4 = s.a[4]!;
          p.ipProto = s.proto;
          p.srcPort = s.sport;
          p.dstPort = s.dport;
          p.tcpFlags = s.flags;
          p.icmpType = s.icmpType;
          p.icmpCode = s.icmpCode;
          p.ipTotalLen = s.total;
          p.payloadLen = s.payload;
          if (t.update(p, 1000 + s.ts, 0, s.wire, s.verdict, s.rule, 1, 0)) given++;
        }
        t.flushAll();
        expect(out).toBe(given);
        expect(t.size).toBe(0);
      }),
      { numRuns: 200, seed: 42 },
    );
  });
});

describe("flow table: slot table growth (issue 3 benchmark work)", () => {
  it("thousands of flows through a table that starts small: every packet lands on its own flow", () => {
    const { t, out } = mkTable(5000, { tcp: 1e6, udp: 1e6, other: 1e6 });
    let seed = 777;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const ref = new Map<string, { o: number; r: number; orig: string }>();
    for (let i = 0; i < 20000; i++) {
      const k = rnd(4000);
      const a = `10.${k >> 8}.${k & 255}.1`;
      const b = "192.0.2.9";
      const fwd = rnd(2) === 0;
      const proto = k % 3 === 0 ? 6 : 17;
      const port = 1024 + (k % 1000);
      t.update(
        mkPkt({
          src: fwd ? a : b,
          dst: fwd ? b : a,
          proto,
          sport: fwd ? port : 80,
          dport: fwd ? 80 : port,
          flags: ACK,
        }),
        1000,
        i,
        60,
        -1,
        -2,
        i + 1,
        0,
      );
      const key = `${a}|${proto}|${port}`;
      const e = ref.get(key) ?? { o: 0, r: 0, orig: fwd ? a : b };
      if ((fwd ? a : b) === e.orig) e.o++;
      else e.r++;
      ref.set(key, e);
    }
    expect(t.size).toBe(ref.size);
    t.flushAll();
    const got = new Map(
      out.map((f) => {
        const a = f.orig === "192.0.2.9" ? f.resp : f.orig;
        const port = f.orig === "192.0.2.9" ? f.respPort : f.origPort;
        return [`${a}|${f.proto}|${port}`, { o: f.origPkts, r: f.respPkts, orig: f.orig }];
      }),
    );
    expect(got).toEqual(ref);
  });

  it("full table with a grown slot table: LRU eviction, nothing lost, size bounded", () => {
    const { t, out } = mkTable(1500);
    let given = 0;
    for (let i = 0; i < 6000; i++) {
      const k = (i * 7919) % 4500;
      t.update(
        mkPkt({ src: `10.0.${k >> 8}.${k & 255}`, dst: S, proto: 17, sport: 5000 + (k % 3), dport: 53 }),
        1000 + Math.floor(i / 100),
        0,
        60,
        -1,
        -2,
        i + 1,
        0,
      );
      given++;
      expect(t.size).toBeLessThanOrEqual(1500);
    }
    const full = out.length;
    expect(full).toBeGreaterThan(0);
    expect(out.every((f) => f.reason === "full")).toBe(true);
    t.flushAll();
    expect(out.length - full).toBe(1500);
    expect(out.reduce((n, f) => n + f.origPkts + f.respPkts, 0)).toBe(given);
  });
});

describe("flow table: first frame numbers beyond 32 bits", () => {
  it("keeps frame numbers of 2^32 - 1 and above exactly", () => {
    const { t, out } = mkTable(10);
    const frames = [1, 2 ** 32 - 2, 2 ** 32 - 1, 2 ** 32, 2 ** 45 + 3];
    frames.forEach((fr, i) =>
      t.update(mkPkt({ src: C, dst: S, proto: 17, sport: 100 + i, dport: 53 }), 1000, 0, 60, -1, -2, fr, 0),
    );
    t.flushAll();
    expect(out.map((f) => f.firstFrame).sort((a, b) => a - b)).toEqual(frames);
  });
});

describe("flow table: addrWord", () => {
  it("gives the words of origAddr() / respAddr() without an array, IPv4 and IPv6", () => {
    const seen: string[] = [];
    const t = new FlowTable({
      maxFlows: 10,
      idleTimeoutSec: { tcp: 10, udp: 10, other: 10 },
      onEvict: (f) => {
        for (const side of [0, 1] as const) {
          const w = side === 0 ? f.origAddr() : f.respAddr();
          expect([0, 1, 2, 3].map((i) => f.addrWord(side, i))).toEqual(w);
        }
        seen.push(addr(f, "orig"));
      },
    });
    t.update(
      mkPkt({ src: "2001:db8::1:2:3", dst: "fe80::9", proto: 17, sport: 1, dport: 2 }),
      1,
      0,
      60,
      -1,
      -2,
      1,
      0,
    );
    t.update(mkPkt({ src: C, dst: S, proto: 6, sport: 1, dport: 2, flags: SYN }), 1, 0, 60, -1, -2, 2, 0);
    t.flushAll();
    expect(seen.sort()).toEqual(["10.0.0.5", "2001:db8::1:2:3"]);
  });
});

describe("flow table: after flushAll", () => {
  const u = (t: FlowTable, sport: number, frame: number) =>
    t.update(mkPkt({ src: C, dst: S, proto: 17, sport, dport: 53 }), 1000, frame, 60, -1, -2, frame, 0);

  it("is empty and works as new: lookups find flows again, 3000 flows grow it again", () => {
    const { t, out } = mkTable(5000);
    for (let i = 0; i < 3000; i++) u(t, i, i + 1);
    t.flushAll();
    expect(out).toHaveLength(3000);
    expect(t.size).toBe(0);
    out.length = 0;
    for (let i = 0; i < 3000; i++) u(t, i, i + 1);
    for (let i = 0; i < 3000; i++) u(t, i, 5000 + i); // second packet of each flow
    expect(t.size).toBe(3000);
    t.flushAll();
    expect(out).toHaveLength(3000);
    expect(out.every((f) => f.origPkts === 2)).toBe(true);
  });

  it("an exception in onEvict leaves the flows not yet flushed findable", () => {
    let n = 0;
    const t = new FlowTable({
      maxFlows: 100,
      idleTimeoutSec: { tcp: 1e6, udp: 1e6, other: 1e6 },
      onEvict: () => {
        if (++n === 3) throw new Error("sink failed");
      },
    });
    for (let i = 0; i < 10; i++) u(t, i, i + 1);
    expect(() => t.flushAll()).toThrow("sink failed");
    expect(t.size).toBe(7);
    for (let i = 0; i < 10; i++) u(t, i, 100 + i);
    expect(t.size).toBe(10); // 7 found again + 3 new
  });
});
