/**
 * Hand-built adversarial inputs for the fast-path equivalence test: each scenario first establishes flows
 * with clean common-shape packets (so their directions are cached), then sends what a cached result could
 * get wrong: port reuse, idle expiry, eviction from a full table, out-of-order and odd timestamps, packets
 * of a cached tuple that are suddenly fragments / carry options / are truncated / have bad lengths / are
 * VLAN-tagged / come under another link type, ICMP and IPv6 beside cached flows, several files, reverse
 * directions with another verdict, TCP flag sequences, and rule reloads in the middle of a flow.
 */
import type { Ruleset } from "../../src/rules/types.js";
import { rules, type Pkt } from "./fastpath-harness.js";
import {
  frame,
  icmpFrame,
  icmpv6Frame,
  MUTATION_NAMES,
  MUTATIONS,
  pkt,
  RECORD_VARIANTS,
  rev,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  type MutationName,
  type RecordVariant,
  type Tuple,
} from "./fastpath-packets.js";

/** Outbound telnet: ADV blocks dport 23, the reverse direction (sport 23) is not blocked. */
export const T_TELNET: Tuple = { src: "192.168.1.10", dst: "203.0.113.7", proto: 6, sport: 40000, dport: 23 };
/** Inbound HTTPS to a home host. */
export const T_WEB_IN: Tuple = {
  src: "203.0.113.7",
  dst: "192.168.1.10",
  proto: 6,
  sport: 51000,
  dport: 443,
};
/** UDP out. */
export const T_MDNS: Tuple = {
  src: "192.168.1.10",
  dst: "198.51.100.9",
  proto: 17,
  sport: 5353,
  dport: 5353,
};
/** UDP in to 5360 (ADV alerts inbound 5353-5400). */
export const T_UDP_IN: Tuple = {
  src: "198.51.100.9",
  dst: "192.168.1.10",
  proto: 17,
  sport: 33000,
  dport: 5360,
};
/** From the legacy block-listed source 10.0.0.5. */
export const T_BAD_SRC: Tuple = { src: "10.0.0.5", dst: "192.168.1.10", proto: 6, sport: 1025, dport: 80 };
/** From the legacy allow-listed 192.168.1.1 port 80. */
export const T_ALLOWED: Tuple = {
  src: "192.168.1.1",
  dst: "192.168.1.10",
  proto: 6,
  sport: 80,
  dport: 60000,
};
/** UDP with legacy-blocked ports. */
export const T_UDP_BLOCKPORTS: Tuple = {
  src: "192.168.1.10",
  dst: "10.0.0.5",
  proto: 17,
  sport: 25,
  dport: 23,
};
/** IPv6 TCP. */
export const T_V6: Tuple = { src: "2001:db8::1", dst: "2001:db8::2", proto: 6, sport: 1234, dport: 23 };

/** IPv6 UDP. */
export const T_V6_UDP: Tuple = {
  src: "2001:db8::2",
  dst: "2001:db8:ffff::9",
  proto: 17,
  sport: 5353,
  dport: 5353,
};

/** IPv4 TCP/UDP tuples. */
export const V4_TUPLES = [T_TELNET, T_WEB_IN, T_MDNS, T_UDP_IN, T_BAD_SRC, T_ALLOWED, T_UDP_BLOCKPORTS];

/** Native rules using every verdict, transport_header, direction and port ranges. */
export const ADV: Ruleset = rules({
  version: 1,
  default: "log",
  default_reason: "nothing matched",
  rules: [
    { id: "no-l4", action: "alert", proto: ["tcp", "udp", "icmp"], transport_header: false, reason: "no l4" },
    { id: "telnet", action: "block", proto: "tcp", dport: 23, severity: "high", reason: "telnet" },
    { id: "gre", action: "block", proto: 47, reason: "gre" },
    { id: "udp-in", action: "alert", direction: "in", proto: "udp", dport: "5353-5400", reason: "udp in" },
    { id: "bad-src", action: "log", src: "10.0.0.5", reason: "bad source" },
    { id: "web", action: "allow", proto: "tcp", port: [80, 443], reason: "web" },
    {
      id: "replies",
      action: "allow",
      proto: ["tcp", "udp"],
      sport: "1-1023",
      dport: "1024-65535",
      reason: "r",
    },
    { id: "v6", action: "alert", src: "2001:db8::/32", reason: "v6" },
    { id: "ping-in", action: "block", direction: "in", proto: "icmp", reason: "ping in" },
  ],
});

/** Another ruleset for reloads: verdicts of ADV mostly turned around. */
export const ADV2: Ruleset = rules({
  version: 1,
  default: "allow",
  rules: [
    { id: "telnet-ok", action: "allow", proto: "tcp", dport: 23, reason: "telnet now allowed" },
    { id: "web-block", action: "block", proto: "tcp", port: [80, 443], reason: "web now blocked" },
    { id: "udp-all", action: "alert", proto: "udp", reason: "all udp" },
    { id: "reply-23", action: "alert", proto: "tcp", sport: 23, reason: "telnet reply" },
    { id: "icmp-log", action: "log", proto: "icmp", reason: "icmp" },
  ],
});

/** A third ruleset: only a default (everything UNKNOWN). */
export const ADV3: Ruleset = rules({ version: 1, default: "log", default_reason: "log all", rules: [] });

/** Monotonic-ish clock for building packet lists. */
export class Clock {
  constructor(
    public sec = 1_700_000_000,
    public nsec = 0,
  ) {}
  /** Advance by ms milliseconds (may be fractional or negative) and return [sec, nsec]. */
  tick(ms = 1): [number, number] {
    let ns = this.nsec + Math.round(ms * 1e6);
    let s = this.sec;
    while (ns >= 1e9) {
      ns -= 1e9;
      s++;
    }
    while (ns < 0) {
      ns += 1e9;
      s--;
    }
    this.sec = s;
    this.nsec = ns;
    return [s, ns];
  }
}

/** Clean packets of t in both directions: n rounds of data + ack. */
export function exchange(t: Tuple, c: Clock, n: number, payload = 10): Pkt[] {
  const out: Pkt[] = [];
  for (let i = 0; i < n; i++) {
    const [s1, n1] = c.tick(3);
    out.push(pkt(frame(t, { flags: TCP_ACK | TCP_PSH, payload: payload + i, seq: 1000 + i * 50 }), s1, n1));
    const [s2, n2] = c.tick(3);
    out.push(pkt(frame(rev(t), { flags: TCP_ACK, payload: i % 2 ? 0 : 5, seq: 5000 + i }), s2, n2));
  }
  return out;
}

/** TCP three-way handshake of t. */
export function handshake(t: Tuple, c: Clock): Pkt[] {
  const [a, an] = c.tick(1);
  const [b, bn] = c.tick(1);
  const [d, dn] = c.tick(1);
  return [
    pkt(frame(t, { flags: TCP_SYN, mss: 1460, seq: 100 }), a, an),
    pkt(frame(rev(t), { flags: TCP_SYN | TCP_ACK, mss: 1400, seq: 900, ack: 101 }), b, bn),
    pkt(frame(t, { flags: TCP_ACK, seq: 101, ack: 901 }), d, dn),
  ];
}

/** FIN exchange closing t (from t's side first). */
export function close(t: Tuple, c: Clock): Pkt[] {
  const out: Pkt[] = [];
  for (const [tt, fl] of [
    [t, TCP_FIN | TCP_ACK],
    [rev(t), TCP_ACK],
    [rev(t), TCP_FIN | TCP_ACK],
    [t, TCP_ACK],
  ] as [Tuple, number][]) {
    const [s, n] = c.tick(2);
    out.push(pkt(frame(tt, { flags: fl }), s, n));
  }
  return out;
}

/** A named scenario: one or more in-memory files. */
export interface Scenario {
  name: string;
  files: { name: string; packets: Pkt[] }[];
}

function one(name: string, packets: Pkt[]): Scenario {
  return { name, files: [{ name: `${name}.pcap`, packets }] };
}

/** Same 5-tuple reused: SYN after FIN, after RST, SYN retransmits, SYN-ACK first, half-closed SYN. */
export function portReuse(): Scenario {
  const c = new Clock();
  const t = T_TELNET;
  const u = T_WEB_IN;
  const p: Pkt[] = [];
  for (const tt of [t, u]) {
    p.push(...handshake(tt, c), ...exchange(tt, c, 4), ...close(tt, c));
    // Reuse after FIN: new flow.
    p.push(...handshake(tt, c), ...exchange(tt, c, 3));
    // RST from the responder, then the client reconnects at once.
    const [s, n] = c.tick(1);
    p.push(pkt(frame(rev(tt), { flags: TCP_RST | TCP_ACK }), s, n));
    p.push(...exchange(tt, c, 1));
    p.push(...handshake(tt, c), ...exchange(tt, c, 2));
    // SYN retransmission in an established (not finished) connection: same flow.
    const [s2, n2] = c.tick(1);
    p.push(pkt(frame(tt, { flags: TCP_SYN, seq: 100 }), s2, n2));
    p.push(...exchange(tt, c, 2));
    // Only one FIN (half close), then a SYN: still the same flow or not, as the flow table decides.
    const [s3, n3] = c.tick(1);
    p.push(pkt(frame(tt, { flags: TCP_FIN | TCP_ACK }), s3, n3));
    p.push(...exchange(tt, c, 1));
    const [s4, n4] = c.tick(1);
    p.push(pkt(frame(tt, { flags: TCP_SYN }), s4, n4));
    p.push(...exchange(tt, c, 2));
    // RST from the originator, then SYN from the responder side (reverse direction opens the new flow).
    const [s5, n5] = c.tick(1);
    p.push(pkt(frame(tt, { flags: TCP_RST }), s5, n5));
    p.push(...handshake(rev(tt), c), ...exchange(rev(tt), c, 3), ...exchange(tt, c, 2));
  }
  return one("port-reuse", p);
}

/** Flows that go idle past the timeouts (tcp 5 s, udp 3 s in the options used) and come back. */
export function idleReturn(): Scenario {
  const c = new Clock(1_700_000_100, 999_000_000);
  const p: Pkt[] = [];
  const udpx = (t: Tuple, n: number): void => {
    for (let i = 0; i < n; i++) {
      const [s, ns] = c.tick(7);
      p.push(pkt(frame(i % 2 ? rev(t) : t, { payload: 20 + i }), s, ns));
    }
  };
  p.push(...handshake(T_TELNET, c), ...exchange(T_TELNET, c, 3));
  udpx(T_MDNS, 4);
  udpx(T_UDP_IN, 3);
  c.tick(4_000); // udp idle, tcp not
  udpx(T_MDNS, 2);
  p.push(...exchange(T_TELNET, c, 2));
  c.tick(6_500); // both idle
  // Back without a handshake, from the responder side first.
  p.push(...exchange(rev(T_TELNET), c, 2));
  udpx(T_UDP_IN, 3);
  // Exactly at the timeout boundary (5.000 s later, then 5.001 s).
  c.tick(5_000);
  p.push(...exchange(T_TELNET, c, 1));
  c.tick(5_001);
  p.push(...exchange(T_TELNET, c, 1));
  // A live-style expire() call between two packets of a cached flow.
  const [s, ns] = c.tick(1);
  p.push({ ...pkt(frame(T_TELNET), s, ns), expire: s + 100 });
  p.push(...exchange(T_TELNET, c, 2));
  udpx(T_MDNS, 2);
  const [s2, ns2] = c.tick(1);
  p.push({ ...pkt(frame(T_MDNS), s2, ns2), expire: s2 + 1 });
  udpx(T_MDNS, 2);
  return one("idle-return", p);
}

/** More live flows than maxFlows (4): round-robin over 9 tuples so cached flows are evicted while active. */
export function eviction(): Scenario {
  const c = new Clock();
  const tuples: Tuple[] = [];
  for (let i = 0; i < 9; i++)
    tuples.push({ ...(i % 2 ? T_MDNS : T_TELNET), sport: 40000 + i, dport: i % 3 ? 23 : 443 });
  const p: Pkt[] = [];
  for (let round = 0; round < 6; round++) {
    const order = round % 2 ? [...tuples].reverse() : tuples;
    for (const [i, t] of order.entries()) {
      if (round > 2 && i % 4 === 0) continue;
      const [s, n] = c.tick(round === 3 ? 1100 : 2);
      p.push(pkt(frame(round % 3 === 2 ? rev(t) : t, { payload: round }), s, n));
      const [s2, n2] = c.tick(1);
      p.push(pkt(frame(t, { payload: round + 1 }), s2, n2));
    }
  }
  return one("eviction", p);
}

/** Timestamps backwards, equal, across second boundaries, at the 32-bit edge and beyond, zero. */
export function oddTimestamps(): Scenario {
  const p: Pkt[] = [];
  const t = T_TELNET;
  const u = T_MDNS;
  const times: [number, number][] = [
    [1_700_000_000, 999_999_999],
    [1_700_000_001, 0],
    [1_700_000_001, 0],
    [1_700_000_000, 500_000_000],
    [1_699_999_990, 1],
    [1_700_000_002, 999_999_999],
    [1_700_000_003, 1],
    [1_700_000_001, 999_999_999],
    [1_700_000_020, 0],
    [1_700_000_019, 999_999_998],
    [0xffffffff, 999_999_999],
    [0x100000000, 5],
    [1_700_000_021, 0],
    [0, 0],
    [1_700_000_022, 123],
    [1_700_010_000, 0],
    [1_700_000_023, 0],
  ];
  for (const [i, [s, n]] of times.entries()) {
    p.push(pkt(frame(i % 3 === 1 ? rev(t) : t, { payload: i }), s, n));
    p.push(pkt(frame(i % 2 ? rev(u) : u, { payload: i }), s, n));
  }
  return one("odd-timestamps", p);
}

/** For one mutation: establish TCP, UDP and ICMP flows (both directions cached), mutate, continue clean. */
export function mutation(m: MutationName): Scenario {
  const c = new Clock();
  const p: Pkt[] = [];
  for (const t of [...V4_TUPLES, T_V6, T_V6_UDP]) {
    const isTcp = t.proto === 6;
    if (isTcp) p.push(...handshake(t, c));
    p.push(...exchange(t, c, 3, 30));
    for (const dir of [t, rev(t)]) {
      for (const payload of [0, 1, 40]) {
        const [s, n] = c.tick(1);
        p.push(pkt(MUTATIONS[m](frame(dir, { payload, flags: TCP_ACK | (payload ? TCP_PSH : 0) })), s, n));
        p.push(...exchange(t, c, 1, 30));
      }
      const [s, n] = c.tick(1);
      // A mutated FIN and SYN: conn_state must see them exactly as the reference does.
      p.push(pkt(MUTATIONS[m](frame(dir, { flags: TCP_FIN | TCP_ACK, payload: 3 })), s, n));
      p.push(...exchange(t, c, 1));
      const [s2, n2] = c.tick(1);
      p.push(pkt(MUTATIONS[m](frame(dir, { flags: TCP_SYN, payload: 0 })), s2, n2));
      p.push(...exchange(t, c, 2));
    }
  }
  // ICMP and ICMPv6 echo flows: cached, then mutated, then clean again.
  const a = T_WEB_IN.src;
  const b = T_WEB_IN.dst;
  for (let i = 0; i < 6; i++) {
    const mut = i === 3 ? MUTATIONS[m] : (f: Uint8Array): Uint8Array => f;
    p.push(
      pkt(mut(icmpFrame(a, b, 8, 5, i)), ...c.tick(1)),
      pkt(mut(icmpFrame(b, a, 0, 5, i)), ...c.tick(1)),
    );
    p.push(
      pkt(mut(icmpv6Frame(T_V6.src, T_V6.dst, 128)), ...c.tick(1)),
      pkt(mut(icmpv6Frame(T_V6.dst, T_V6.src, 129)), ...c.tick(1)),
    );
  }
  // A mutated packet of a tuple never seen before, then clean packets of it.
  const fresh: Tuple = { ...T_TELNET, sport: 41234 };
  const [s, n] = c.tick(1);
  p.push(pkt(MUTATIONS[m](frame(fresh, { payload: 8 })), s, n));
  p.push(...exchange(fresh, c, 3));
  return one(`mutation-${m}`, p);
}

/** For one record variant (snaplen cuts, origLen, link type, no timestamp) on cached flows. */
export function recordVariant(v: RecordVariant): Scenario {
  const c = new Clock();
  const p: Pkt[] = [];
  for (const t of [...V4_TUPLES, T_V6, T_V6_UDP]) {
    if (t.proto === 6) p.push(...handshake(t, c));
    p.push(...exchange(t, c, 3, 30));
    for (const dir of [t, rev(t)])
      for (const payload of [0, 2, 64]) {
        const [s, n] = c.tick(1);
        p.push(pkt(frame(dir, { payload, flags: TCP_ACK | TCP_PSH }), s, n, v));
        p.push(...exchange(t, c, 1, 30));
      }
    const [s, n] = c.tick(1);
    p.push(pkt(frame(t, { flags: TCP_FIN | TCP_ACK }), s, n, v));
    p.push(...exchange(t, c, 1));
  }
  return one(`record-${v}`, p);
}

/** ICMP, ICMPv6 and IPv6 TCP between the hosts of cached IPv4 flows, interleaved with them. */
export function icmpAndV6(): Scenario {
  const c = new Clock();
  const p: Pkt[] = [];
  const a = T_TELNET.src;
  const b = T_TELNET.dst;
  p.push(...handshake(T_TELNET, c), ...exchange(T_TELNET, c, 2));
  for (let i = 0; i < 4; i++) {
    const [s, n] = c.tick(2);
    p.push(pkt(icmpFrame(a, b, 8, 7, i), s, n), pkt(icmpFrame(b, a, 0, 7, i), s, n + 10));
    p.push(pkt(icmpFrame(b, a, 8, 9, i), s, n + 20));
    p.push(pkt(icmpFrame(b, a, 3, 0, 0), s, n + 30)); // unreachable (one-way message)
    p.push(...exchange(T_TELNET, c, 1));
    const [s2, n2] = c.tick(2);
    p.push(pkt(frame(T_V6, { payload: i }), s2, n2), pkt(frame(rev(T_V6), { payload: 2 * i }), s2, n2 + 5));
    p.push(pkt(icmpv6Frame(T_V6.src, T_V6.dst, 128), s2, n2 + 7));
    p.push(pkt(icmpv6Frame(T_V6.dst, T_V6.src, 129), s2, n2 + 9));
    p.push(...exchange(T_MDNS, c, 1));
  }
  p.push(...handshake(T_V6, c), ...exchange(T_V6, c, 3));
  return one("icmp-and-ipv6", p);
}

/** The same flows over three files (frame numbers restart; file index in log lines and flows). */
export function severalFiles(): Scenario {
  const c = new Clock();
  const files: Scenario["files"] = [];
  for (let f = 0; f < 3; f++) {
    const p: Pkt[] = [];
    if (f === 0) p.push(...handshake(T_TELNET, c), ...handshake(T_WEB_IN, c));
    p.push(...exchange(T_TELNET, c, 3), ...exchange(T_WEB_IN, c, 2), ...exchange(T_MDNS, c, 2));
    if (f === 1) c.tick(-20); // the second file starts earlier than the first ended
    files.push({ name: `part-${f}.pcap`, packets: p });
  }
  return { name: "several-files", files };
}

/** Responder sends first; reverse directions with another verdict than their forward direction. */
export function reverseVerdicts(): Scenario {
  const c = new Clock();
  const p: Pkt[] = [];
  for (const t of [T_TELNET, T_UDP_IN, T_UDP_BLOCKPORTS, T_BAD_SRC, T_ALLOWED]) {
    p.push(...exchange(rev(t), c, 3));
    p.push(...exchange(t, c, 3));
    if (t.proto === 6) p.push(...handshake(t, c), ...exchange(rev(t), c, 2));
  }
  return one("reverse-verdicts", p);
}

/** One tuple, many TCP flag sequences (conn_state), with and without payload. */
export function flagSequences(): Scenario {
  const c = new Clock();
  const p: Pkt[] = [];
  const flags = [
    0,
    TCP_SYN | TCP_ACK,
    TCP_ACK,
    TCP_FIN,
    TCP_RST,
    TCP_SYN | TCP_FIN,
    TCP_SYN | TCP_RST,
    0x20 | TCP_ACK, // URG
    0xc0 | TCP_ACK, // ECE CWR
    0xff,
    TCP_FIN | TCP_PSH | 0x20, // xmas
    TCP_RST | TCP_ACK,
    TCP_PSH,
  ];
  let port = 42000;
  for (const first of [TCP_ACK, TCP_SYN | TCP_ACK, TCP_FIN | TCP_ACK, TCP_RST, 0]) {
    const t: Tuple = { ...T_TELNET, sport: port++ };
    const [s, n] = c.tick(1);
    p.push(pkt(frame(t, { flags: first, payload: 4 }), s, n));
    for (const [i, f] of flags.entries()) {
      const [s2, n2] = c.tick(1);
      p.push(pkt(frame(i % 2 ? rev(t) : t, { flags: f, payload: i % 3 ? 0 : 12 }), s2, n2));
      p.push(...exchange(t, c, 1, i % 2 ? 0 : 9));
    }
  }
  return one("flag-sequences", p);
}

/** Rules reloaded mid-flow (twice), and between files: later packets of cached flows follow the new rules. */
export function ruleReloads(): Scenario {
  const c = new Clock();
  const mk = (): Pkt[] => [
    ...exchange(T_TELNET, c, 2),
    ...exchange(T_WEB_IN, c, 2),
    ...exchange(T_MDNS, c, 2),
    ...exchange(T_UDP_IN, c, 1),
    pkt(icmpFrame(T_WEB_IN.src, T_WEB_IN.dst, 8), ...c.tick(1)),
  ];
  const p: Pkt[] = [...handshake(T_TELNET, c), ...handshake(T_WEB_IN, c), ...mk()];
  const a = mk();
  a[0] = { ...a[0]!, setRules: ADV2 };
  const b = mk();
  b[3] = { ...b[3]!, setRules: ADV3 };
  const d = mk();
  d[1] = { ...d[1]!, setRules: ADV };
  const e = mk();
  e[e.length - 1] = { ...e[e.length - 1]!, setRules: ADV2 };
  return {
    name: "rule-reloads",
    files: [
      { name: "reload-1.pcap", packets: [...p, ...a, ...b, ...d] },
      { name: "reload-2.pcap", packets: e },
    ],
  };
}

/**
 * Short segments padded to the 60-byte Ethernet minimum (as real captures have them): the padding is not
 * TCP payload, and conn_state depends on "payload seen" (REJ vs RSTR, S0 vs OTH, RSTOS0 vs OTH).
 */
export function paddedAcks(): Scenario {
  const c = new Clock();
  const pad = (t: Tuple, flags: number): Pkt => pkt(MUTATIONS.pad60(frame(t, { flags })), ...c.tick(1));
  const x: Tuple = { ...T_TELNET, sport: 43001 };
  const y: Tuple = { ...T_TELNET, sport: 43002 };
  const z: Tuple = { ...T_TELNET, sport: 43003 };
  const p: Pkt[] = [
    // both sides pure ACKs then RSTs, no data: REJ
    pad(x, TCP_ACK),
    pad(x, TCP_ACK),
    pad(rev(x), TCP_ACK),
    pad(rev(x), TCP_ACK),
    pad(x, TCP_RST),
    pad(rev(x), TCP_RST),
    // SYN, the responder ACKs it twice without data: stays S0
    pad(y, TCP_SYN),
    pad(rev(y), TCP_ACK),
    pad(rev(y), TCP_ACK),
    pad(y, TCP_SYN),
    // SYN, pure ACKs, RST from the originator: history S A A R is not RSTOS0
    pad(z, TCP_SYN),
    pad(z, TCP_ACK),
    pad(z, TCP_ACK),
    pad(z, TCP_RST),
  ];
  return one("padded-acks", p);
}

/** The scenario with every Ethernet frame carrying one 802.1Q tag (caplen / origLen grow by 4). */
export function vlanTagged(s: Scenario): Scenario {
  const tag = (p: Pkt): Pkt => {
    if ((p.linktype ?? 1) !== 1) return p;
    const q: Pkt = { ...p, data: MUTATIONS.vlan(p.data) };
    if (p.caplen !== undefined) q.caplen = p.caplen + 4;
    if (p.origLen !== undefined) q.origLen = p.origLen + 4;
    return q;
  };
  return {
    name: `${s.name}+vlan`,
    files: s.files.map((f) => ({ name: f.name, packets: f.packets.map(tag) })),
  };
}

/** Every scenario. */
export function allScenarios(): Scenario[] {
  return [
    portReuse(),
    idleReturn(),
    eviction(),
    oddTimestamps(),
    ...MUTATION_NAMES.map(mutation),
    ...RECORD_VARIANTS.map(recordVariant),
    icmpAndV6(),
    severalFiles(),
    reverseVerdicts(),
    flagSequences(),
    ruleReloads(),
    paddedAcks(),
    vlanTagged(paddedAcks()),
    vlanTagged(idleReturn()),
    ...MUTATION_NAMES.map((m) => vlanTagged(mutation(m))),
    ...RECORD_VARIANTS.map((v) => vlanTagged(recordVariant(v))),
  ];
}
