import { DecodedPacket } from "/work/main/src/decode/packet.js";
import { compileRules } from "/work/main/src/rules/compile.js";
import { loadRuleFile } from "/work/main/src/rules/load.js";
const rs = loadRuleFile("/work/main/rules/legacy-example.json").ruleset!;
const pk: DecodedPacket[] = [];
for (let i = 0; i < 4096; i++) { const p = new DecodedPacket(); p.ipVersion = 4; p.src4 = (i * 2654435761) >>> 0; p.dst4 = i; p.ipProto = i % 3 ? 6 : 17; p.srcPort = 40000 + (i % 1000); p.dstPort = [443, 80, 53, 22][i % 4]!; pk.push(p); }
for (const strategy of ["dense", "sparse", "auto", "dense", "sparse", "auto"] as const) {
  const c = compileRules(rs, { strategy });
  let sink = 0;
  for (let i = 0; i < 2e6; i++) sink += c.match(pk[i & 4095]!);
  const t = process.cpuUsage();
  for (let i = 0; i < 1e7; i++) sink += c.match(pk[i & 4095]!);
  console.log(strategy, ((process.cpuUsage(t).user * 1000) / 1e7).toFixed(0), "ns", sink & 1);
}
