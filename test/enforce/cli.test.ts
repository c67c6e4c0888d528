/** `pfw enforce apply|status|flush` through commander, inside a namespace this test creates. */
import { NOBODY, nonRootMain } from "../helpers/nonroot.js";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { registerEnforceCommands } from "../../src/cli/enforce.js";
import { rulesetToNative } from "../../src/rules/load.js";
import { haveProgram, labRules, sh } from "./helpers.js";

const ready =
  process.getuid?.() === 0 && haveProgram("nft") && haveProgram("ip") && haveProgram("iptables-restore");
const mustRun = ready || process.env.CI === "true";

/** Run `pfw <args>` in-process; returns exit code and captured output. */
async function pfw(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const so = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  const se = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  process.exitCode = undefined;
  try {
    const program = new Command().exitOverride();
    registerEnforceCommands(program);
    await program.parseAsync(["node", "pfw", ...args]);
  } catch (e) {
    err += `${(e as Error).message}\n`;
    process.exitCode = (e as { exitCode?: number }).exitCode ?? 99;
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, out, err };
}

(mustRun ? describe : describe.skip)("pfw enforce CLI", () => {
  const ns = `pfwe-c-${process.pid % 10000}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), "pfwe-cli-"));
  const rulesFile = path.join(dir, "lab.json");
  const origPath = process.env.PATH;

  beforeAll(() => {
    if (!ready) throw new Error("needs root, nft, iptables and ip (iproute2)");
    spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    sh("ip", ["netns", "add", ns]);
    writeFileSync(rulesFile, JSON.stringify(rulesetToNative(labRules())));
  });
  afterEach(() => {
    process.env.PATH = origPath;
  });
  afterAll(() => {
    spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  });

  for (const backend of ["nft", "iptables"]) {
    test(`${backend}: apply, status --json, flush`, async () => {
      const a = await pfw(["enforce", "apply", "--rules", rulesFile, "--backend", backend, "--netns", ns]);
      expect(a).toMatchObject({
        code: 0,
        out: `pfw: applied 4 rules from ${rulesFile} (${backend === "nft" ? "table inet pfw" : "chains PFW-INPUT/PFW-OUTPUT"}).\n`,
      });
      expect(a.err).toContain('pfw: note: rule "watch-icmp": "alert" rules are not enforced.');
      const s = await pfw(["enforce", "status", "--json", "--backend", backend, "--netns", ns]);
      expect(s.code).toBe(0);
      const st = JSON.parse(s.out) as { installed: boolean; rules: { id: string; packets: number }[] };
      expect(st.installed).toBe(true);
      expect(st.rules.map((r) => r.id)).toEqual([
        "ssh-guard",
        ...(backend === "nft" ? ["dynamic"] : []),
        "allow-ok",
        "block-host",
        "block-tcp",
        "block-udp",
      ]);
      expect(JSON.parse(s.out)).toMatchObject({ lifetime: "persistent" });
      const t = await pfw(["enforce", "status", "--backend", backend, "--netns", ns]);
      const flush = `pfw enforce flush${backend === "iptables" ? " --backend iptables" : ""} --netns ${ns}`;
      const at = backend === "nft" ? " at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ" : "";
      expect(t.out).toMatch(
        new RegExp(
          `^backend \\w+: \\d+ rules installed\npersistent: applied by "pfw enforce apply"${at}, no process watches them; the rules stay in force until "${flush}"\n#\\s+rule`,
        ),
      );
      expect(await pfw(["enforce", "flush", "--backend", backend, "--netns", ns])).toEqual({
        code: 0,
        out: "pfw: removed pfw's rules.\n",
        err: "",
      });
      expect((await pfw(["enforce", "status", "--backend", backend, "--netns", ns])).out).toBe(
        `pfw has nothing installed (backend ${backend}).\n`,
      );
    });
  }

  test("--dry-run prints the exact script; default rules file is the shipped rules/default.json", async () => {
    const d = await pfw([
      "enforce",
      "apply",
      "--dry-run",
      "--no-ssh-guard",
      "--home-net",
      "10.0.0.0/8,fd00::/8",
    ]);
    expect(d.code).toBe(0);
    expect(d.out).toMatch(/^#!\/usr\/sbin\/nft -f\n/);
    expect(d.out).toContain('comment "pfw:0:in-telnet"');
    expect(d.out).not.toContain("ssh-guard");
    const i = await pfw(["enforce", "apply", "--dry-run", "--backend", "iptables", "--rules", rulesFile]);
    expect(i.out).toContain("*filter\n:PFW-INPUT - [0:0]");
  });

  test("errors: one sentence and exit code 2", async () => {
    const bad = path.join(dir, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({ version: 1, default: "log", rules: [{ id: "x", action: "block", dport: 70000 }] }),
    );
    const r = await pfw(["enforce", "apply", "--rules", bad, "--dry-run"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^pfw: .*bad\.json: rules\[0\]\.dport: /);
    const h = await pfw(["enforce", "apply", "--dry-run", "--home-net", "10.0.0.1/8"]);
    expect(h).toMatchObject({
      code: 2,
      err: 'pfw: --home-net: "10.0.0.1/8" has host bits set (did you mean "10.0.0.0/8"?).\n',
    });
    process.env.PATH = "/nonexistent";
    const n = await pfw(["enforce", "status"]);
    expect(n).toEqual({
      code: 2,
      out: "",
      err: "pfw: nft is not installed (install the nftables package, or use --backend iptables).\n",
    });
    const m = await pfw(["enforce", "flush", "--backend", "iptables"]);
    expect(m.code).toBe(2);
    expect(m.err).toBe(
      "pfw: iptables-save is not installed (install the iptables package, or use --backend nft).\n",
    );
  });
});

(mustRun ? test : test.skip)("not root: one sentence, exit 2 (run as uid 65534 without capabilities)", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pfwe-nobody-"));
  try {
    chmodSync(dir, 0o755);
    const main = nonRootMain();
    for (const cmd of ["apply", "status"]) {
      const r = spawnSync(
        NOBODY[0]!,
        [...NOBODY.slice(1), "env", `HOME=${dir}`, process.execPath, main, "enforce", cmd],
        {
          encoding: "utf8",
          shell: false,
          cwd: dir,
        },
      );
      expect({ status: r.status, stderr: r.stderr, stdout: r.stdout }).toEqual({
        status: 2,
        stderr: `pfw: changing or reading the firewall needs root (or CAP_NET_ADMIN): run pfw enforce ${cmd} with sudo.\n`,
        stdout: "",
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
