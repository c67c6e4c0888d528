/**
 * Enforcement benchmark: apply rulesets with 10,000 blocked addresses inside a fresh network
 * namespace (never on the host) and print the wall time of script generation + `nft -f -`.
 * Target: under 1 s. Run as root after `npm run build`:  node dist/bench/enforce.js
 */
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { formatIpv4, formatIpv6 } from "../src/rules/addr.js";
import type { Cidr, Rule, Ruleset } from "../src/rules/types.js";
import { applyNft, buildNftScript, statusNft } from "../src/enforce/nft.js";
import { applyIptables } from "../src/enforce/iptables.js";

const N = 10_000;

function addrs4(n: number): Cidr[] {
  const seen = new Set<number>();
  let x = 12345;
  while (seen.size < n) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0; // deterministic LCG
    const a = ((x >>> 8) % 223) + 1; // 1.x.x.x - 223.x.x.x
    const v = ((a << 24) | (x & 0xffffff)) >>> 0;
    if (a !== 127 && a !== 10) seen.add(v);
  }
  return [...seen].map((v) => ({ version: 4, v4: v, v6: [0, 0, 0, 0], prefix: 32, text: formatIpv4(v) }));
}

function addrs6(n: number): Cidr[] {
  const out: Cidr[] = [];
  for (let i = 0; i < n; i++) {
    const w: [number, number, number, number] = [0x20010db8, (i * 2654435761) >>> 0, i, 1];
    out.push({ version: 6, v4: 0, v6: w, prefix: 128, text: formatIpv6(w) });
  }
  return out;
}

function rs(rules: Rule[]): Ruleset {
  return {
    format: "native",
    rules,
    defaultAction: "log",
    defaultReason: "",
    ipVersions: [4, 6],
    homeNet: [],
  };
}

function blockRule(id: string, src: Cidr[]): Rule {
  return { id, action: "block", src, direction: "in", severity: "high", reason: "bench", path: id };
}

async function timeIt(label: string, fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(62)} ${ms.toFixed(0).padStart(6)} ms`);
  return ms;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.error("bench/enforce: needs root (it creates a network namespace)");
    process.exitCode = 2;
    return;
  }
  const ns = `pfwe-bench-${process.pid % 10000}`;
  spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
  const add = spawnSync("ip", ["netns", "add", ns], { encoding: "utf8" });
  if (add.status !== 0) throw new Error(`ip netns add failed: ${add.stderr}`);
  const opts = { netns: ns };
  try {
    const v4 = addrs4(N);
    const v6 = addrs6(N);
    const oneRule = rs([blockRule("bad-hosts", v4)]);
    const manyRules = rs(v4.map((c, i) => blockRule(`block.ips[${i}]`, [c])));
    const mixed = rs([blockRule("bad-hosts", [...v4.slice(0, N / 2), ...v6.slice(0, N / 2)])]);
    const results: number[] = [];
    results.push(
      await timeIt(`nft: 1 rule, ${N} IPv4 addresses (set), first apply`, () =>
        applyNft(buildNftScript(oneRule, { sshGuard: true }), opts),
      ),
    );
    results.push(
      await timeIt(`nft: same, re-apply (atomic replace)`, () =>
        applyNft(buildNftScript(oneRule, { sshGuard: true }), opts),
      ),
    );
    results.push(
      await timeIt(`nft: 1 rule, ${N / 2} IPv4 + ${N / 2} IPv6 addresses`, () =>
        applyNft(buildNftScript(mixed, { sshGuard: true }), opts),
      ),
    );
    results.push(
      await timeIt(`nft: ${N} rules of 1 address each (legacy style, own counters)`, () =>
        applyNft(buildNftScript(manyRules, { sshGuard: true }), opts),
      ),
    );
    const st = await statusNft(opts);
    console.log(`status: ${st.rules.length} rule entries read back`);
    await timeIt(`iptables (info): 1 rule, ${N} IPv4 addresses -> ${N} rules`, async () => {
      await applyIptables(oneRule, { sshGuard: true, netns: ns });
    });
    const worst = Math.max(...results);
    console.log(`nft worst case ${worst.toFixed(0)} ms: ${worst < 1000 ? "under" : "OVER"} the 1 s target`);
  } finally {
    spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
  }
}

main().catch((e: unknown) => {
  console.error(`bench/enforce: ${(e as Error).message}`);
  process.exitCode = 2;
});
