/**
 * Rule needs (src/rules/needs.ts): every rule set pfw can load today is five-tuple only, and a rule that
 * needs more (here a future field, added by a cast) makes the compiled rules say so and the kernel
 * prefilter derive nothing.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseCidr } from "../../src/net/addr.js";
import { compileRules } from "../../src/rules/compile.js";
import { loadRuleFile, parseRules } from "../../src/rules/load.js";
import {
  FIVE_TUPLE_ONLY,
  isFiveTupleOnly,
  RULE_FIELD_NEEDS,
  ruleNeeds,
  rulesetNeeds,
} from "../../src/rules/needs.js";
import { deriveBpf } from "../../src/rules/prefilter.js";
import type { Rule, Ruleset } from "../../src/rules/types.js";
import { rule, ruleset } from "./helpers.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");

/** A rule carrying a field the Rule type does not have yet (what a later issue adds), through a cast. */
function withFutureField(r: Rule, key: string, value: unknown): Rule {
  return { ...r, [key]: value } as unknown as Rule;
}

// A table that leaves out a Rule field does not compile: adding a field to Rule forces a decision here.
// @ts-expect-error property "transportHeader" (and the others) missing
const _incomplete: typeof RULE_FIELD_NEEDS = { id: "none" };

describe("rule needs", () => {
  it("legacy and native rule files are five-tuple only", () => {
    for (const f of ["legacy-example.json", "example-native.json", "default.json"]) {
      const res = loadRuleFile(path.join(repoRoot, "rules", f));
      expect(res.problems, f).toEqual([]);
      const rs = res.ruleset as Ruleset;
      expect(rs.rules.length, f).toBeGreaterThan(0);
      for (const r of rs.rules) expect(ruleNeeds(r), `${f} ${r.id}`).toEqual(FIVE_TUPLE_ONLY);
      const c = compileRules(rs);
      expect(c.needs, f).toEqual({ payload: false, flowState: false, counters: false });
      expect(c.fiveTupleOnly, f).toBe(true);
    }
  });

  it("a native rule using every field the schema knows is five-tuple only", () => {
    const res = parseRules(
      {
        version: 1,
        home_net: ["10.0.0.0/8"],
        rules: [
          {
            id: "all",
            action: "block",
            src: "192.0.2.0/24",
            dst: ["2001:db8::/32"],
            sport: 1024,
            dport: "1000-2000",
            port: [22],
            proto: "tcp",
            transport_header: true,
            direction: "in",
            severity: "high",
            reason: "every field",
          },
        ],
      },
      "test",
    );
    expect(res.problems).toEqual([]);
    const r = res.ruleset?.rules[0] as Rule;
    expect(
      Object.keys(r)
        .filter((k) => RULE_FIELD_NEEDS[k as keyof Rule] === "headers")
        .sort(),
    ).toEqual(["direction", "dport", "dst", "port", "proto", "sport", "src", "transportHeader"]);
    expect(ruleNeeds(r)).toEqual(FIVE_TUPLE_ONLY);
  });

  it("a field the table does not know needs everything (the safe answer)", () => {
    const r = withFutureField(rule("alert", { proto: [17] }), "dns", { query: "example.com" });
    expect(ruleNeeds(r)).toEqual({ payload: true, flowState: true, counters: true });
    expect(isFiveTupleOnly(ruleNeeds(r))).toBe(false);
    // present means defined: an explicitly undefined field needs nothing
    expect(ruleNeeds(withFutureField(rule("alert"), "dns", undefined))).toEqual(FIVE_TUPLE_ONLY);
  });

  it("one such rule makes the whole rule set, compiled or not, need more", () => {
    const plain = rule("block", { dport: [{ lo: 23, hi: 23 }] }, "telnet");
    const stateful = withFutureField(rule("block", { proto: [6] }, "est"), "state", "established");
    const rs = ruleset([plain, stateful]);
    expect(rulesetNeeds(ruleset([plain]))).toEqual(FIVE_TUPLE_ONLY);
    expect(isFiveTupleOnly(rulesetNeeds(rs))).toBe(false);
    const c = compileRules(rs);
    expect(c.fiveTupleOnly).toBe(false);
    expect(c.needs.flowState).toBe(true);
    // also when compiled in blocks (a block of one rule each)
    expect(compileRules(rs, { blockSize: 1 }).fiveTupleOnly).toBe(false);
  });
});

describe("deriveBpf consults the rule needs", () => {
  const home = [parseCidr("192.168.0.0/16")].filter((c) => c !== null);

  it("derives a filter for five-tuple rules", () => {
    const rs = ruleset([rule("block", { dport: [{ lo: 23, hi: 23 }] })]);
    expect(deriveBpf(rs, { seeAll: false })).toContain("port 23");
  });

  it("derives nothing when a rule needs payload, flow state or counters", () => {
    const plain = rule("block", { dport: [{ lo: 23, hi: 23 }] });
    for (const [key, value] of [
      ["content", "GET /admin"],
      ["state", "established"],
      ["threshold", { count: 10, seconds: 60 }],
    ] as const) {
      const rs = ruleset([plain, withFutureField(rule("alert", { proto: [6] }, key), key, value)]);
      expect(deriveBpf(rs, { seeAll: false }), key).toBeNull();
      expect(deriveBpf(rs, { seeAll: false, homeNet: home, linkEscapes: false }), key).toBeNull();
    }
  });

  it("also when that rule is an allow rule (it can change what later rules see)", () => {
    const rs = ruleset([
      withFutureField(rule("allow", { proto: [6] }, "ok"), "state", "established"),
      rule("block", { proto: [6] }, "tcp"),
    ]);
    expect(deriveBpf({ ...rs, rules: rs.rules.slice(1) }, { seeAll: false })).not.toBeNull();
    expect(deriveBpf(rs, { seeAll: false })).toBeNull();
  });
});
