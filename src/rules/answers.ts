/**
 * What a compiled rule set is (CompiledRules, the contract of compileRules' result) and what every
 * compiled form answers from the ruleset alone (RuleAnswers: verdicts, rules, ids and reasons of match
 * results, and what the rules need (./needs.ts); shared by one block, ./matcher.ts, and many, ./blocked.ts).
 * Guarantees: the answers are plain array lookups (hot enough for per-packet use, no allocation).
 */
import type { DecodedPacket } from "../decode/packet.js";
import type { Cidr } from "../net/addr.js";
import { isFiveTupleOnly, rulesetNeeds, type RuleNeeds } from "./needs.js";
import { ACTION_VERDICT, MATCH_DEFAULT, type Rule, type Ruleset, type Verdict } from "./types.js";

/** Build statistics, for benchmarks and `rules check`. */
export interface CompileStats {
  rules: number;
  /** Words per bitset. */
  words: number;
  /** Distinct bitsets in the pool. */
  bitsets: number;
  /** Multibit trie nodes (16 entries each) over all address tries. */
  trieNodes: number;
  /** Approximate bytes of all typed arrays. */
  bytes: number;
}

/** A compiled, immutable ruleset. */
export interface CompiledRules {
  readonly ruleset: Ruleset;
  /** Effective home networks: the file's home_net plus opts.homeNet. */
  readonly homeNet: readonly Cidr[];
  readonly stats: CompileStats;
  /**
   * What the rules need beyond each packet's headers (./needs.ts): payload bytes, flow state, counters.
   * A layer that skips packets or caches verdicts per flow (kernel prefilter, engine fast path) may do so
   * only when fiveTupleOnly.
   */
  readonly needs: RuleNeeds;
  /** None of needs: every rule decides from the packet's headers alone (the same packet, the same verdict). */
  readonly fiveTupleOnly: boolean;
  /** Hot path: index of the first matching rule, -1 (default action) or -2 (no verdict). */
  match(pkt: DecodedPacket): number;
  /** Verdict of a match() result; null for -2. */
  verdictOf(idx: number): Verdict | null;
  /** The rule of a match() result; undefined for -1 and -2. */
  ruleOf(idx: number): Rule | undefined;
  /** Rule id of a match() result ("default" for -1, "" for -2). */
  idOf(idx: number): string;
  /** Reason of a match() result (the default reason for -1, "" for -2). */
  reasonOf(idx: number): string;
}

/** What every compiled form answers from the ruleset alone: verdicts, rules, ids and reasons of match results. */
export abstract class RuleAnswers {
  private readonly verdicts: Verdict[];
  private readonly defaultVerdict: Verdict;
  readonly needs: RuleNeeds;
  readonly fiveTupleOnly: boolean;

  /** Answers of ruleset's match results. */
  constructor(readonly ruleset: Ruleset) {
    this.verdicts = ruleset.rules.map((r) => ACTION_VERDICT[r.action]);
    this.defaultVerdict = ACTION_VERDICT[ruleset.defaultAction];
    this.needs = rulesetNeeds(ruleset);
    this.fiveTupleOnly = isFiveTupleOnly(this.needs);
  }

  /** Verdict of a match() result; null for -2. */
  verdictOf(idx: number): Verdict | null {
    if (idx === MATCH_DEFAULT) return this.defaultVerdict;
    return this.verdicts[idx] ?? null;
  }

  /** The rule of a match() result; undefined for -1 and -2. */
  ruleOf(idx: number): Rule | undefined {
    return idx >= 0 ? this.ruleset.rules[idx] : undefined;
  }

  /** Rule id of a match() result ("default" for -1, "" for -2). */
  idOf(idx: number): string {
    if (idx === MATCH_DEFAULT) return "default";
    return this.ruleset.rules[idx]?.id ?? "";
  }

  /** Reason of a match() result (the default reason for -1, "" for -2). */
  reasonOf(idx: number): string {
    if (idx === MATCH_DEFAULT) return this.ruleset.defaultReason;
    return this.ruleset.rules[idx]?.reason ?? "";
  }
}
