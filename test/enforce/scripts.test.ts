/** Script generation (nft and iptables-restore) from hand-built rulesets: no kernel needed. */
import { describe, expect, test } from "vitest";
import { buildNftScript, parseDynamicBlocks, parseNftStatus } from "../../src/enforce/nft.js";
import {
  baseCleanupScript,
  buildIptablesScripts,
  parseNftFilterTable,
  parseIptCounters,
  parseIptState,
  renderIptablesPlan,
  EMPTY_IPT_STATE,
} from "../../src/enforce/iptables.js";
import { buildPlan, parseLabel, sanitizeId } from "../../src/enforce/plan.js";
import { isPrivileged } from "../../src/enforce/exec.js";
import { formatStatus, summarizeCounters } from "../../src/enforce/status.js";
import { cidr, rule, ruleset } from "./helpers.js";

const port = (lo: number, hi = lo): { lo: number; hi: number } => ({ lo, hi });
const nftRules = (script: string, chain: "input" | "output"): string[] => {
  const body = script.split(`chain ${chain} {`)[1]?.split("\n\t}")[0] ?? "";
  return body
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.includes('comment "pfw:') && !l.includes("ssh-guard") && !l.includes("dynamic"));
};

describe("rule ids never reach a script unescaped", () => {
  const hostile = [
    'x" ; flush ruleset ; comment "',
    "a\nb",
    "é`$(reboot)`",
    "",
    "x".repeat(500),
    "-j ACCEPT",
  ];
  test("sanitizeId keeps only [A-Za-z0-9._:[]-], at most 64 chars", () => {
    for (const id of hostile) expect(sanitizeId(id)).toMatch(/^[A-Za-z0-9._:[\]-]{1,64}$/);
    expect(sanitizeId("block.ports[0]")).toBe("block.ports[0]");
    expect(parseLabel("pfw:12:block.ports[0]")).toEqual({ index: 12, id: "block.ports[0]" });
    expect(parseLabel("pfw:ssh-guard")).toBeNull();
  });
  test("nft and iptables scripts only quote sanitised labels", () => {
    const rs = ruleset(hostile.map((id) => rule({ id, action: "block", proto: [6], dport: [port(1)] })));
    const nft = buildNftScript(rs, { sshGuard: true });
    const ipt = buildIptablesScripts(rs, { sshGuard: true });
    for (const s of [nft, ipt.v4, ipt.v6]) {
      expect(s).not.toContain("flush ruleset");
      expect(s).not.toContain("reboot)");
      // Every double-quoted string is a label of the safe alphabet.
      for (const q of s.match(/"[^"]*"/g) ?? []) expect(q).toMatch(/^"(pfw(:[A-Za-z0-9._:[\]-]+)?|lo)"$/);
      expect((s.match(/"/g) ?? []).length % 2).toBe(0);
    }
    expect(nft).toContain('comment "pfw:0:x____flush_ruleset___comment__"');
    expect(nft).toContain('comment "pfw:3:_"');
  });
  test("out-of-range fields of a hand-built ruleset are BAD_RULE, not script text", () => {
    const bad = [
      rule({ id: "p", action: "block", dport: [port(70000)] }),
      rule({ id: "r", action: "block", dport: [port(90, 80)] }),
      rule({ id: "q", action: "block", proto: [300] }),
      rule({ id: "c", action: "block", src: [{ ...cidr("10.0.0.0/8"), prefix: 33 }] }),
    ];
    for (const r of bad) {
      expect(() => buildNftScript(ruleset([r]), { sshGuard: true })).toThrow(
        expect.objectContaining({ code: "BAD_RULE" }),
      );
      expect(() => buildIptablesScripts(ruleset([r]), { sshGuard: true })).toThrow(
        expect.objectContaining({ code: "BAD_RULE" }),
      );
    }
    expect(() => buildNftScript(ruleset([]), { sshGuard: true, sshPorts: [0] })).toThrow(
      expect.objectContaining({ code: "BAD_ARGUMENT" }),
    );
  });
  test("CIDR text comes from the numbers, host bits cleared (not from Cidr.text)", () => {
    const c = { ...cidr("10.1.0.0/16"), text: "10.1.0.0/16 } ; flush ruleset" };
    const s = buildNftScript(ruleset([rule({ id: "n", action: "block", src: [c] })]), { sshGuard: false });
    expect(s).toContain("ip saddr 10.1.0.0/16 counter drop");
    expect(s).not.toContain("flush ruleset");
  });
});

describe("what is enforced", () => {
  const rs = ruleset([
    rule({ id: "allow-first", action: "allow", proto: [6], dport: [port(80)] }),
    rule({ id: "block-web", action: "block", proto: [6], dport: [port(80), port(8000, 8100)] }),
    rule({ id: "alert", action: "alert", proto: [1] }),
    rule({ id: "log", action: "log", proto: [17] }),
    rule({
      id: "block-in",
      action: "block",
      direction: "in",
      src: [cidr("192.0.2.0/24"), cidr("2001:db8::/32")],
    }),
    rule({
      id: "block-out",
      action: "block",
      direction: "out",
      dst: [cidr("198.51.100.7"), cidr("198.51.100.9")],
    }),
    rule({ id: "allow-late", action: "allow", proto: [1] }),
  ]);
  const nft = buildNftScript(rs, { sshGuard: true });
  test("block -> drop, allow before the last block -> accept, in file order; later allows, alert, log left out", () => {
    expect(nftRules(nft, "input")).toEqual([
      'meta l4proto 6 th dport 80 counter accept comment "pfw:0:allow-first"',
      'meta l4proto 6 th dport { 80, 8000-8100 } counter drop comment "pfw:1:block-web"',
      'iifname != "lo" ip saddr 192.0.2.0/24 counter drop comment "pfw:4:block-in"',
      'iifname != "lo" ip6 saddr 2001:db8::/32 counter drop comment "pfw:4:block-in"',
    ]);
    expect(nftRules(nft, "output")).toEqual([
      'meta l4proto 6 th dport 80 counter accept comment "pfw:0:allow-first"',
      'meta l4proto 6 th dport { 80, 8000-8100 } counter drop comment "pfw:1:block-web"',
      'oifname != "lo" ip daddr @r5_dst4 counter drop comment "pfw:5:block-out"',
    ]);
    expect(nft).toMatch(
      /set r5_dst4 \{\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n\t\telements = \{\n\t\t\t198\.51\.100\.7, 198\.51\.100\.9\n/,
    );
    const notes = buildPlan(rs, { sshGuard: true }).notes.join("\n");
    expect(notes).toContain('rule "alert": "alert" rules are not enforced');
    expect(notes).toContain('rule "log": "log" rules are not enforced');
  });
  test("the script replaces only table inet pfw, with SSH guard first and dynamic sets", () => {
    expect(nft.split("\n").slice(2, 5)).toEqual([
      "table inet pfw",
      "delete table inet pfw",
      "table inet pfw {",
    ]);
    expect(nft).not.toMatch(/flush ruleset|table (ip|ip6|inet) (?!pfw)/);
    const input = nft.split("chain input {")[1] ?? "";
    expect(input.indexOf("pfw:ssh-guard")).toBeLessThan(input.indexOf("pfw:dynamic"));
    expect(input.indexOf("pfw:dynamic")).toBeLessThan(input.indexOf("pfw:0:"));
    expect(input).toContain(
      'tcp dport 22 ct state established,related counter accept comment "pfw:ssh-guard"',
    );
    const noGuard = buildNftScript(rs, { sshGuard: false, dynamicSet: false });
    expect(noGuard).not.toContain("ssh-guard");
    expect(noGuard).not.toContain("blocklist4");
    expect(buildNftScript(rs, { sshGuard: true, sshPorts: [22, 2222] })).toContain(
      "tcp dport { 22, 2222 } ct state",
    );
  });
  test("iptables: accept is RETURN (pfw never overrides later rules), jumps inserted first", () => {
    const { v4, v6 } = buildIptablesScripts(rs, { sshGuard: true });
    expect(v4).toContain(
      '-A PFW-INPUT -p 6 -m multiport --dports 80 -m comment --comment "pfw:0:allow-first" -j RETURN',
    );
    expect(v4).toContain(
      '-A PFW-INPUT ! -i lo -s 192.0.2.0/24 -m comment --comment "pfw:4:block-in" -j DROP',
    );
    expect(v4).toContain(
      '-A PFW-OUTPUT ! -o lo -d 198.51.100.9 -m comment --comment "pfw:5:block-out" -j DROP',
    );
    expect(v4).not.toContain("2001:db8");
    expect(v6).toContain(
      '-A PFW-INPUT ! -i lo -s 2001:db8::/32 -m comment --comment "pfw:4:block-in" -j DROP',
    );
    expect(v6).not.toContain("block-out");
    expect(v4).toMatch(/-I INPUT 1 -m comment --comment "pfw" -j PFW-INPUT\n-I OUTPUT 1 .*\nCOMMIT\n$/);
    // With the jumps already there, they are not inserted again.
    const plan = buildPlan(rs, { sshGuard: true });
    const state = parseIptState(
      ":PFW-INPUT - [0:0]\n:PFW-OUTPUT - [0:0]\n-A INPUT -m comment --comment pfw -j PFW-INPUT\n-A OUTPUT -m comment --comment pfw -j PFW-OUTPUT\n",
    );
    expect(state.jumps).toHaveLength(2);
    expect(renderIptablesPlan(plan, 4, state)).not.toContain("-I INPUT");
  });
});

describe("iptables: what pfw's jumps created, and what flush removes", () => {
  const plan = buildPlan(ruleset([rule({ id: "b", action: "block", proto: [6] })]), { sshGuard: false });
  test("the jump's comment records what existed before (nft table and base chains)", () => {
    const jumps = (pre: Parameters<typeof renderIptablesPlan>[3]): string[] =>
      renderIptablesPlan(plan, 4, EMPTY_IPT_STATE, pre)
        .split("\n")
        .filter((l) => l.startsWith("-I "));
    expect(jumps(null)).toEqual([
      '-I INPUT 1 -m comment --comment "pfw" -j PFW-INPUT',
      '-I OUTPUT 1 -m comment --comment "pfw" -j PFW-OUTPUT',
    ]);
    expect(jumps({ table: false, chains: new Set() })).toEqual([
      '-I INPUT 1 -m comment --comment "pfw:created-table" -j PFW-INPUT',
      '-I OUTPUT 1 -m comment --comment "pfw:created-table" -j PFW-OUTPUT',
    ]);
    expect(jumps({ table: true, chains: new Set(["INPUT", "FORWARD"]) })).toEqual([
      '-I INPUT 1 -m comment --comment "pfw" -j PFW-INPUT',
      '-I OUTPUT 1 -m comment --comment "pfw:created-chain" -j PFW-OUTPUT',
    ]);
  });

  test("iptables-save: marked jumps are pfw's (not inserted again), the nf_tables variant is recognised", () => {
    const save = [
      "# Generated by iptables-save v1.8.9 (nf_tables) on Tue Dec  8 01:06:37 2026",
      "*filter",
      ":PFW-INPUT - [0:0]",
      ":PFW-OUTPUT - [0:0]",
      '-A INPUT -m comment --comment "pfw:created-table" -j PFW-INPUT',
      "-A OUTPUT -m comment --comment pfw -j PFW-OUTPUT",
      '-A INPUT -m comment --comment "pfw:bogus" -j PFW-INPUT',
    ].join("\n");
    const st = parseIptState(save);
    expect(st.jumps).toHaveLength(2);
    expect([...st.marks]).toEqual([
      ["INPUT", "table"],
      ["OUTPUT", "none"],
    ]);
    expect(st.nftVariant).toBe(true);
    expect(renderIptablesPlan(plan, 4, st, { table: false, chains: new Set() })).not.toContain("-I ");
    expect(parseIptState(save.replace(" (nf_tables)", "")).nftVariant).toBe(false); // legacy
  });

  test("cleanup: only empty accept-policy base chains pfw created; the table only when nothing else is left", () => {
    const table = (items: object[]): ReturnType<typeof parseNftFilterTable> =>
      parseNftFilterTable(
        JSON.stringify({ nftables: [{ metainfo: {} }, { table: { name: "filter" } }, ...items] }),
      );
    const base = (name: string, policy = "accept"): object => ({
      chain: { name, hook: name.toLowerCase(), policy },
    });
    const created = new Map([
      ["INPUT", "table"],
      ["OUTPUT", "table"],
    ] as const);
    expect(baseCleanupScript(4, table([base("INPUT"), base("OUTPUT")]), created)).toBe(
      "delete table ip filter\n",
    );
    // A user's rule in INPUT, a user's FORWARD chain, a drop policy, a set: they stay (and so does the table).
    expect(
      baseCleanupScript(6, table([base("INPUT"), base("OUTPUT"), { rule: { chain: "INPUT" } }]), created),
    ).toBe("delete chain ip6 filter OUTPUT\n");
    expect(baseCleanupScript(4, table([base("INPUT"), base("OUTPUT"), base("FORWARD")]), created)).toBe(
      "delete chain ip filter INPUT\ndelete chain ip filter OUTPUT\n",
    );
    expect(baseCleanupScript(4, table([base("INPUT"), base("OUTPUT", "drop")]), created)).toBe(
      "delete chain ip filter INPUT\n",
    );
    expect(
      baseCleanupScript(4, table([base("INPUT"), base("OUTPUT"), { set: { name: "s" } }]), created),
    ).toBe("delete chain ip filter INPUT\ndelete chain ip filter OUTPUT\n");
    // Chains that existed before pfw are never removed, even empty.
    const mixed = new Map([
      ["INPUT", "none"],
      ["OUTPUT", "chain"],
    ] as const);
    expect(baseCleanupScript(4, table([base("INPUT"), base("OUTPUT")]), mixed)).toBe(
      "delete chain ip filter OUTPUT\n",
    );
    expect(baseCleanupScript(4, table([base("INPUT")]), new Map([["INPUT", "none"]]))).toBe("");
  });
});

describe("families, ports, directions", () => {
  test("an IPv4-only ruleset (legacy) gets no IPv6 rules", () => {
    const rs = ruleset(
      [
        rule({ id: "p", action: "block", port: [port(23)] }),
        rule({ id: "six", action: "block", src: [cidr("::1")] }),
      ],
      { ipVersions: [4] },
    );
    const nft = buildNftScript(rs, { sshGuard: false });
    expect(nftRules(nft, "input")).toEqual([
      'meta nfproto ipv4 meta l4proto { 6, 17 } th sport 23 counter drop comment "pfw:0:p"',
      'meta nfproto ipv4 meta l4proto { 6, 17 } th dport 23 counter drop comment "pfw:0:p"',
    ]);
    expect(buildPlan(rs, { sshGuard: false }).notes.join()).toContain(
      'rule "six": no address of an enforced IP version',
    );
    const { v4, v6 } = buildIptablesScripts(rs, { sshGuard: false });
    expect(v4).toContain('-A PFW-INPUT -p 17 -m multiport --ports 23 -m comment --comment "pfw:0:p" -j DROP');
    expect(v6).not.toContain("pfw:0:p");
  });
  test("ports only with TCP/UDP; a port rule for ICMP only can never match and is left out", () => {
    const rs = ruleset([rule({ id: "icmp-port", action: "block", proto: [1], dport: [port(1)] })]);
    expect(buildPlan(rs, { sshGuard: true }).rules).toEqual([]);
    const rs2 = ruleset([rule({ id: "mixed", action: "block", proto: [1, 17], dport: [port(53)] })]);
    expect(nftRules(buildNftScript(rs2, { sshGuard: true }), "input")).toEqual([
      'meta l4proto 17 th dport 53 counter drop comment "pfw:0:mixed"',
    ]);
  });
  test("multiport: more than 15 ports are split into several rules", () => {
    const many = Array.from({ length: 20 }, (_, i) => port(1000 + i * 10));
    const rs = ruleset([rule({ id: "m", action: "block", proto: [6], dport: [...many, port(5000, 5010)] })]);
    const { v4 } = buildIptablesScripts(rs, { sshGuard: false });
    const lines = v4.split("\n").filter((l) => l.startsWith("-A PFW-INPUT"));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("--dports 1150,1160,1170,1180,1190,5000:5010 ");
  });
  test("home networks: in-rules skip home sources (nft != @home4), any-rules do not", () => {
    const rs = ruleset([
      rule({ id: "in", action: "block", direction: "in", proto: [6], dport: [port(23)] }),
      rule({ id: "any", action: "block", proto: [6], dport: [port(24)] }),
    ]);
    const nft = buildNftScript(rs, { sshGuard: false, homeNet: [cidr("192.168.0.0/16")] });
    expect(nftRules(nft, "input")).toEqual([
      'iifname != "lo" ip saddr != @home4 meta l4proto 6 th dport 23 counter drop comment "pfw:0:in"',
      'iifname != "lo" meta nfproto ipv6 meta l4proto 6 th dport 23 counter drop comment "pfw:0:in"',
      'meta l4proto 6 th dport 24 counter drop comment "pfw:1:any"',
    ]);
    const { v4 } = buildIptablesScripts(rs, { sshGuard: false, homeNet: [cidr("192.168.0.0/16")] });
    expect(v4).toContain(
      "-A PFW-INPUT -s 192.168.0.0/16 -j PFW-INPUT-LAN\n-A PFW-INPUT -s 192.168.0.0/16 -j RETURN\n",
    );
    expect(v4).toContain(
      '-A PFW-INPUT-LAN -p 6 -m multiport --dports 24 -m comment --comment "pfw:1:any" -j DROP',
    );
    expect(v4).not.toMatch(/PFW-INPUT-LAN .*pfw:0:in/);
  });
  test("transport_header: fragment-offset tests per family (IPv6: fragment header), ip6tables limits", () => {
    const rs = ruleset([
      rule({ id: "frag", action: "block", proto: [6, 17], transportHeader: false }),
      rule({ id: "whole", action: "block", proto: [1, 58], transportHeader: true }),
      rule({ id: "web", action: "block", proto: [6], port: [port(80)], transportHeader: true }),
      rule({ id: "never", action: "block", proto: [6], dport: [port(81)], transportHeader: false }),
    ]);
    expect(nftRules(buildNftScript(rs, { sshGuard: false }), "input")).toEqual([
      'meta nfproto ipv4 meta l4proto { 6, 17 } ip frag-off & 0x1fff != 0 counter drop comment "pfw:0:frag"',
      'meta nfproto ipv6 meta l4proto { 6, 17 } frag frag-off != 0 counter drop comment "pfw:0:frag"',
      'meta nfproto ipv4 meta l4proto { 1, 58 } ip frag-off & 0x1fff == 0 counter drop comment "pfw:1:whole"',
      'meta nfproto ipv6 meta l4proto { 1, 58 } exthdr frag missing counter drop comment "pfw:1:whole"',
      'meta nfproto ipv6 meta l4proto { 1, 58 } frag frag-off 0 counter drop comment "pfw:1:whole"',
      'meta nfproto ipv4 meta l4proto 6 ip frag-off & 0x1fff == 0 th sport 80 counter drop comment "pfw:2:web"',
      'meta nfproto ipv4 meta l4proto 6 ip frag-off & 0x1fff == 0 th dport 80 counter drop comment "pfw:2:web"',
      'meta nfproto ipv6 meta l4proto 6 exthdr frag missing th sport 80 counter drop comment "pfw:2:web"',
      'meta nfproto ipv6 meta l4proto 6 exthdr frag missing th dport 80 counter drop comment "pfw:2:web"',
      'meta nfproto ipv6 meta l4proto 6 frag frag-off 0 th sport 80 counter drop comment "pfw:2:web"',
      'meta nfproto ipv6 meta l4proto 6 frag frag-off 0 th dport 80 counter drop comment "pfw:2:web"',
    ]);
    expect(buildPlan(rs, { sshGuard: false }).notes.join()).toContain(
      'rule "never": ports with transport_header false can never match; left out.',
    );
    // IPv4 iptables: -f is exactly "non-first fragment".
    const v4only = ruleset(rs.rules, { ipVersions: [4] });
    const { v4 } = buildIptablesScripts(v4only, { sshGuard: false });
    expect(v4.split("\n").filter((l) => l.startsWith("-A PFW-INPUT"))).toEqual([
      '-A PFW-INPUT -p 6 -f -m comment --comment "pfw:0:frag" -j DROP',
      '-A PFW-INPUT -p 17 -f -m comment --comment "pfw:0:frag" -j DROP',
      '-A PFW-INPUT -p 1 ! -f -m comment --comment "pfw:1:whole" -j DROP',
      '-A PFW-INPUT -p 58 ! -f -m comment --comment "pfw:1:whole" -j DROP',
      '-A PFW-INPUT -p 6 ! -f -m multiport --ports 80 -m comment --comment "pfw:2:web" -j DROP',
    ]);
    // ip6tables: tcp/udp with the header via the tcp/udp matches; a fragment offset it cannot test.
    const tcpOnly = ruleset([rs.rules[2]!]);
    expect(buildIptablesScripts(tcpOnly, { sshGuard: false }).v6).toContain(
      '-A PFW-INPUT -p 6 -m tcp -m multiport --ports 80 -m comment --comment "pfw:0:web" -j DROP',
    );
    expect(() => buildIptablesScripts(rs, { sshGuard: false })).toThrow(
      expect.objectContaining({ code: "UNSUPPORTED", message: expect.stringContaining('rule "frag"') }),
    );
    // A hand-built rule with transport_header and no / other protocols is BAD_RULE.
    for (const proto of [undefined, [47]]) {
      const bad = ruleset([
        rule({ id: "b", action: "block", transportHeader: true, ...(proto ? { proto } : {}) }),
      ]);
      expect(() => buildPlan(bad, { sshGuard: false })).toThrow(
        expect.objectContaining({ code: "BAD_RULE" }),
      );
    }
  });
  test("the default action block is not enforced (no policy drop), with a note", () => {
    const rs = ruleset([], { defaultAction: "block" });
    expect(buildNftScript(rs, { sshGuard: true })).not.toMatch(/policy drop/);
    expect(buildPlan(rs, { sshGuard: true }).notes.join()).toContain(
      'default action "block" is not enforced',
    );
  });
});

test("dynamic blocks carried into a new table are validated and re-formatted", () => {
  const s = buildNftScript(ruleset([]), {
    sshGuard: true,
    dynamicBlocks: [
      { addr: "192.0.2.1", timeoutSec: 5 },
      { addr: "2001:DB8:0::1", timeoutSec: 7 },
    ],
  });
  expect(s).toContain("\t\telements = {\n\t\t\t192.0.2.1 timeout 5s\n");
  expect(s).toContain("\t\telements = {\n\t\t\t2001:db8::1 timeout 7s\n");
  for (const b of [
    { addr: "1.2.3.4 } ; flush ruleset", timeoutSec: 5 },
    { addr: "1.2.3.4", timeoutSec: 1.5 },
    { addr: "01.2.3.4", timeoutSec: 5 },
  ]) {
    expect(() => buildNftScript(ruleset([]), { sshGuard: true, dynamicBlocks: [b] })).toThrow(
      expect.objectContaining({ code: "BAD_ARGUMENT" }),
    );
  }
  const json = JSON.stringify({
    nftables: [
      { set: { name: "blocklist4", elem: [{ elem: { val: "192.0.2.1", timeout: 600, expires: 421 } }] } },
      { set: { name: "r3_src4", elem: ["10.0.0.1"] } },
    ],
  });
  expect(parseDynamicBlocks(json)).toEqual([{ addr: "192.0.2.1", timeoutSec: 421 }]);
});

describe("status parsing", () => {
  test("nft -j output: counters summed per rule id, set sizes", () => {
    const json = JSON.stringify({
      nftables: [
        { metainfo: { version: "1.0.6" } },
        { table: { family: "inet", name: "pfw" } },
        { set: { name: "blocklist4", elem: [{ elem: { val: "1.2.3.4", timeout: 60, expires: 59 } }] } },
        { set: { name: "blocklist6" } },
        {
          rule: {
            chain: "input",
            comment: "pfw:2:p",
            expr: [{ counter: { packets: 3, bytes: 180 } }, { drop: null }],
          },
        },
        {
          rule: {
            chain: "input",
            comment: "pfw:2:p",
            expr: [{ counter: { packets: 2, bytes: 120 } }, { drop: null }],
          },
        },
        {
          rule: {
            chain: "output",
            comment: "pfw:2:p",
            expr: [{ counter: { packets: 1, bytes: 60 } }, { drop: null }],
          },
        },
        {
          rule: {
            chain: "input",
            comment: "pfw:ssh-guard",
            expr: [{ counter: { packets: 7, bytes: 1 } }, { accept: null }],
          },
        },
      ],
    });
    const st = parseNftStatus(json);
    expect(st.sets).toEqual([
      { name: "blocklist4", size: 1 },
      { name: "blocklist6", size: 0 },
    ]);
    expect(st.rules).toEqual([
      {
        label: "pfw:2:p",
        index: 2,
        id: "p",
        verdict: "drop",
        hooks: ["input", "output"],
        kernelRules: 3,
        packets: 6,
        bytes: 360,
      },
      {
        label: "pfw:ssh-guard",
        index: null,
        id: "ssh-guard",
        verdict: "accept",
        hooks: ["input"],
        kernelRules: 1,
        packets: 7,
        bytes: 1,
      },
    ]);
    expect(formatStatus(st)).toMatch(
      /^backend nft: 2 rules installed\npersistent: no owner recorded, no process watches them; the rules stay in force until "pfw enforce flush"\n#\s+rule\s+verdict\s+hooks\s+packets\s+bytes\n2\s+p\s+drop\s+input,output\s+6\s+360\n/,
    );
  });
  test("iptables-save -c output", () => {
    const save = [
      "*filter",
      ":PFW-INPUT - [0:0]",
      '[4:240] -A PFW-INPUT -s 10.0.0.5/32 -m comment --comment "pfw:0:block.ips[0]" -j DROP',
      "[1:60] -A PFW-INPUT -p udp -m multiport --ports 23 -m comment --comment pfw:1:block.ports[0] -j DROP",
      "[9:9] -A PFW-INPUT -s 192.168.0.0/16 -j PFW-INPUT-LAN",
      "[5:5] -A INPUT -m comment --comment pfw -j PFW-INPUT",
    ].join("\n");
    const rules = summarizeCounters(parseIptCounters(save, 4));
    expect(rules.map((r) => [r.id, r.verdict, r.packets])).toEqual([
      ["block.ips[0]", "drop", 4],
      ["block.ports[0]", "drop", 1],
    ]);
  });
});

test("privilege check: uid 0, or CAP_NET_ADMIN in CapEff", () => {
  expect(isPrivileged(0, "")).toBe(true);
  expect(isPrivileged(1000, "0000000000000000")).toBe(false);
  expect(isPrivileged(1000, "0000000000001000")).toBe(true); // bit 12
  expect(isPrivileged(1000, "000001ffffffefff")).toBe(false);
  expect(isPrivileged(1000, "garbage")).toBe(false);
});
