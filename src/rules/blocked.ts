/**
 * A large ruleset (more than RULE_BLOCK rules, ./compile.ts) as consecutive compiled blocks that match
 * in order: the first block with a match decides, so results equal one block over all rules.
 * Guarantees: match() allocates nothing (one Matcher.match per block until a match).
 */
import type { DecodedPacket } from "../decode/packet.js";
import type { Cidr } from "../net/addr.js";
import { RuleAnswers, type CompiledRules, type CompileStats } from "./answers.js";
import type { Matcher } from "./matcher.js";
import { MATCH_DEFAULT, MATCH_NO_VERDICT, type Ruleset } from "./types.js";

/** A large ruleset as consecutive compiled blocks (RULE_BLOCK): the first block with a match decides. */
export class Blocked extends RuleAnswers implements CompiledRules {
  readonly stats: CompileStats;

  /** blocks: the ruleset's rules compiled blockSize at a time, in order. */
  constructor(
    ruleset: Ruleset,
    readonly homeNet: readonly Cidr[],
    private readonly blocks: readonly Matcher[],
    private readonly blockSize: number,
  ) {
    super(ruleset);
    const sum = (k: keyof CompileStats): number => blocks.reduce((t, b) => t + b.stats[k], 0);
    this.stats = {
      rules: ruleset.rules.length,
      words: Math.max(...blocks.map((b) => b.stats.words)),
      bitsets: sum("bitsets"),
      trieNodes: sum("trieNodes"),
      bytes: sum("bytes"),
    };
  }

  /** Hot path: each block in turn; no allocation. */
  match(pkt: DecodedPacket): number {
    const blocks = this.blocks;
    for (let i = 0; i < blocks.length; i++) {
      const r = (blocks[i] as Matcher).match(pkt);
      if (r >= 0) return r + i * this.blockSize;
      if (r === MATCH_NO_VERDICT) return r; // the IP version is not judged: the same in every block
    }
    return MATCH_DEFAULT;
  }
}
