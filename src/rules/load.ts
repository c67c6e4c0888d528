/**
 * Rule-file loading and validation: JSON text -> Ruleset + every problem found, in one pass.
 * Two formats are detected by shape: the original project's legacy allow/block file and
 * pfw's native ordered list (documented in rules/README.md). Guarantees: never throws (I/O
 * and JSON syntax errors are problems too); a Ruleset is returned only when there are no
 * problems; unknown keys are problems (typo safety); each problem carries its JSON path.
 */

import { readFileSync } from "node:fs";
import { parseCidrDetailed } from "../net/addr.js";
import {
  IpProto,
  LEGACY_PROTO_NAMES,
  RULE_PROTO_NAMES as PROTO_NAMES,
  TRANSPORT_HEADER_PROTOS,
} from "../net/protocols.js";
import type { Action, Cidr, Direction, PortRange, Rule, RuleProblem, Ruleset, Severity } from "./types.js";

/** Result of loading: a ruleset when valid, and every problem found (empty when valid). */
export interface LoadResult {
  ruleset?: Ruleset;
  problems: RuleProblem[];
}

const ACTIONS: readonly Action[] = ["allow", "block", "alert", "log"];
const SEVERITIES: readonly Severity[] = ["low", "medium", "high", "critical"];
const DIRECTIONS: readonly Direction[] = ["in", "out", "any"];

const NATIVE_TOP_KEYS = [
  "version",
  "description",
  "default",
  "default_reason",
  "ip_versions",
  "home_net",
  "lists",
  "rules",
];
const NATIVE_RULE_KEYS = [
  "id",
  "action",
  "src",
  "dst",
  "sport",
  "dport",
  "port",
  "proto",
  "transport_header",
  "direction",
  "severity",
  "reason",
];
const LEGACY_TOP_KEYS = ["allow", "block"];
const LEGACY_LIST_KEYS = ["ips", "ports", "protocols"];

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

/** Default severity of each action when a rule gives none. */
export const DEFAULT_SEVERITY: Readonly<Record<Action, Severity>> = {
  block: "medium",
  alert: "medium",
  allow: "low",
  log: "low",
};

/** Default `default_reason` of native files; legacy files use the same text. */
export const DEFAULT_REASON = "no rule matched";

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

/** Parse JSON text and validate it; a syntax error is reported with its line and column. */
export function parseRulesText(text: string, source: string): LoadResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { problems: [{ path: [], message: jsonSyntaxMessage(body) }] };
  }
  const res = parseRules(json, source);
  // JSON.parse keeps the last of duplicate keys silently; a rule file with one is a mistake.
  const dups = scanJson(body).duplicates.map((d) => ({
    path: d.path,
    message: `duplicate key at ${lineCol(body, d.pos)} (JSON keeps only the last one)`,
  }));
  if (dups.length === 0) return res;
  return { problems: [...dups, ...res.problems] };
}

function lineCol(text: string, pos: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line} column ${col}`;
}

function jsonSyntaxMessage(text: string): string {
  const err = scanJson(text).error ?? { pos: 0, message: "syntax error" };
  return `JSON syntax error at ${lineCol(text, err.pos)}: ${err.message}`;
}

/** Result of scanJson: the first syntax error, and every duplicate object key with its path. */
export interface JsonScan {
  error?: { pos: number; message: string };
  duplicates: { path: (string | number)[]; pos: number }[];
}

/**
 * Scan JSON text (RFC 8259) for what JSON.parse does not say: the position of the first syntax
 * error (V8's messages do not always give one) and duplicate keys (JSON.parse keeps the last
 * silently). Small recursive-descent scanner, depth-capped; never throws.
 */
export function scanJson(text: string): JsonScan {
  let i = 0;
  const duplicates: JsonScan["duplicates"] = [];
  const path: (string | number)[] = [];
  const fail = (message: string): never => {
    throw { pos: i, message };
  };
  const ws = (): void => {
    while (i < text.length && " \t\r\n".includes(text.charAt(i))) i++;
  };
  const what = (): string => (i >= text.length ? "end of input" : `${JSON.stringify(text.charAt(i))}`);
  const str = (): void => {
    i++;
    while (true) {
      if (i >= text.length) fail("unterminated string");
      const ch = text.charCodeAt(i);
      if (ch === 0x22) {
        i++;
        return;
      }
      if (ch < 0x20) fail("control character in string (escape it)");
      if (ch === 0x5c) {
        const e = text.charAt(i + 1);
        if (e === "u") {
          if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) fail("bad \\u escape");
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e) || e === "") fail("bad escape in string");
        i += 2;
        continue;
      }
      i++;
    }
  };
  const value = (depth: number): void => {
    if (depth > 1000) fail("nested too deeply");
    ws();
    const c = text.charAt(i);
    if (c === "{") {
      i++;
      ws();
      if (text.charAt(i) === "}") {
        i++;
        return;
      }
      const keys = new Set<string>();
      while (true) {
        ws();
        if (text.charAt(i) !== '"') fail(`expected a double-quoted key, found ${what()}`);
        const keyAt = i;
        str();
        const key = JSON.parse(text.slice(keyAt, i)) as string;
        if (keys.has(key)) duplicates.push({ path: [...path, key], pos: keyAt });
        keys.add(key);
        ws();
        if (text.charAt(i) !== ":") fail(`expected ":" after the key, found ${what()}`);
        i++;
        path.push(key);
        value(depth + 1);
        path.pop();
        ws();
        if (text.charAt(i) === ",") {
          i++;
          continue;
        }
        if (text.charAt(i) === "}") {
          i++;
          return;
        }
        fail(`expected "," or "}", found ${what()}`);
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text.charAt(i) === "]") {
        i++;
        return;
      }
      let n = 0;
      while (true) {
        path.push(n++);
        value(depth + 1);
        path.pop();
        ws();
        if (text.charAt(i) === ",") {
          i++;
          continue;
        }
        if (text.charAt(i) === "]") {
          i++;
          return;
        }
        fail(`expected "," or "]", found ${what()}`);
      }
    }
    if (c === '"') return str();
    const lit = /^(true|false|null)/.exec(text.slice(i, i + 5));
    if (lit) {
      i += (lit[1] as string).length;
      return;
    }
    const num = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (num && num[0] !== "-" && num[0] !== "") {
      i += num[0].length;
      return;
    }
    fail(i >= text.length ? "unexpected end of input" : `unexpected ${what()} (expected a value)`);
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail(`unexpected ${what()} after the end of the JSON value`);
  } catch (e) {
    const err = e as { pos?: number; message?: string };
    const pos = typeof err.pos === "number" ? err.pos : i;
    return { error: { pos, message: err.message ?? "syntax error" }, duplicates };
  }
  return { duplicates };
}

/** Validate parsed JSON (either format, detected by shape) into a Ruleset; collects every problem. */
export function parseRules(json: unknown, source: string): LoadResult {
  const problems: RuleProblem[] = [];
  const add = (path: (string | number)[], message: string): void => {
    problems.push({ path, message });
  };
  if (!isObject(json)) {
    add([], `a rule file must be a JSON object, not ${describe(json)}`);
    return { problems };
  }
  let ruleset: Ruleset | undefined;
  if ("rules" in json || "version" in json) ruleset = parseNative(json, add);
  else if ("allow" in json || "block" in json) ruleset = parseLegacy(json, add);
  else {
    add(
      [],
      'not a pfw rule file: expected "version" and "rules" (native format) or "allow"/"block" (legacy format)',
    );
  }
  if (problems.length > 0 || ruleset === undefined) return { problems };
  ruleset.source = source;
  return { ruleset, problems };
}

type Add = (path: (string | number)[], message: string) => void;

/** table[key] only for the table's own keys ("constructor", "__proto__" are not names). */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** A value for a message: JSON, cut at 60 characters; never throws (deep or cyclic values). */
function show(x: unknown): string {
  let t: string;
  try {
    t = JSON.stringify(x) ?? String(x);
  } catch {
    t = Array.isArray(x) ? "[...]" : typeof x === "object" ? "{...}" : String(x);
  }
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  if (typeof x === "object") return "an object";
  return show(x);
}

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

function checkKeys(
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

// ---------------------------------------------------------------- legacy format

/**
 * The original project's file: {"allow": {"ips", "ports", "protocols"}, "block": {...}}.
 * Meaning (kept exactly): an IPv4 packet is BLOCKED if its source IP, its protocol name
 * ("TCP", "UDP", "ICMP" when that header is in the packet, else the decimal number: a non-first
 * fragment of TCP is "6") or a TCP/UDP source or destination port is
 * in the block lists; else ALLOWED if in the allow lists; else UNKNOWN. Each entry becomes a
 * rule (block entries first), so a report can say which entry decided.
 */
function parseLegacy(json: Record<string, unknown>, add: Add): Ruleset {
  checkKeys(json, LEGACY_TOP_KEYS, [], add);
  const rules: Rule[] = [];
  for (const side of ["block", "allow"] as const) {
    const sect = json[side];
    if (sect === undefined) continue;
    if (!isObject(sect)) {
      add([side], `must be an object with "ips", "ports" and "protocols" lists, not ${describe(sect)}`);
      continue;
    }
    checkKeys(sect, LEGACY_LIST_KEYS, [side], add);
    const action: Action = side === "block" ? "block" : "allow";
    for (const key of Object.keys(sect)) {
      if (!LEGACY_LIST_KEYS.includes(key)) continue;
      const list = sect[key];
      if (!Array.isArray(list)) {
        add([side, key], `must be a list, not ${describe(list)}`);
        continue;
      }
      list.forEach((item: unknown, i: number) => {
        const path = [side, key, i];
        const id = `${side}.${key}[${i}]`;
        const base = {
          id,
          action,
          direction: "any" as Direction,
          severity: DEFAULT_SEVERITY[action],
          path: id,
        };
        if (key === "ips") {
          const r =
            typeof item === "string" && !item.includes("/") && !item.includes(":")
              ? parseCidrDetailed(item)
              : undefined;
          if (r?.cidr === undefined) {
            add(path, `${show(item)} is not an IPv4 address (the legacy format compares source IPs exactly)`);
            return;
          }
          rules.push({ ...base, src: [r.cidr], reason: `source IP ${r.cidr.text} is in the ${side} list` });
        } else if (key === "ports") {
          if (typeof item !== "number" || !Number.isInteger(item) || item < 0 || item > 65535) {
            add(path, `${show(item)} is not a port (a number 0-65535)`);
            return;
          }
          rules.push({
            ...base,
            port: [{ lo: item, hi: item }],
            reason: `port ${item} is in the ${side} list`,
          });
        } else {
          const num = legacyProto(item, path, add);
          if (num < 0) return;
          const rule: Rule = {
            ...base,
            proto: [num],
            reason: `protocol ${String(item)} is in the ${side} list`,
          };
          // "TCP" names a packet whose TCP header Scapy decoded; "6" one without it (a non-first
          // fragment, or cut short before the header): the original never called those "TCP".
          if (num === IpProto.ICMP || num === IpProto.TCP || num === IpProto.UDP) {
            rule.transportHeader = own(LEGACY_PROTO_NAMES, String(item)) !== undefined;
          }
          rules.push(rule);
        }
      });
    }
  }
  return {
    format: "legacy",
    rules,
    defaultAction: "log",
    defaultReason: DEFAULT_REASON,
    ipVersions: [4],
    homeNet: [],
  };
}

function legacyProto(item: unknown, path: (string | number)[], add: Add): number {
  if (typeof item === "string") {
    const named = own(LEGACY_PROTO_NAMES, item);
    if (named !== undefined) return named;
    // "6", "17", "1" are valid: the original named TCP/UDP/ICMP packets without their transport
    // header (non-first fragments) by number.
    if (/^(0|[1-9][0-9]{0,2})$/.test(item) && Number(item) <= 255) return Number(item);
    const upper = own(LEGACY_PROTO_NAMES, item.toUpperCase());
    if (upper !== undefined) {
      add(path, `${show(item)} is not a legacy protocol name (write "${item.toUpperCase()}")`);
      return -1;
    }
  }
  if (typeof item === "number" && Number.isInteger(item) && item >= 0 && item <= 255) {
    add(path, `${item} is not a legacy protocol (write it as a string: "${item}")`);
    return -1;
  }
  add(
    path,
    `${show(item)} is not a legacy protocol ("TCP", "UDP", "ICMP" or a number "0"-"255" as a string)`,
  );
  return -1;
}

// ---------------------------------------------------------------- native format

function parseNative(json: Record<string, unknown>, add: Add): Ruleset {
  checkKeys(json, NATIVE_TOP_KEYS, [], add);
  if (!("version" in json)) add([], 'missing "version" (write "version": 1)');
  else if (json.version !== 1) add(["version"], `${show(json.version)} is not a supported version (1)`);
  if (json.description !== undefined && typeof json.description !== "string") {
    add(["description"], `must be a string, not ${describe(json.description)}`);
  }

  let defaultAction: Action = "log";
  if (json.default !== undefined) {
    const a = oneOf(json.default, ACTIONS, ["default"], "an action", add);
    if (a !== undefined) defaultAction = a;
  }
  let defaultReason = DEFAULT_REASON;
  if (json.default_reason !== undefined) {
    if (typeof json.default_reason === "string" && json.default_reason !== "")
      defaultReason = json.default_reason;
    else add(["default_reason"], `must be a non-empty string, not ${describe(json.default_reason)}`);
  }

  let ipVersions: (4 | 6)[] = [4, 6];
  if (json.ip_versions !== undefined) {
    const v = json.ip_versions;
    if (!Array.isArray(v) || v.length === 0) add(["ip_versions"], "must be a non-empty list of 4 and/or 6");
    else {
      const out: (4 | 6)[] = [];
      v.forEach((x: unknown, i: number) => {
        if (x !== 4 && x !== 6) add(["ip_versions", i], `${show(x)} is not an IP version (4 or 6)`);
        else if (out.includes(x)) add(["ip_versions", i], `${x} is listed twice`);
        else out.push(x);
      });
      ipVersions = out.sort();
    }
  }

  const lists = new Map<string, Cidr[]>();
  if (json.lists !== undefined) {
    if (!isObject(json.lists))
      add(["lists"], `must be an object of named address lists, not ${describe(json.lists)}`);
    else {
      for (const [name, val] of Object.entries(json.lists)) {
        if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(name)) {
          add(["lists", name], "list names are letters, digits, _ . - (starting with a letter or _)");
          continue;
        }
        if (!Array.isArray(val)) {
          add(["lists", name], `must be a list of addresses/CIDRs, not ${describe(val)}`);
          continue;
        }
        const cidrs: Cidr[] = [];
        val.forEach((x: unknown, i: number) => {
          if (typeof x === "string" && x.startsWith("@")) {
            add(["lists", name, i], "lists cannot refer to other lists");
            return;
          }
          const c = parseAddr(x, ["lists", name, i], add);
          if (c !== undefined) cidrs.push(c);
        });
        lists.set(name, cidrs);
      }
    }
  }

  const homeNet: Cidr[] = [];
  if (json.home_net !== undefined) {
    homeNet.push(...(parseAddrField(json.home_net, ["home_net"], lists, add) ?? []));
  }

  const rules: Rule[] = [];
  if (!("rules" in json)) add([], 'missing "rules" (an ordered list of rules)');
  else if (!Array.isArray(json.rules)) add(["rules"], `must be a list of rules, not ${describe(json.rules)}`);
  else {
    const seen = new Map<string, number>();
    json.rules.forEach((r: unknown, i: number) => {
      const rule = parseNativeRule(r, i, lists, add);
      if (rule === undefined) return;
      const prev = seen.get(rule.id);
      if (prev !== undefined) add(["rules", i, "id"], `duplicate id "${rule.id}" (also rules[${prev}])`);
      else seen.set(rule.id, i);
      rules.push(rule);
    });
  }
  return { format: "native", rules, defaultAction, defaultReason, ipVersions, homeNet };
}

function oneOf<T extends string>(
  v: unknown,
  allowed: readonly T[],
  path: (string | number)[],
  what: string,
  add: Add,
): T | undefined {
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  add(path, `${show(v)} is not ${what} (${allowed.join(", ")})`);
  return undefined;
}

function parseAddr(x: unknown, path: (string | number)[], add: Add): Cidr | undefined {
  if (typeof x !== "string") {
    add(path, `${show(x)} is not an address (write IPs and CIDRs as strings)`);
    return undefined;
  }
  const r = parseCidrDetailed(x);
  if (r.error !== undefined) add(path, r.error);
  return r.cidr;
}

/** src / dst / home_net: one string or a non-empty list; "@name" refers to a list. */
function parseAddrField(
  v: unknown,
  path: (string | number)[],
  lists: Map<string, Cidr[]>,
  add: Add,
): Cidr[] | undefined {
  const items = Array.isArray(v) ? v : [v];
  if (items.length === 0) {
    add(path, "an empty list matches nothing (leave the key out to match any address)");
    return undefined;
  }
  const out: Cidr[] = [];
  let ok = true;
  items.forEach((x: unknown, i: number) => {
    const p = Array.isArray(v) ? [...path, i] : path;
    if (typeof x === "string" && x.startsWith("@")) {
      const l = lists.get(x.slice(1));
      if (l === undefined) {
        const known = [...lists.keys()];
        add(
          p,
          `"${x}" is not a defined list (${known.length > 0 ? `lists: ${known.join(", ")}` : "no lists defined"})`,
        );
        ok = false;
      } else out.push(...l);
      return;
    }
    const c = parseAddr(x, p, add);
    if (c === undefined) ok = false;
    else out.push(c);
  });
  return ok ? out : undefined;
}

const PORT_RE = /^(0|[1-9][0-9]{0,4})$/;
const RANGE_RE = /^(0|[1-9][0-9]{0,4})-(0|[1-9][0-9]{0,4})$/;

/** sport / dport / port: 22 | "22" | "1000-2000" | a non-empty list of those. */
function parsePortField(v: unknown, path: (string | number)[], add: Add): PortRange[] | undefined {
  const items = Array.isArray(v) ? v : [v];
  if (items.length === 0) {
    add(path, "an empty list matches nothing (leave the key out to match any port)");
    return undefined;
  }
  const out: PortRange[] = [];
  let ok = true;
  items.forEach((x: unknown, i: number) => {
    const p = Array.isArray(v) ? [...path, i] : path;
    let lo = -1;
    let hi = -1;
    if (typeof x === "number" && Number.isInteger(x)) lo = hi = x;
    else if (typeof x === "string" && PORT_RE.test(x)) lo = hi = Number(x);
    else if (typeof x === "string" && RANGE_RE.test(x)) {
      const m = RANGE_RE.exec(x);
      lo = Number(m?.[1]);
      hi = Number(m?.[2]);
      if (lo > 65535 || hi > 65535) {
        add(p, `${show(x)} is not a port range (ports are 0-65535)`);
        ok = false;
        return;
      }
      if (lo > hi) {
        add(p, `${show(x)} is not a port range (the low end is above the high end)`);
        ok = false;
        return;
      }
    } else {
      add(p, `${show(x)} is not a port or port range (22, "22" or "1000-2000")`);
      ok = false;
      return;
    }
    if (lo < 0 || hi > 65535) {
      add(p, `${show(x)} is not a port (0-65535)`);
      ok = false;
      return;
    }
    out.push({ lo, hi });
  });
  return ok ? out : undefined;
}

/** proto: "tcp" | 6 | "6" | a non-empty list of those. */
function parseProtoField(v: unknown, path: (string | number)[], add: Add): number[] | undefined {
  const items = Array.isArray(v) ? v : [v];
  if (items.length === 0) {
    add(path, "an empty list matches nothing (leave the key out to match any protocol)");
    return undefined;
  }
  const out: number[] = [];
  let ok = true;
  items.forEach((x: unknown, i: number) => {
    const p = Array.isArray(v) ? [...path, i] : path;
    let n = -1;
    if (typeof x === "number" && Number.isInteger(x) && x >= 0 && x <= 255) n = x;
    else if (typeof x === "string") {
      const named = own(PROTO_NAMES, x.toLowerCase());
      if (named !== undefined) n = named;
      else if (/^(0|[1-9][0-9]{0,2})$/.test(x) && Number(x) <= 255) n = Number(x);
    }
    if (n < 0) {
      add(p, `${show(x)} is not a protocol (${Object.keys(PROTO_NAMES).join(", ")} or a number 0-255)`);
      ok = false;
    } else out.push(n);
  });
  return ok ? out : undefined;
}

function parseNativeRule(r: unknown, i: number, lists: Map<string, Cidr[]>, add: Add): Rule | undefined {
  const path: (string | number)[] = ["rules", i];
  if (!isObject(r)) {
    add(path, `a rule must be an object, not ${describe(r)}`);
    return undefined;
  }
  checkKeys(r, NATIVE_RULE_KEYS, path, add);
  let id = `rule-${i}`;
  if (r.id !== undefined) {
    if (typeof r.id === "string" && /^[A-Za-z0-9_.:/[\]-]{1,64}$/.test(r.id)) id = r.id;
    else add([...path, "id"], `${show(r.id)} is not an id (1-64 letters, digits, _ . : / - [ ])`);
  }
  let action: Action | undefined;
  if (r.action === undefined) add(path, 'missing "action" (allow, block, alert or log)');
  else action = oneOf(r.action, ACTIONS, [...path, "action"], "an action", add);
  const rule: Rule = {
    id,
    action: action ?? "log",
    direction: "any",
    severity: DEFAULT_SEVERITY[action ?? "log"],
    reason: "",
    path: formatPath(path),
  };
  if (r.src !== undefined) rule.src = parseAddrField(r.src, [...path, "src"], lists, add);
  if (r.dst !== undefined) rule.dst = parseAddrField(r.dst, [...path, "dst"], lists, add);
  for (const k of ["sport", "dport", "port"] as const) {
    if (r[k] !== undefined) rule[k] = parsePortField(r[k], [...path, k], add);
  }
  if (r.proto !== undefined) rule.proto = parseProtoField(r.proto, [...path, "proto"], add);
  if (rule.proto !== undefined && !rule.proto.includes(IpProto.TCP) && !rule.proto.includes(IpProto.UDP)) {
    const k = (["sport", "dport", "port"] as const).find((f) => r[f] !== undefined);
    if (k !== undefined)
      add([...path, k], "ports only match tcp and udp packets, and this rule's proto has neither");
  }
  if (r.transport_header !== undefined) {
    const tp = [...path, "transport_header"];
    const th = r.transport_header;
    if (typeof th !== "boolean") add(tp, `${show(th)} is not true or false`);
    else {
      rule.transportHeader = th;
      const other = rule.proto?.filter((n) => !TRANSPORT_HEADER_PROTOS.includes(n)) ?? [];
      if (r.proto === undefined) {
        add(tp, 'needs "proto": tcp, udp, icmp and/or icmpv6 (the protocols whose header pfw decodes)');
      } else if (other.length > 0) {
        add(
          tp,
          `applies only to tcp, udp, icmp and icmpv6 (pfw decodes no other transport header), not to protocol ${other.join(", ")}`,
        );
      }
      const k = (["sport", "dport", "port"] as const).find((f) => r[f] !== undefined);
      if (!th && k !== undefined) {
        add([...path, k], "ports are in the transport header, and this rule has transport_header false");
      }
    }
  }
  if (r.direction !== undefined) {
    rule.direction = oneOf(r.direction, DIRECTIONS, [...path, "direction"], "a direction", add) ?? "any";
  }
  if (r.severity !== undefined) {
    rule.severity = oneOf(r.severity, SEVERITIES, [...path, "severity"], "a severity", add) ?? rule.severity;
  }
  if (r.reason !== undefined) {
    if (typeof r.reason === "string" && r.reason !== "") rule.reason = r.reason;
    else add([...path, "reason"], `must be a non-empty string, not ${describe(r.reason)}`);
  }
  if (rule.reason === "") rule.reason = `matched rule ${id}`;
  return rule;
}

// ---------------------------------------------------------------- native output (convert)

/** A rule in native-file JSON form (what `pfw rules convert` prints). */
export interface NativeRuleJson {
  id: string;
  action: Action;
  src?: string | string[];
  dst?: string | string[];
  sport?: number | string | (number | string)[];
  dport?: number | string | (number | string)[];
  port?: number | string | (number | string)[];
  proto?: string | number | (string | number)[];
  transport_header?: boolean;
  direction?: Direction;
  severity: Severity;
  reason: string;
}

/** A native rule file in JSON form. */
export interface NativeFileJson {
  version: 1;
  default: Action;
  default_reason: string;
  ip_versions: (4 | 6)[];
  home_net?: string[];
  rules: NativeRuleJson[];
}

function one<T>(xs: T[]): T | T[] {
  return xs.length === 1 ? (xs[0] as T) : xs;
}

const PROTO_BY_NUMBER = new Map<number, string>(Object.entries(PROTO_NAMES).map(([k, v]) => [v, k]));

/** The native JSON form of one rule (single values unwrapped from lists). */
export function ruleToNative(rule: Rule): NativeRuleJson {
  const ports = (rs: PortRange[]): number | string | (number | string)[] =>
    one(rs.map((p) => (p.lo === p.hi ? p.lo : `${p.lo}-${p.hi}`)));
  // Key order is reading order: id, action, match fields, severity, reason.
  return {
    id: rule.id,
    action: rule.action,
    ...(rule.src ? { src: one(rule.src.map((c) => c.text)) } : {}),
    ...(rule.dst ? { dst: one(rule.dst.map((c) => c.text)) } : {}),
    ...(rule.sport ? { sport: ports(rule.sport) } : {}),
    ...(rule.dport ? { dport: ports(rule.dport) } : {}),
    ...(rule.port ? { port: ports(rule.port) } : {}),
    ...(rule.proto ? { proto: one(rule.proto.map((n) => PROTO_BY_NUMBER.get(n) ?? n)) } : {}),
    ...(rule.transportHeader !== undefined ? { transport_header: rule.transportHeader } : {}),
    ...(rule.direction !== "any" ? { direction: rule.direction } : {}),
    severity: rule.severity,
    reason: rule.reason,
  };
}

/** The native JSON form of a whole ruleset; loading it back gives the same decisions for every packet. */
export function rulesetToNative(rs: Ruleset): NativeFileJson {
  return {
    version: 1,
    default: rs.defaultAction,
    default_reason: rs.defaultReason,
    ip_versions: [...rs.ipVersions],
    ...(rs.homeNet.length > 0 ? { home_net: rs.homeNet.map((c) => c.text) } : {}),
    rules: rs.rules.map(ruleToNative),
  };
}

/** Pretty JSON for a native file: one top-level key per line and one rule per line (diff-friendly). */
export function formatNativeJson(file: NativeFileJson): string {
  const compact = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(compact).join(", ")}]`;
    if (isObject(v)) {
      return `{ ${Object.entries(v)
        .map(([k, x]) => `${JSON.stringify(k)}: ${compact(x)}`)
        .join(", ")} }`;
    }
    return JSON.stringify(v);
  };
  const lines = Object.entries(file).map(([k, v]) => {
    if (k !== "rules") return `  ${JSON.stringify(k)}: ${compact(v)}`;
    const rules = v as NativeRuleJson[];
    if (rules.length === 0) return `  "rules": []`;
    return `  "rules": [\n${rules.map((r) => `    ${compact(r)}`).join(",\n")}\n  ]`;
  });
  return `{\n${lines.join(",\n")}\n}\n`;
}
