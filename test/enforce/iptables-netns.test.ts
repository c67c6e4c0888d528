/**
 * iptables enforcement (iptables-restore / ip6tables-restore with pfw's own chains) inside two
 * network namespaces this test creates. Needs root, iptables, ip and ping; under CI=true a
 * missing tool fails the suite instead of skipping it.
 */
import { spawnSync } from "node:child_process";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  applyIptables,
  applyIptablesScripts,
  buildIptablesScripts,
  flushIptables,
  statusIptables,
} from "../../src/enforce/iptables.js";
import { EnforceError } from "../../src/enforce/errors.js";
import { cidr, haveProgram, Lab, LAB, labRules, packetsOf, reach, rule, ruleset, sh } from "./helpers.js";

const ready =
  process.getuid?.() === 0 &&
  haveProgram("iptables-restore") &&
  haveProgram("ip6tables-restore") &&
  haveProgram("ip") &&
  haveProgram("ping");
const mustRun = ready || process.env.CI === "true";

(mustRun ? describe : describe.skip)("iptables enforcement in network namespaces", () => {
  const lab = new Lab("i");
  const ns = { netns: lab.nsA };
  const save = (tool: string): string =>
    sh("ip", ["netns", "exec", lab.nsA, tool, "-t", "filter"])
      .split("\n")
      .filter((l) => !l.startsWith("#"))
      .join("\n");

  beforeAll(async () => {
    if (!ready)
      throw new Error(
        "needs root, iptables-restore, ip6tables-restore, ip (iproute2) and ping (iputils-ping)",
      );
    await lab.up();
  });
  afterAll(() => lab.destroy());

  for (const fam of [4, 6] as const) {
    test(`IPv${fam}: blocks after apply, counters match the probes, flush restores`, async () => {
      const a = fam === 4 ? LAB.a4 : LAB.a6;
      const b = fam === 4 ? LAB.b4 : LAB.b6;
      const bad = fam === 4 ? LAB.b4bad : LAB.b6bad;
      expect(reach(lab, fam)).toEqual({ tcpBlocked: "connected", tcpOkFromBad: "connected", udpReplies: 5 });
      expect(lab.ping(a, bad, 2)).toBe(2);

      await applyIptables(labRules(), { sshGuard: true, ...ns });
      expect(reach(lab, fam)).toEqual({ tcpBlocked: "timeout", tcpOkFromBad: "connected", udpReplies: 0 });
      expect(lab.ping(a, bad, 4)).toBe(0);
      expect(lab.ping(a, b, 2)).toBe(2);

      const st = await statusIptables(ns);
      expect(st.installed).toBe(true);
      expect(packetsOf(st, "block-udp")).toBe(5);
      expect(packetsOf(st, "block-host")).toBe(4);
      expect(packetsOf(st, "block-tcp")).toBeGreaterThanOrEqual(1);
      expect(packetsOf(st, "allow-ok")).toBeGreaterThan(0);

      expect(await flushIptables(ns)).toBe(true);
      expect(reach(lab, fam)).toEqual({ tcpBlocked: "connected", tcpOkFromBad: "connected", udpReplies: 5 });
      expect(lab.ping(a, bad, 2)).toBe(2);
      expect((await statusIptables(ns)).installed).toBe(false);
      expect(await flushIptables(ns)).toBe(false);
    });
  }

  test("one jump per chain however often applied; flush leaves the user's rules and chains alone", async () => {
    sh("ip", ["netns", "exec", lab.nsA, "iptables", "-N", "USER-CHAIN"]);
    sh("ip", [
      "netns",
      "exec",
      lab.nsA,
      "iptables",
      "-A",
      "INPUT",
      "-p",
      "tcp",
      "--dport",
      "9999",
      "-j",
      "USER-CHAIN",
    ]);
    const userOnly = save("iptables-save");
    await applyIptables(labRules(), { sshGuard: true, ...ns });
    await applyIptables(labRules(), { sshGuard: true, homeNet: [cidr("10.77.0.0/24")], ...ns });
    expect(save("iptables-save")).toMatch(/:PFW-INPUT-LAN /);
    await applyIptables(labRules(), { sshGuard: false, ...ns }); // leftover LAN chains removed
    const s = save("iptables-save");
    expect(s.match(/-j PFW-INPUT$/gm)?.length).toBe(1);
    expect(s.match(/-j PFW-OUTPUT$/gm)?.length).toBe(1);
    expect(s).not.toMatch(/PFW-INPUT-LAN/);
    expect(s).toMatch(/^-A INPUT -m comment --comment pfw -j PFW-INPUT\n-A INPUT -p tcp/m); // pfw first
    await flushIptables(ns);
    expect(save("iptables-save")).toBe(userOnly);
    sh("ip", ["netns", "exec", lab.nsA, "iptables", "-F", "INPUT"]);
    sh("ip", ["netns", "exec", lab.nsA, "iptables", "-X", "USER-CHAIN"]);
  });

  test("home networks: sources inside skip `in` rules, outside ones are blocked", async () => {
    const rs = labRules();
    for (const r of rs.rules) if (r.id === "block-tcp") r.direction = "in";
    // B's addresses are "home" in the first apply, so the `in` rule does not apply to them.
    await applyIptables(rs, { sshGuard: true, homeNet: [cidr("10.77.0.0/24")], ...ns });
    const [v4, v6] = lab.probe([
      { kind: "tcp", host: LAB.a4, port: LAB.tcpBlocked, from: LAB.b4, timeout: 400 },
      { kind: "tcp", host: LAB.a6, port: LAB.tcpBlocked, from: LAB.b6, timeout: 400 },
    ]);
    expect([v4, v6]).toEqual(["connected", "timeout"]); // no v6 home: every v6 source is remote
    // Loopback traffic is neither in nor out: a local client still reaches the port.
    const local = lab.probe(
      [
        { kind: "tcp", host: "127.0.0.1", port: LAB.tcpBlocked, from: "127.0.0.1", timeout: 400 },
        { kind: "tcp", host: "::1", port: LAB.tcpBlocked, from: "::1", timeout: 400 },
      ],
      "A",
    );
    expect(local).toEqual(["connected", "connected"]);
    await flushIptables(ns);
  });

  test("SSH guard: an established session survives an apply that blocks its port; --no-ssh-guard cuts it", async () => {
    const rs = ruleset([
      rule({ id: "block-ssh", action: "block", proto: [6], dport: [{ lo: LAB.tcpEcho, hi: LAB.tcpEcho }] }),
    ]);
    for (const [guard, expected] of [
      [true, "echo"],
      [false, "timeout"],
    ] as const) {
      const session = await lab.hold(LAB.a4, LAB.b4);
      await applyIptables(rs, { sshGuard: guard, sshPorts: [LAB.tcpEcho], ...ns });
      expect(await session.check()).toBe(expected);
      // New connections to the port are blocked either way.
      expect(
        lab.probe([{ kind: "tcp", host: LAB.a4, port: LAB.tcpEcho, from: LAB.b4, timeout: 400 }]),
      ).toEqual(["timeout"]);
      await flushIptables(ns);
    }
  });

  test("a rejected script changes nothing in either family", async () => {
    await applyIptables(labRules(), { sshGuard: true, ...ns });
    const before4 = save("iptables-save");
    const before6 = save("ip6tables-save");
    const next = buildIptablesScripts(labRules(), { sshGuard: false });
    const badV6 = next.v6.replace("COMMIT", "-A PFW-INPUT -s fd77::zz -j DROP\nCOMMIT");
    const err = await applyIptablesScripts({ v4: next.v4, v6: badV6 }, ns).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnforceError);
    expect((err as EnforceError).code).toBe("APPLY_FAILED");
    expect((err as EnforceError).message).toMatch(
      /^ip6tables-restore rejected the rules, nothing was changed: /,
    );
    expect(save("iptables-save")).toBe(before4);
    expect(save("ip6tables-save")).toBe(before6);
    const badV4 = next.v4.replace("COMMIT", "-A PFW-NOPE -j DROP\nCOMMIT");
    await expect(applyIptablesScripts({ v4: badV4, v6: next.v6 }, ns)).rejects.toMatchObject({
      code: "APPLY_FAILED",
    });
    expect(save("iptables-save")).toBe(before4);
    expect(reach(lab, 4).tcpBlocked).toBe("timeout");
    await flushIptables(ns);
  });
});

/**
 * iptables-nft creates the filter table and its base chains when pfw's jumps go in: flush removes what
 * pfw created (empty, policy accept) and nothing else. A bare namespace of its own per test (no traffic).
 */
(mustRun ? describe : describe.skip)("iptables flush removes what pfw created, and nothing else", () => {
  const nsName = `pfwe-x-${process.pid % 10000}`;
  const ns = { netns: nsName };
  const inNs = (argv: string[], input?: string): string =>
    sh("ip", ["netns", "exec", nsName, ...argv], input);
  const ruleset4and6 = (): string => inNs(["nft", "list", "ruleset"]);
  /** Chains of a table: name -> [policy or "", rule count]. */
  const chainsOf = (family: "ip" | "ip6"): Record<string, [string, number]> => {
    const doc = JSON.parse(inNs(["nft", "-j", "list", "table", family, "filter"])) as {
      nftables: { chain?: { name: string; policy?: string }; rule?: { chain: string } }[];
    };
    const out: Record<string, [string, number]> = {};
    for (const x of doc.nftables) if (x.chain) out[x.chain.name] = [x.chain.policy ?? "", 0];
    for (const x of doc.nftables) if (x.rule && out[x.rule.chain]) out[x.rule.chain]![1]++;
    return out;
  };
  const iptablesNft = /\(nf_tables\)/.test(sh("iptables", ["--version"]));

  beforeEach(() => {
    if (!ready) throw new Error("needs root, iptables-restore, ip6tables-restore and ip (iproute2)");
    spawnSync("ip", ["netns", "del", nsName], { stdio: "ignore" });
    sh("ip", ["netns", "add", nsName]);
  });
  afterEach(() => {
    spawnSync("ip", ["netns", "del", nsName], { stdio: "ignore" });
  });

  test("an empty ruleset is empty again after apply + flush (also after a re-apply)", async () => {
    expect(ruleset4and6()).toBe("");
    await applyIptables(labRules(), { sshGuard: true, ...ns });
    if (iptablesNft) {
      expect(ruleset4and6()).toMatch(/^table ip filter \{/m);
      expect(ruleset4and6()).toMatch(/^table ip6 filter \{/m);
      expect(inNs(["iptables-save", "-t", "filter"])).toMatch(
        /^-A INPUT -m comment --comment "pfw:created-table" -j PFW-INPUT$/m,
      );
    }
    await applyIptables(labRules(), { sshGuard: false, homeNet: [cidr("10.77.0.0/24")], ...ns });
    expect((await statusIptables(ns)).installed).toBe(true);
    expect(await flushIptables(ns)).toBe(true);
    expect(ruleset4and6()).toBe("");
    expect((await statusIptables(ns)).installed).toBe(false);
    expect(await flushIptables(ns)).toBe(false);
    expect(ruleset4and6()).toBe("");
  });

  test("a user's rule in INPUT survives untouched; the OUTPUT chain and ip6 table pfw created go", async () => {
    inNs(["iptables", "-A", "INPUT", "-p", "tcp", "--dport", "9999", "-j", "ACCEPT"]);
    const before = ruleset4and6();
    const save4 = inNs(["iptables-save", "-t", "filter"]).replace(/^#.*\n/gm, "");
    expect(before).toMatch(/^table ip filter \{/);
    if (iptablesNft) expect(before).not.toMatch(/OUTPUT|ip6/);
    await applyIptables(labRules(), { sshGuard: true, ...ns });
    if (iptablesNft) {
      const s = inNs(["iptables-save", "-t", "filter"]);
      expect(s).toMatch(/^-A INPUT -m comment --comment pfw -j PFW-INPUT$/m); // INPUT existed
      expect(s).toMatch(/^-A OUTPUT -m comment --comment "pfw:created-chain" -j PFW-OUTPUT$/m);
    }
    await flushIptables(ns);
    expect(ruleset4and6()).toBe(before);
    expect(inNs(["iptables-save", "-t", "filter"]).replace(/^#.*\n/gm, "")).toBe(save4);
  });

  test("a chain pfw created keeps what the user added since (a rule, a drop policy); the table then stays", async () => {
    await applyIptables(labRules(), { sshGuard: true, ...ns });
    inNs(["iptables", "-A", "INPUT", "-p", "tcp", "--dport", "9999", "-j", "ACCEPT"]);
    inNs(["ip6tables", "-P", "OUTPUT", "DROP"]); // a bare namespace: no traffic to lose
    await flushIptables(ns);
    if (!iptablesNft) return;
    expect(chainsOf("ip")).toEqual({ INPUT: ["accept", 1] }); // OUTPUT (empty, pfw's) removed
    expect(chainsOf("ip6")).toEqual({ OUTPUT: ["drop", 0] }); // INPUT (empty, pfw's) removed
    expect(inNs(["iptables-save", "-t", "filter"])).toMatch(
      /^-A INPUT -p tcp -m tcp --dport 9999 -j ACCEPT$/m,
    );
  });
});
