/** `pfw rules check` / `pfw rules convert`, and the convert round trip (same decisions). */
import { Command } from "commander";
import fc from "fast-check";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerRulesCommands } from "../../src/cli/rules.js";
import { DecodedPacket, Layer } from "../../src/decode/packet.js";
import { compileRules } from "../../src/rules/compile.js";
import { interpretRules } from "../../src/rules/interpret.js";
import { formatNativeJson, loadRuleFile, parseRulesText, rulesetToNative } from "../../src/rules/load.js";
import type { Ruleset } from "../../src/rules/types.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const rulesDir = path.join(repoRoot, "rules");
const dir = mkdtempSync(path.join(tmpdir(), "pfw-rules-cli-"));

/** Run `pfw rules ...` in-process and capture stdout, stderr and the exit code. */
async function run(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  process.exitCode = 0;
  try {
    const program = new Command().exitOverride();
    registerRulesCommands(program);
    await program.parseAsync(["node", "pfw", "rules", ...args]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, err, code };
}

afterEach(() => {
  process.exitCode = 0;
});

function load(file: string): Ruleset {
  const res = loadRuleFile(file);
  expect(res.problems).toEqual([]);
  return res.ruleset as Ruleset;
}

describe("pfw rules check", () => {
  it("every shipped rule file is valid", async () => {
    const files = ["legacy-example.json", "default.json", "example-native.json"].map((f) =>
      path.join(rulesDir, f),
    );
    const r = await run("check", ...files);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out.split("\n").filter(Boolean)).toEqual([
      `${files[0]}: OK, 9 rules (legacy)`,
      `${files[1]}: OK, 20 rules (native)`,
      `${files[2]}: OK, 11 rules (native)`,
    ]);
  });

  it("prints every problem and exits 2", async () => {
    const bad = path.join(dir, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({ version: 1, rules: [{ action: "block", dport: "70000", proto: "tpc" }] }),
    );
    const r = await run("check", bad);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(
      `${bad}: rules[0].dport: "70000" is not a port (0-65535)\n` +
        `${bad}: rules[0].proto: "tpc" is not a protocol (icmp, igmp, tcp, udp, gre, esp, ah, icmpv6, sctp or a number 0-255)\n`,
    );
  });

  it("notes direction rules without home_net", async () => {
    const f = path.join(dir, "dir.json");
    writeFileSync(f, JSON.stringify({ version: 1, rules: [{ action: "block", direction: "in" }] }));
    const r = await run("check", f);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${f}: OK, 1 rule (native)`);
    expect(r.out).toContain('rules use "direction" but the file has no "home_net"');
  });
});

describe("pfw rules convert", () => {
  it("prints the native equivalent of the legacy example", async () => {
    const r = await run("convert", path.join(rulesDir, "legacy-example.json"));
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    const json = JSON.parse(r.out) as { rules: unknown[]; ip_versions: number[]; default: string };
    expect(json.ip_versions).toEqual([4]);
    expect(json.default).toBe("log");
    expect(json.rules[0]).toEqual({
      id: "block.ips[0]",
      action: "block",
      src: "10.0.0.5",
      severity: "medium",
      reason: "source IP 10.0.0.5 is in the block list",
    });
    expect(json.rules).toContainEqual({
      id: "block.protocols[0]",
      action: "block",
      proto: "icmp",
      // the original named ICMP only the packets whose ICMP header Scapy decoded
      transport_header: true,
      severity: "medium",
      reason: "protocol ICMP is in the block list",
    });
    expect(json.rules).toContainEqual({
      id: "allow.protocols[0]",
      action: "allow",
      proto: "tcp",
      transport_header: true,
      severity: "low",
      reason: "protocol TCP is in the allow list",
    });
    expect(json.rules).toContainEqual({
      id: "allow.ports[1]",
      action: "allow",
      port: 443,
      severity: "low",
      reason: "port 443 is in the allow list",
    });
  });

  it("exits 2 on a bad file", async () => {
    const r = await run("convert", path.join(dir, "missing.json"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("cannot read the file: ENOENT");
  });
});

describe("convert round trip: the converted file decides every packet the same", () => {
  const legacy = load(path.join(rulesDir, "legacy-example.json"));
  const legacyLists = parseRulesText(
    JSON.stringify({
      block: { protocols: ["47", "ICMP", "6"], ips: ["10.0.0.5", "10.0.0.6"], ports: [0, 65535, 23] },
      allow: { ports: [53], ips: ["0.0.0.0"], protocols: ["UDP", "58", "17", "TCP", "1"] },
    }),
    "x",
  ).ruleset as Ruleset;

  const addrs = ["10.0.0.5", "10.0.0.6", "192.168.1.1", "8.8.8.8", "0.0.0.0"].map((a) =>
    a.split(".").reduce((v, o) => v * 256 + Number(o), 0),
  );
  const packet = fc.record({
    ipVersion: fc.constantFrom(4, 4, 4, 6, 0),
    s: fc.oneof(fc.constantFrom(...addrs), fc.integer({ min: 0, max: 0xffffffff })),
    d: fc.oneof(fc.constantFrom(...addrs), fc.integer({ min: 0, max: 0xffffffff })),
    proto: fc.constantFrom(1, 6, 17, 47, 58, 0, 132),
    sp: fc.constantFrom(-1, 0, 23, 25, 53, 80, 443, 40000, 65535),
    dp: fc.constantFrom(-1, 0, 23, 25, 53, 80, 443, 40000, 65535),
    // the transport header decoded, a non-first fragment, or neither (cut short)
    l4: fc.constantFrom("header", "header", "fragment", "cut"),
  });
  const L4: Readonly<Record<number, number>> = {
    1: Layer.ICMP,
    6: Layer.TCP,
    17: Layer.UDP,
    58: Layer.ICMPV6,
  };

  for (const [name, rs] of [
    ["legacy-example.json", legacy],
    ["a legacy file with numbers and odd order", legacyLists],
    ["default.json", load(path.join(rulesDir, "default.json"))],
    ["example-native.json", load(path.join(rulesDir, "example-native.json"))],
  ] as const) {
    it(name, () => {
      const text = formatNativeJson(rulesetToNative(rs));
      const back = parseRulesText(text, "converted.json");
      expect(back.problems).toEqual([]);
      const rs2 = back.ruleset as Ruleset;
      expect(rs2.format).toBe("native");
      expect(rs2.rules.map((r) => [r.id, r.action, r.reason, r.severity])).toEqual(
        rs.rules.map((r) => [r.id, r.action, r.reason, r.severity]),
      );
      // Converting the converted file changes nothing.
      expect(formatNativeJson(rulesetToNative(rs2))).toBe(text);
      const c1 = compileRules(rs);
      const c2 = compileRules(rs2);
      const p = new DecodedPacket();
      fc.assert(
        fc.property(packet, (f) => {
          p.ipVersion = f.ipVersion;
          p.src4 = f.s;
          p.dst4 = f.d;
          p.ipProto = f.proto;
          p.srcPort = f.l4 === "header" ? f.sp : -1;
          p.dstPort = f.l4 === "header" ? f.dp : -1;
          p.layers = f.ipVersion === 4 ? Layer.IPV4 : f.ipVersion === 6 ? Layer.IPV6 : 0;
          if (f.l4 === "header") p.layers |= L4[f.proto] ?? 0;
          if (f.l4 === "fragment") p.layers |= Layer.FRAGMENT;
          const idx = c1.match(p);
          expect(c2.match(p)).toBe(idx);
          expect(interpretRules(rs2, p)).toBe(idx);
          expect(c2.verdictOf(idx)).toBe(c1.verdictOf(idx));
        }),
        { numRuns: 2000 },
      );
    });
  }
});
