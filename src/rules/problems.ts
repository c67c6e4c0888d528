/**
 * What the rule-file dialects share while validating: problems with their JSON path (collected in one
 * pass, never thrown), their one-line text form, value descriptions for messages, and the unknown-key
 * check with "did you mean" hints. Pure functions; no I/O, no imports beyond the rule types (also runs
 * in a browser).
 */
import type { RuleProblem } from "./types.js";

/** Render a JSON path as `rules[3].dport` (empty path -> ""). */
export function formatPath(path: readonly (string | number)[]): string {
  let s = "";
  for (const p of path) {
    if (typeof p === "number") s += `[${p}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(p)) s += s === "" ? p : `.${p}`;
    else s += `[${JSON.stringify(p)}]`;
  }
  return s;
}

/** The one-line text form of a problem: `rules[3].dport: "70000" is not a port (0-65535)`. */
export function formatProblem(p: RuleProblem): string {
  const where = formatPath(p.path);
  return where === "" ? p.message : `${where}: ${p.message}`;
}

/** Records one problem at a JSON path. */
export type Add = (path: (string | number)[], message: string) => void;

/** table[key] only for the table's own keys ("constructor", "__proto__" are not names). */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** A JSON object (not null, not an array). */
export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** A value for a message: JSON, cut at 60 characters; never throws (deep or cyclic values). */
export function show(x: unknown): string {
  let t: string;
  try {
    t = JSON.stringify(x) ?? String(x);
  } catch {
    t = Array.isArray(x) ? "[...]" : typeof x === "object" ? "{...}" : String(x);
  }
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}

/** What a value is, for "must be ..., not <it>" messages: null, an array, an object, or the value. */
export function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  if (typeof x === "object") return "an object";
  return show(x);
}

/** Levenshtein distance of a and b. */
function editDistance(a: string, b: string): number {
  const d: number[] = [];
  for (let j = 0; j <= b.length; j++) d.push(j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0] ?? 0;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j] ?? 0;
      d[j] = Math.min((d[j] ?? 0) + 1, (d[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length] ?? 0;
}

/** Common misspellings mapped to the key meant. */
const KEY_ALIASES: Readonly<Record<string, string>> = {
  dst_port: "dport",
  dest_port: "dport",
  destination_port: "dport",
  dstport: "dport",
  src_port: "sport",
  source_port: "sport",
  srcport: "sport",
  ports: "port",
  protocol: "proto",
  protocols: "proto",
  transport: "transport_header",
  transportheader: "transport_header",
  l4_header: "transport_header",
  source: "src",
  destination: "dst",
  homenet: "home_net",
  "home-net": "home_net",
};

/** One problem per key of obj not in allowed, suggesting the key meant (aliases, then edit distance <= 2). */
export function checkKeys(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  path: (string | number)[],
  add: Add,
): void {
  for (const k of Object.keys(obj)) {
    if (allowed.includes(k)) continue;
    let hint = own(KEY_ALIASES, k.toLowerCase());
    if (hint === undefined || !allowed.includes(hint)) {
      hint = allowed.find((a) => editDistance(a, k.toLowerCase()) <= Math.min(2, a.length - 1));
    }
    const sugg = hint !== undefined ? `did you mean "${hint}"?` : `expected one of: ${allowed.join(", ")}`;
    add([...path, k], `unknown key (${sugg})`);
  }
}
