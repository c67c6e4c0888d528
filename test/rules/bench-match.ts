/**
 * Quick matcher benchmark (not a test): packets/s of compileRules().match() for rulesets of
 * 10, 100, 1,000 and 10,000 generated rules, plus the shipped files. Run:
 *   npx vite-node test/rules/bench-match.ts
 * (Belongs in bench/ once the lead's bench runner exists.)
 */
import { DecodedPacket, Layer } from "../../src/decode/packet.js";
import { formatIpv4 } from "../../src/rules/addr.js";
import { compileRules, type CompiledRules } from "../../src/rules/compile.js";
import { interpretRules } from "../../src/rules/interpret.js";
import { loadRuleFile, parseRules } from "../../src/rules/load.js";
import type { Ruleset } from "../../src/rules/types.js";

let seed = 12345;
function rnd(n: number): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return ((seed >>> 8) % n) >>> 0;
}
const rip = (): string => formatIpv4((((1 + rnd(223)) << 24) | rnd(1 << 24)) >>> 0);

/** A blocklist-heavy generated ruleset: single IPs, /24s, ports, ranges, some direction rules. */
/** Remote addresses of the benchmark packets, so that "with hits" rulesets match some packets. */
const remotes: string[] = [];

function generate(n: number, hits = false): Ruleset {
  const rules: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const k = rnd(10);
    const id = `g${i}`;
    if (k < 4) {
      const src =
        hits && remotes.length > 0 && rnd(2) === 0 ? (remotes[rnd(remotes.length)] as string) : rip();
      rules.push({ id, action: "block", src });
    } else if (k < 6)
      rules.push({ id, action: "alert", dst: `${rip().split(".").slice(0, 3).join(".")}.0/24` });
    else if (k < 8) rules.push({ id, action: "block", proto: "tcp", dport: 1 + rnd(65000), dst: rip() });
    else if (k < 9) {
      const lo = rnd(60000);
      rules.push({ id, action: "log", proto: "udp", sport: `${lo}-${lo + rnd(100)}`, src: rip() });
    } else rules.push({ id, action: "block", direction: "in", proto: "tcp", dport: rnd(65536), src: rip() });
  }
  const res = parseRules({ version: 1, default: "allow", home_net: ["192.168.0.0/16"], rules }, "gen");
  if (!res.ruleset) throw new Error(JSON.stringify(res.problems.slice(0, 3)));
  return res.ruleset;
}

const PKTS = 4096;
const packets: DecodedPacket[] = [];
for (let i = 0; i < PKTS; i++) {
  const p = new DecodedPacket();
  const out = rnd(2) === 0;
  const home = (0xc0a80100 | rnd(256)) >>> 0;
  const remote = (((1 + rnd(223)) << 24) | rnd(1 << 24)) >>> 0;
  if (rnd(10) === 0) {
    p.ipVersion = 6;
    p.src6a = 0x20010db8;
    p.src6d = rnd(1000);
    p.dst6a = 0x2a000000 | rnd(1 << 20);
    p.dst6d = rnd(1000);
  } else {
    p.ipVersion = 4;
    p.src4 = out ? home : remote;
    p.dst4 = out ? remote : home;
  }
  const r = rnd(10);
  p.ipProto = r < 7 ? 6 : r < 9 ? 17 : 1;
  if (p.ipProto !== 1) {
    p.srcPort = out ? 32768 + rnd(28000) : ([443, 80, 53, 22][rnd(4)] ?? 443);
    p.dstPort = out ? ([443, 80, 53, 22][rnd(4)] ?? 443) : 32768 + rnd(28000);
  }
  // As decoded: the IP layer and the transport header (rules' transportHeader looks at it).
  p.layers =
    (p.ipVersion === 4 ? Layer.IPV4 : Layer.IPV6) |
    (p.ipProto === 6 ? Layer.TCP : p.ipProto === 17 ? Layer.UDP : p.ipVersion === 4 ? Layer.ICMP : 0);
  packets.push(p);
}

interface Case {
  name: string;
  rs: Ruleset;
  c: CompiledRules;
  compileMs: number;
  hits: number;
  best: number;
}

function prepare(name: string, rs: Ruleset): Case {
  const t0 = process.hrtime.bigint();
  const c = compileRules(rs);
  const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;
  // Sanity: agree with the interpreter on the benchmark packets.
  let hits = 0;
  for (const p of packets) {
    const a = c.match(p);
    if (a !== interpretRules(rs, p)) throw new Error(`${name}: compiled != interpreted`);
    if (a >= 0) hits++;
  }
  return { name, rs, c, compileMs, hits, best: Infinity };
}

// The pipeline reuses one DecodedPacket (hot in cache); emulate that: copy each packet's
// fields from compact columns into one object, then match. The copy is included in the time.
const colV = new Int32Array(PKTS);
const colS = new Float64Array(PKTS);
const colD = new Float64Array(PKTS);
const colP = new Int32Array(PKTS);
const colSp = new Int32Array(PKTS);
const colDp = new Int32Array(PKTS);
const colS6 = new Float64Array(PKTS);
const colD6 = new Float64Array(PKTS);
const colL = new Int32Array(PKTS);
packets.forEach((p, i) => {
  colL[i] = p.layers;
  colV[i] = p.ipVersion;
  colS[i] = p.src4;
  colD[i] = p.dst4;
  colP[i] = p.ipProto;
  colSp[i] = p.srcPort;
  colDp[i] = p.dstPort;
  colS6[i] = p.src6d;
  colD6[i] = p.dst6d;
});
const one = new DecodedPacket();
one.src6a = 0x20010db8;
one.dst6a = 0x2a000000;

/** CPU ns per packet over n matches (CPU time: the machine is shared, wall time is noisy). */
function measure(c: CompiledRules, n: number): number {
  let sink = 0;
  const p = one;
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const k = i & (PKTS - 1);
    p.ipVersion = colV[k] as number;
    p.src4 = colS[k] as number;
    p.dst4 = colD[k] as number;
    p.src6d = colS6[k] as number;
    p.dst6d = colD6[k] as number;
    p.ipProto = colP[k] as number;
    p.srcPort = colSp[k] as number;
    p.dstPort = colDp[k] as number;
    p.layers = colL[k] as number;
    sink += c.match(p);
  }
  const u = process.cpuUsage(t);
  if (sink === 0.5) console.log(sink);
  return ((u.user + u.system) * 1000) / n;
}

const cases: Case[] = [];
const legacy = loadRuleFile("rules/legacy-example.json").ruleset;
const def = loadRuleFile("rules/default.json").ruleset;
if (legacy) cases.push(prepare("legacy-example.json", legacy));
if (def) cases.push(prepare("default.json", def));
for (const n of [10, 100, 1000, 10_000]) cases.push(prepare("generated", generate(n)));
for (const p of packets) if (p.ipVersion === 4 && p.src4 >>> 16 !== 0xc0a8) remotes.push(formatIpv4(p.src4));
for (const n of [10, 10_000]) cases.push(prepare("generated, with hits", generate(n, true)));
for (const k of cases) measure(k.c, 1_000_000); // warm up every case first (same call-site state)
for (let round = 0; round < 7; round++) {
  for (const k of cases) k.best = Math.min(k.best, measure(k.c, 2_000_000));
}
/** CPU ns per packet of the reference interpreter (for scale). */
function measureInterp(rs: Ruleset, n: number): number {
  let sink = 0;
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) sink += interpretRules(rs, packets[i & (PKTS - 1)] as DecodedPacket);
  const u = process.cpuUsage(t);
  if (sink === 0.5) console.log(sink);
  return ((u.user + u.system) * 1000) / n;
}

for (const k of cases) {
  const interp = measureInterp(k.rs, Math.max(2000, Math.floor(2e7 / Math.max(1, k.rs.rules.length) / 10)));
  console.log(
    `${k.name.padEnd(20)} ${String(k.rs.rules.length).padStart(6)} rules  ${(1e3 / k.best).toFixed(1).padStart(5)} M packets/s  ` +
      `${k.best.toFixed(0).padStart(4)} ns/packet  compile ${k.compileMs.toFixed(0).padStart(4)} ms  ` +
      `${(k.c.stats.bytes / 1e6).toFixed(1).padStart(5)} MB  ${String(k.c.stats.bitsets).padStart(5)} bitsets  ` +
      `rule hits ${((k.hits / PKTS) * 100).toFixed(0)}%  (interpreter: ${(interp / 1000).toFixed(2)} µs/packet)`,
  );
}
