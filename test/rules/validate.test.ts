/** Rule-file validation: every problem at once, each with its exact JSON path and message. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatPath, formatProblem, loadRuleFile, parseRules, parseRulesText } from "../../src/rules/load.js";

/** The problems of a JSON value, as formatted lines. */
function problems(json: unknown): string[] {
  const res = parseRules(json, "test.json");
  expect(res.ruleset).toBeUndefined();
  return res.problems.map(formatProblem);
}

const dir = mkdtempSync(path.join(tmpdir(), "pfw-rules-"));
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("file level", () => {
  it("a missing file is a problem, not an exception", () => {
    const res = loadRuleFile(path.join(dir, "nope.json"));
    expect(res.ruleset).toBeUndefined();
    expect(res.problems).toEqual([{ path: [], message: "cannot read the file: ENOENT" }]);
  });

  it("JSON syntax errors give line and column", () => {
    const res = loadRuleFile(
      file("bad.json", '{\n  "version": 1,\n  "rules": [\n    { "action": "log" },\n  ]\n}\n'),
    );
    expect(res.problems.map(formatProblem)).toEqual([
      'JSON syntax error at line 5 column 3: unexpected "]" (expected a value)',
    ]);
    const cases: [string, string][] = [
      ['{"a": 1 "b": 2}', 'line 1 column 9: expected "," or "}", found "\\""'],
      ["{'a': 1}", 'line 1 column 2: expected a double-quoted key, found "\'"'],
      ['{"a": tru}', 'line 1 column 7: unexpected "t" (expected a value)'],
      ['{"a": 01}', 'line 1 column 8: expected "," or "}", found "1"'],
      ['{"a": "x\n', "line 1 column 9: control character in string (escape it)"],
      ['{"a": "x', "line 1 column 9: unterminated string"],
      ['{"a": 1}\n}', 'line 2 column 1: unexpected "}" after the end of the JSON value'],
      ["[1, 2", 'line 1 column 6: expected "," or "]", found end of input'],
    ];
    for (const [text, want] of cases) {
      expect(formatProblem(parseRulesText(text, "x").problems[0] ?? { path: [], message: "" })).toBe(
        `JSON syntax error at ${want}`,
      );
    }
    expect(parseRulesText("", "x").problems.map(formatProblem)).toEqual([
      "JSON syntax error at line 1 column 1: unexpected end of input",
    ]);
  });

  it("duplicate keys are problems (JSON.parse would keep the last silently)", () => {
    const text =
      '{"version": 1,\n "rules": [{"action": "block", "dport": 22,\n "dport": 23}],\n "version": 1}';
    expect(parseRulesText(text, "x").problems.map(formatProblem)).toEqual([
      "rules[0].dport: duplicate key at line 3 column 2 (JSON keeps only the last one)",
      "version: duplicate key at line 4 column 2 (JSON keeps only the last one)",
    ]);
  });

  it("a UTF-8 byte order mark is accepted", () => {
    const res = parseRulesText('\ufeff{"allow": {"ports": [80]}}', "x");
    expect(res.problems).toEqual([]);
  });

  it("not an object, or neither format", () => {
    expect(problems([1, 2])).toEqual(["a rule file must be a JSON object, not an array"]);
    expect(problems(null)).toEqual(["a rule file must be a JSON object, not null"]);
    expect(problems({ alow: {} })).toEqual([
      'not a pfw rule file: expected "version" and "rules" (native format) or "allow"/"block" (legacy format)',
    ]);
  });
});

describe("legacy format problems", () => {
  it("reports every problem at once with its path", () => {
    expect(
      problems({
        allow: {
          ips: ["192.168.1.1", "10.0.0.0/8", "192.168.001.1", "2001:db8::1", 5],
          ports: [80, 70000, "443", -1, 8.5],
          protocols: ["TCP", "tcp", "6", 47, "SCTP", "256", "47"],
        },
        block: { ip: ["1.2.3.4"], ports: 23 },
        deny: {},
      }),
    ).toEqual([
      "deny: unknown key (expected one of: allow, block)",
      'block.ip: unknown key (did you mean "ips"?)',
      "block.ports: must be a list, not 23",
      'allow.ips[1]: "10.0.0.0/8" is not an IPv4 address (the legacy format compares source IPs exactly)',
      'allow.ips[2]: "192.168.001.1" is not an IPv4 address (the legacy format compares source IPs exactly)',
      'allow.ips[3]: "2001:db8::1" is not an IPv4 address (the legacy format compares source IPs exactly)',
      "allow.ips[4]: 5 is not an IPv4 address (the legacy format compares source IPs exactly)",
      "allow.ports[1]: 70000 is not a port (a number 0-65535)",
      'allow.ports[2]: "443" is not a port (a number 0-65535)',
      "allow.ports[3]: -1 is not a port (a number 0-65535)",
      "allow.ports[4]: 8.5 is not a port (a number 0-65535)",
      'allow.protocols[1]: "tcp" is not a legacy protocol name (write "TCP")',
      'allow.protocols[3]: 47 is not a legacy protocol (write it as a string: "47")',
      'allow.protocols[4]: "SCTP" is not a legacy protocol ("TCP", "UDP", "ICMP" or a number "0"-"255" as a string)',
      'allow.protocols[5]: "256" is not a legacy protocol ("TCP", "UDP", "ICMP" or a number "0"-"255" as a string)',
    ]);
  });

  it("a side must be an object", () => {
    expect(problems({ allow: [], block: { ips: [] } })).toEqual([
      'allow: must be an object with "ips", "ports" and "protocols" lists, not an array',
    ]);
  });
});

describe("native format problems", () => {
  it("the issue's example: a port out of range, with its path", () => {
    const rules = [
      { action: "log" },
      { action: "log" },
      { action: "log" },
      { action: "block", dport: "70000" },
    ];
    expect(problems({ version: 1, rules })).toEqual(['rules[3].dport: "70000" is not a port (0-65535)']);
  });

  it("reports every problem at once", () => {
    const out = problems({
      version: 2,
      defualt: "allow",
      default: "deny",
      ip_versions: [4, 5, 4],
      home_net: ["192.168.1.5/24"],
      lists: { good: ["10.0.0.0/8"], "bad name": [], nested: ["@good"], notalist: "1.2.3.4" },
      rules: [
        { id: "a", action: "block", dst_port: 22 },
        { id: "a", action: "allow", src: ["@good", "@nope", "10.0.0.1/33", "1.2.3"], dst: [] },
        { action: "alert", sport: ["2000-1000", "1-70000", true], dport: -5, port: 65536 },
        { id: "icmp-ports", action: "block", proto: "icmp", dport: 80 },
        {
          id: "x y",
          action: "drop",
          proto: ["tcp", "bogus", 300],
          direction: "inbound",
          severity: "urgent",
          reason: "",
        },
        "not a rule",
        { src: "2001:db8::1/32", dst: "fe80::1%eth0" },
      ],
    });
    expect(out).toEqual([
      'defualt: unknown key (did you mean "default"?)',
      "version: 2 is not a supported version (1)",
      'default: "deny" is not an action (allow, block, alert, log)',
      "ip_versions[1]: 5 is not an IP version (4 or 6)",
      "ip_versions[2]: 4 is listed twice",
      'lists["bad name"]: list names are letters, digits, _ . - (starting with a letter or _)',
      "lists.nested[0]: lists cannot refer to other lists",
      'lists.notalist: must be a list of addresses/CIDRs, not "1.2.3.4"',
      'home_net[0]: "192.168.1.5/24" has host bits set (did you mean "192.168.1.0/24"?)',
      'rules[0].dst_port: unknown key (did you mean "dport"?)',
      'rules[1].src[1]: "@nope" is not a defined list (lists: good, nested)',
      'rules[1].src[2]: "10.0.0.1/33" has a bad prefix length (0-32)',
      'rules[1].src[3]: "1.2.3" is not an IPv4/IPv6 address or CIDR',
      "rules[1].dst: an empty list matches nothing (leave the key out to match any address)",
      'rules[1].id: duplicate id "a" (also rules[0])',
      'rules[2].sport[0]: "2000-1000" is not a port range (the low end is above the high end)',
      'rules[2].sport[1]: "1-70000" is not a port range (ports are 0-65535)',
      'rules[2].sport[2]: true is not a port or port range (22, "22" or "1000-2000")',
      "rules[2].dport: -5 is not a port (0-65535)",
      "rules[2].port: 65536 is not a port (0-65535)",
      "rules[3].dport: ports only match tcp and udp packets, and this rule's proto has neither",
      'rules[4].id: "x y" is not an id (1-64 letters, digits, _ . : / - [ ])',
      'rules[4].action: "drop" is not an action (allow, block, alert, log)',
      'rules[4].proto[1]: "bogus" is not a protocol (icmp, igmp, tcp, udp, gre, esp, ah, icmpv6, sctp or a number 0-255)',
      "rules[4].proto[2]: 300 is not a protocol (icmp, igmp, tcp, udp, gre, esp, ah, icmpv6, sctp or a number 0-255)",
      'rules[4].direction: "inbound" is not a direction (in, out, any)',
      'rules[4].severity: "urgent" is not a severity (low, medium, high, critical)',
      'rules[4].reason: must be a non-empty string, not ""',
      'rules[5]: a rule must be an object, not "not a rule"',
      'rules[6]: missing "action" (allow, block, alert or log)',
      'rules[6].src: "2001:db8::1/32" has host bits set (did you mean "2001:db8::/32"?)',
      'rules[6].dst: "fe80::1%eth0" is not an IPv4/IPv6 address or CIDR',
    ]);
  });

  it("missing version and missing rules", () => {
    expect(problems({ rules: [] })).toEqual(['missing "version" (write "version": 1)']);
    expect(problems({ version: 1 })).toEqual(['missing "rules" (an ordered list of rules)']);
    expect(problems({ version: 1, rules: {} })).toEqual(["rules: must be a list of rules, not an object"]);
  });

  it("an unnamed rule gets the id rule-N; a given id may not collide with it", () => {
    expect(problems({ version: 1, rules: [{ action: "log" }, { id: "rule-0", action: "log" }] })).toEqual([
      'rules[1].id: duplicate id "rule-0" (also rules[0])',
    ]);
  });

  it("accepts every documented form and normalises values", () => {
    const res = parseRules(
      {
        version: 1,
        default: "allow",
        ip_versions: [6, 4],
        lists: { l: ["10.0.0.0/8", "2001:DB8:0:0::/32"] },
        home_net: "@l",
        rules: [
          {
            id: "r",
            action: "alert",
            src: "@l",
            dst: ["::ffff:1.2.3.4", "0.0.0.0/0"],
            sport: 22,
            dport: ["22", "1000-2000", 0],
            port: "65535",
            proto: ["TCP", "udp", 47, "132"],
            direction: "out",
            severity: "critical",
            reason: "why",
          },
          { action: "block" },
        ],
      },
      "src.json",
    );
    expect(res.problems).toEqual([]);
    const rs = res.ruleset;
    expect(rs?.source).toBe("src.json");
    expect(rs?.ipVersions).toEqual([4, 6]);
    expect(rs?.homeNet.map((c) => c.text)).toEqual(["10.0.0.0/8", "2001:db8::/32"]);
    const r = rs?.rules[0];
    expect(r?.src?.map((c) => c.text)).toEqual(["10.0.0.0/8", "2001:db8::/32"]);
    expect(r?.dst?.map((c) => c.text)).toEqual(["::ffff:102:304", "0.0.0.0/0"]);
    expect(r?.sport).toEqual([{ lo: 22, hi: 22 }]);
    expect(r?.dport).toEqual([
      { lo: 22, hi: 22 },
      { lo: 1000, hi: 2000 },
      { lo: 0, hi: 0 },
    ]);
    expect(r?.port).toEqual([{ lo: 65535, hi: 65535 }]);
    expect(r?.proto).toEqual([6, 17, 47, 132]);
    expect(r?.path).toBe("rules[0]");
    expect(rs?.rules[1]).toEqual({
      id: "rule-1",
      action: "block",
      direction: "any",
      severity: "medium",
      reason: "matched rule rule-1",
      path: "rules[1]",
    });
  });
});

describe("hostile keys and values", () => {
  it("prototype names are neither protocol names nor keys", () => {
    const text =
      '{"version": 1, "__proto__": {"x": 1}, "rules": [{"action": "log", "proto": ["constructor", "toString"], "constructor": 1}]}';
    expect(parseRulesText(text, "x").problems.map(formatProblem)).toEqual([
      "__proto__: unknown key (expected one of: version, description, default, default_reason, ip_versions, home_net, lists, rules)",
      "rules[0].constructor: unknown key (expected one of: id, action, src, dst, sport, dport, port, proto, transport_header, direction, severity, reason)",
      'rules[0].proto[0]: "constructor" is not a protocol (icmp, igmp, tcp, udp, gre, esp, ah, icmpv6, sctp or a number 0-255)',
      'rules[0].proto[1]: "toString" is not a protocol (icmp, igmp, tcp, udp, gre, esp, ah, icmpv6, sctp or a number 0-255)',
    ]);
    expect(
      parseRules({ block: { protocols: ["constructor", "__proto__"] } }, "x").problems.map(formatProblem),
    ).toEqual([
      'block.protocols[0]: "constructor" is not a legacy protocol ("TCP", "UDP", "ICMP" or a number "0"-"255" as a string)',
      'block.protocols[1]: "__proto__" is not a legacy protocol ("TCP", "UDP", "ICMP" or a number "0"-"255" as a string)',
    ]);
  });

  it("deeply nested or huge input does not throw", () => {
    const deep = "[".repeat(5000) + "]".repeat(5000);
    expect(parseRulesText(deep, "x").problems.length).toBe(1);
    const broken = "[".repeat(5000);
    expect(() => parseRulesText(broken, "x")).not.toThrow();
    const many = { version: 1, rules: Array.from({ length: 3000 }, () => ({ action: "nope" })) };
    expect(parseRules(many, "x").problems.length).toBe(3000);
  });
});

describe("formatPath", () => {
  it("renders keys, indexes and odd keys", () => {
    expect(formatPath([])).toBe("");
    expect(formatPath(["rules", 3, "dport"])).toBe("rules[3].dport");
    expect(formatPath(["lists", "a b", 0])).toBe('lists["a b"][0]');
    expect(formatPath([0])).toBe("[0]");
  });
});

describe("messages stay short and safe", () => {
  it("deep and long values are cut", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20000; i++) deep = [deep];
    const res = parseRules(
      { version: 1, rules: [{ action: "log", src: [deep], reason: "x".repeat(1000) }] },
      "x",
    );
    expect(res.problems.map(formatProblem)).toEqual([
      "rules[0].src[0]: [...] is not an address (write IPs and CIDRs as strings)",
    ]);
    const long = parseRules({ version: 1, rules: [{ action: "y".repeat(500) }] }, "x");
    expect(formatProblem(long.problems[0] ?? { path: [], message: "" }).length).toBeLessThan(150);
  });
});

describe("properties: loading never throws", () => {
  it("on random JSON values and rule-shaped objects", () => {
    const ruleish = fc.record(
      {
        id: fc.jsonValue(),
        action: fc.oneof(fc.constantFrom("allow", "block", "alert", "log"), fc.jsonValue()),
        src: fc.jsonValue(),
        dport: fc.oneof(fc.integer(), fc.string(), fc.jsonValue()),
        proto: fc.jsonValue(),
        direction: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    const fileish = fc.oneof(
      fc.jsonValue(),
      fc.record(
        { version: fc.jsonValue(), rules: fc.array(ruleish), lists: fc.jsonValue() },
        { requiredKeys: [] },
      ),
      fc.record(
        { allow: fc.jsonValue(), block: fc.dictionary(fc.string(), fc.jsonValue()) },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(fileish, (v) => {
        const res = parseRules(v, "x");
        expect(res.ruleset === undefined).toBe(res.problems.length > 0);
        for (const p of res.problems) expect(typeof formatProblem(p)).toBe("string");
      }),
      { numRuns: 500 },
    );
  });

  it("on random text", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.json().map((j) => j.slice(0, Math.floor(j.length / 2))),
        ),
        (t) => {
          const res = parseRulesText(t, "x");
          expect(res.ruleset === undefined).toBe(res.problems.length > 0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
