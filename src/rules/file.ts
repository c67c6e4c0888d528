/**
 * Rule files on disk: read one and validate it with ./schema.ts. The only module of src/rules that
 * touches the file system.
 * Guarantees: never throws; a read error is a problem ("cannot read the file: ENOENT"), like any other;
 * bytes that are not valid UTF-8 are a problem naming the offset (never silently replaced).
 */
import { readFileSync } from "node:fs";
import { parseRulesText, type LoadResult } from "./schema.js";

/** Read and validate a rule file. Never throws: read and JSON syntax errors come back as problems. */
export function loadRuleFile(path: string): LoadResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { problems: [{ path: [], message: `cannot read the file: ${err.code ?? err.message}` }] };
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0)
    return { problems: [{ path: [], message: `not valid UTF-8 text (first bad byte at offset ${bad})` }] };
  return parseRulesText(bytes.toString("utf8"), path);
}

/** Offset of the first byte that is not part of a valid UTF-8 sequence (RFC 3629), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let len: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      min = 0x10000;
    } else return i;
    if (i + len > n) return i;
    let cp = c & (0xff >> (len + 1));
    for (let k = 1; k < len; k++) {
      const d = b[i + k]!;
      if ((d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return -1;
}
