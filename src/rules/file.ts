/**
 * Rule files on disk: read one and validate it with ./schema.ts. The only module of src/rules that
 * touches the file system.
 * Guarantees: never throws; a read error is a problem ("cannot read the file: ENOENT"), like any other.
 */
import { readFileSync } from "node:fs";
import { parseRulesText, type LoadResult } from "./schema.js";

/** Read and validate a rule file. Never throws: read and JSON syntax errors come back as problems. */
export function loadRuleFile(path: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { problems: [{ path: [], message: `cannot read the file: ${err.code ?? err.message}` }] };
  }
  return parseRulesText(text, path);
}
