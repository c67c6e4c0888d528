/**
 * Rule needs: what a rule set needs to see besides each packet's headers, so the layers that skip work
 * (the kernel prefilter, ./prefilter.ts; the engine's per-flow fast path) know when they may.
 *
 * "Five-tuple only" means every rule decides from the packet's own headers: addresses, ports, IP
 * protocol, whether the transport header is present, and direction (addresses against the home
 * networks). Then the same packet always gets the same verdict, whatever came before it, so a kernel
 * filter over those fields and a per-flow verdict cache are exact. A rule needs more when it looks at
 *  - payload: bytes after the transport header (future `dns`, `tls_sni`, `http`, `content` fields);
 *  - flowState: what earlier packets of the flow did (future `state`, e.g. established);
 *  - counters: how many packets or events came before (future `threshold`).
 *
 * How a field says what it needs: RULE_FIELD_NEEDS has one entry per key of Rule, and its type is a
 * mapped type over `keyof Rule`, so adding a field to Rule (./types.ts) does not compile until the field
 * is listed here with its need. At run time ruleNeeds looks at every present (not undefined) own field of
 * a rule; a field the table does not know (only possible through a cast or an object built outside the
 * schema) counts as needing everything, so it can only make the layers above more careful, never wrong.
 *
 * Guarantees: pure, load-time code (a pass over the rules); imports only the rule types.
 */
import type { Rule, Ruleset } from "./types.js";

/** What a rule set needs to see beyond each packet's own headers (the five-tuple fields). */
export interface RuleNeeds {
  /** Some rule looks at payload bytes (DNS names, TLS SNI, HTTP fields, content). */
  readonly payload: boolean;
  /** Some rule looks at the state of the packet's flow (what earlier packets did). */
  readonly flowState: boolean;
  /** Some rule counts packets or events over time (thresholds). */
  readonly counters: boolean;
}

/** What matching on one Rule field needs: nothing (not a match field), the packet's headers, or more. */
export type FieldNeed = "none" | "headers" | keyof RuleNeeds;

/** Every field of Rule and what matching on it needs (see the module header: a new field must be listed). */
export const RULE_FIELD_NEEDS: { readonly [K in keyof Rule]-?: FieldNeed } = {
  id: "none",
  action: "none",
  severity: "none",
  reason: "none",
  path: "none",
  src: "headers",
  dst: "headers",
  sport: "headers",
  dport: "headers",
  port: "headers",
  proto: "headers",
  transportHeader: "headers",
  direction: "headers",
};

/** Needs of nothing but the headers. */
export const FIVE_TUPLE_ONLY: RuleNeeds = Object.freeze({
  payload: false,
  flowState: false,
  counters: false,
});

/** What one rule needs: the union over its present fields (an unknown field needs everything). */
export function ruleNeeds(rule: Rule): RuleNeeds {
  let payload = false;
  let flowState = false;
  let counters = false;
  for (const [key, value] of Object.entries(rule)) {
    if (value === undefined) continue;
    const need: FieldNeed | undefined = Object.hasOwn(RULE_FIELD_NEEDS, key)
      ? RULE_FIELD_NEEDS[key as keyof Rule]
      : undefined;
    if (need === undefined) {
      payload = flowState = counters = true; // a field pfw does not know: assume the worst
    } else if (need === "payload") payload = true;
    else if (need === "flowState") flowState = true;
    else if (need === "counters") counters = true;
  }
  return payload || flowState || counters ? { payload, flowState, counters } : FIVE_TUPLE_ONLY;
}

/** What a rule set needs: the union over its rules (the default action needs nothing). */
export function rulesetNeeds(rs: Ruleset): RuleNeeds {
  let payload = false;
  let flowState = false;
  let counters = false;
  for (const r of rs.rules) {
    const n = ruleNeeds(r);
    payload ||= n.payload;
    flowState ||= n.flowState;
    counters ||= n.counters;
  }
  return payload || flowState || counters ? { payload, flowState, counters } : FIVE_TUPLE_ONLY;
}

/** True when needs asks for nothing beyond the packet's headers. */
export function isFiveTupleOnly(needs: RuleNeeds): boolean {
  return !needs.payload && !needs.flowState && !needs.counters;
}
