import { DecodedPacket } from "../../src/decode/packet.js";
import { compileRules } from "../../src/rules/compile.js";
import { parseRules } from "../../src/rules/load.js";
const mk = (rules: unknown[], home: string[] = ["192.168.0.0/16"]) => compileRules(parseRules({ version: 1, home_net: home, rules }, "x").ruleset!);
let seed = 1;
const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return ((seed >>> 8) % n) >>> 0; };
const v4: DecodedPacket[] = [], mixed: DecodedPacket[] = [];
for (let i = 0; i < 4096; i++) {
  for (const arr of [v4, mixed]) {
    const p = new DecodedPacket(); p.ipVersion = arr === mixed && i % 10 === 0 ? 6 : 4;
    p.src4 = (0xc0a80100 | rnd(256)) >>> 0; p.dst4 = ((1 + rnd(223)) << 24 | rnd(1 << 24)) >>> 0; p.src6a = 0x20010db8; p.dst6a = 0x2a000000;
    p.ipProto = 6; p.srcPort = 40000 + rnd(1000); p.dstPort = 443; arr.push(p);
  }
}
const cases: [string, ReturnType<typeof mk>][] = [
  ["port-only", mk([{ action: "block", proto: "tcp", dport: 23 }])],
  ["dir", mk([{ action: "block", direction: "in", proto: "tcp", dport: 23 }])],
  ["src32", mk([{ action: "block", src: "1.2.3.4" }])],
  ["src16", mk([{ action: "block", src: "1.2.0.0/16" }])],
];
for (let round = 0; round < 3; round++) for (const [n, c] of cases) for (const [pn, ps] of [["v4", v4], ["mixed", mixed]] as const) {
  let sink = 0; for (let i = 0; i < 5e5; i++) sink += c.match(ps[i & 4095]!);
  const t = process.cpuUsage(); for (let i = 0; i < 3e6; i++) sink += c.match(ps[i & 4095]!);
  if (round === 2) console.log(n, pn, ((process.cpuUsage(t).user * 1000) / 3e6).toFixed(0), "ns", sink & 1);
}
