/**
 * Rule compiler, the entry module for everyone outside src/rules: compileRules turns a Ruleset into an
 * immutable CompiledRules once; match() is the hot path. Up to RULE_BLOCK rules compile into one Matcher
 * (./matcher.ts: per-field indexes from ./cidr-trie.ts and ./field-tables.ts, bitsets ANDed, lowest set
 * bit = first rule in file order, a sparse side from ./key-field.ts for large rulesets); larger rulesets
 * into consecutive blocks (./blocked.ts).
 * Rule needs: every CompiledRules states what its rules need beyond each packet's headers, `needs`
 * ({ payload, flowState, counters }, from ./needs.ts's rulesetNeeds) and `fiveTupleOnly` (none of them).
 * Today's rule fields are all header fields, so every rule set is five-tuple only; a layer that skips
 * packets or caches verdicts per flow (the kernel prefilter, the engine's fast path) must check
 * `fiveTupleOnly` first.
 * Guarantees: match() allocates nothing and does no string work; it returns exactly what interpretRules()
 * (./interpret.ts) returns (property-tested). The ruleset must not be mutated after compiling.
 */
import type { Cidr } from "../net/addr.js";
import type { CompiledRules } from "./answers.js";
import { Blocked } from "./blocked.js";
import { Matcher } from "./matcher.js";
import { MATCH_DEFAULT, MATCH_NO_VERDICT, type Ruleset } from "./types.js";

export type { CompiledRules, CompileStats } from "./answers.js";
export { FIVE_TUPLE_ONLY, isFiveTupleOnly, ruleNeeds, rulesetNeeds, type RuleNeeds } from "./needs.js";
export { MATCH_DEFAULT, MATCH_NO_VERDICT };

/** Options of compileRules. */
export interface CompileOptions {
  /** Home networks added to the file's home_net (for `direction`). */
  homeNet?: Cidr[];
  /**
   * Matching strategy, for tests and benchmarks only. auto (default): dense for up to 64 rules,
   * else per packet the cheaper of dense and sparse; auto-always: that choice at any size.
   */
  strategy?: "auto" | "auto-always" | "dense" | "sparse";
  /**
   * Rules per compiled block (default RULE_BLOCK). Larger rulesets are compiled as consecutive blocks that
   * match in order; tests set it small to exercise that.
   */
  blockSize?: number;
}

/**
 * A ruleset of more than this many rules is compiled as consecutive blocks of this many. Within a block
 * every distinct field value gets a bitset over the block's rules, so one block's size and build time grow
 * with the square of its rule count; blocks keep a large file linear. Measured with rule files whose rules
 * each name their own address (`pfw scan` of a 1-packet capture, 2026-11-26): 30,000 rules took 1.9 s and
 * 400 MB as one block, 0.96 s and 186 MB in blocks; 100,000 rules 2.0 s and 318 MB. The price: a match
 * walks the blocks in order, so a huge file costs more per packet (10,000 such rules: 405 ns instead of
 * 145 ns), which the engine's fast path pays once per flow direction.
 */
export const RULE_BLOCK = 4096;

/** Compile a ruleset once. opts.homeNet adds home networks to the file's home_net (for direction). */
export function compileRules(ruleset: Ruleset, opts: CompileOptions = {}): CompiledRules {
  // auto: up to 2 words (64 rules) the dense AND is never more than 2 steps; use it alone.
  const dense =
    opts.strategy === "dense" ||
    (opts.strategy !== "sparse" && opts.strategy !== "auto-always" && ruleset.rules.length <= 64);
  const mode = dense ? 1 : opts.strategy === "sparse" ? 2 : 0;
  const homeNet = [...ruleset.homeNet, ...(opts.homeNet ?? [])];
  const block = Math.max(1, Math.floor(opts.blockSize ?? RULE_BLOCK));
  if (ruleset.rules.length <= block) return new Matcher(ruleset, homeNet, mode);
  const blocks: Matcher[] = [];
  for (let i = 0; i < ruleset.rules.length; i += block)
    blocks.push(new Matcher({ ...ruleset, rules: ruleset.rules.slice(i, i + block) }, homeNet, mode));
  return new Blocked(ruleset, homeNet, blocks, block);
}
