import { DecodedPacket } from "../../src/decode/packet.js";
import { compileRules } from "../../src/rules/compile.js";
import { parseRules } from "../../src/rules/load.js";
import { formatIpv4 } from "../../src/rules/addr.js";
let seed = 12345;
const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return ((seed >>> 8) % n) >>> 0; };
const rip = () => formatIpv4((((1 + rnd(223)) << 24) | rnd(1 << 24)) >>> 0);
function gen(n: number, kind: string) {
  const rules: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    if (kind === "src32") rules.push({ action: "block", src: rip() });
    else if (kind === "dport") rules.push({ action: "block", proto: "tcp", dport: 1 + rnd(65000) });
    else rules.push({ action: "block", dst: `${rip().split(".").slice(0, 3).join(".")}.0/24` });
  }
  return parseRules({ version: 1, rules }, "g").ruleset!;
}
const pk: DecodedPacket[] = [];
for (let i = 0; i < 4096; i++) { const p = new DecodedPacket(); p.ipVersion = 4; p.src4 = ((1 + rnd(223)) << 24 | rnd(1 << 24)) >>> 0; p.dst4 = 0xc0a80100 | rnd(256); p.ipProto = 6; p.srcPort = 443; p.dstPort = 40000 + rnd(1000); pk.push(p); }
const hot = pk.map((p) => { const q = new DecodedPacket(); Object.assign(q, p); q.src4 = pk[0]!.src4; return q; });
for (const kind of ["src32", "dport", "dst24"]) for (const n of [10, 10000]) {
  const rs = gen(n, kind);
  for (const strategy of ["dense", "sparse", "auto-always"] as const) {
    const c = compileRules(rs, { strategy });
    for (const [nm, set] of [["rand", pk], ["hot", hot]] as const) {
      let sink = 0;
      for (let i = 0; i < 1e6; i++) sink += c.match(set[i & 4095]!);
      const t = process.cpuUsage();
      for (let i = 0; i < 5e6; i++) sink += c.match(set[i & 4095]!);
      console.log(kind, n, strategy, nm, ((process.cpuUsage(t).user * 1000) / 5e6).toFixed(0), "ns", sink & 1);
    }
  }
}
