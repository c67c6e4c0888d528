/**
 * Golden tests: the generated nft and iptables-restore scripts for the shipped rule files.
 * Regenerate after an intended change with:  UPDATE_GOLDEN=1 npx vitest run test/enforce
 * (then review the diff of test/enforce/golden/).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { buildIptablesScripts } from "../../src/enforce/iptables.js";
import { buildNftScript } from "../../src/enforce/nft.js";
import { loadRuleFile } from "../../src/rules/load.js";
import { cidr } from "./helpers.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const goldenDir = path.join(here, "golden");
const update = process.env.UPDATE_GOLDEN === "1";

function golden(name: string, actual: string): void {
  const file = path.join(goldenDir, name);
  if (update || !existsSync(file)) {
    if (!update)
      throw new Error(`missing golden file ${name}: run UPDATE_GOLDEN=1 npx vitest run test/enforce`);
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}

const cases = [
  { file: "legacy-example.json", opts: { sshGuard: true } },
  { file: "default.json", opts: { sshGuard: true } },
  { file: "example-native.json", opts: { sshGuard: true } },
  // Options that change the script: no SSH guard, other SSH ports, a --home-net.
  {
    file: "legacy-example.json",
    tag: "-opts",
    opts: { sshGuard: false, homeNet: [cidr("192.168.1.0/24"), cidr("fd00::/8")] },
  },
  {
    file: "default.json",
    tag: "-opts",
    opts: { sshGuard: true, sshPorts: [22, 2222], homeNet: [cidr("100.64.0.0/10")] },
  },
];

describe("golden enforcement scripts", () => {
  for (const c of cases) {
    const base = c.file.replace(/\.json$/, "") + (c.tag ?? "");
    test(`${base}: nft and iptables scripts`, () => {
      const loaded = loadRuleFile(path.join(repoRoot, "rules", c.file));
      expect(loaded.problems).toEqual([]);
      const rs = loaded.ruleset;
      if (rs === undefined) throw new Error("no ruleset");
      golden(`${base}.nft`, buildNftScript(rs, c.opts));
      const ipt = buildIptablesScripts(rs, c.opts);
      golden(`${base}.v4.rules`, ipt.v4);
      golden(`${base}.v6.rules`, ipt.v6);
    });
  }
});
