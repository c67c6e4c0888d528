/**
 * Field parsers of the native dialect: addresses and CIDRs (with "@list" references), ports and port
 * ranges, protocols (names from src/net/protocols.ts or numbers), and one-of-these strings. Each takes
 * the JSON value and its path, returns the typed value or undefined, and adds one problem per bad item
 * (all items are checked, not only the first bad one).
 * Guarantees: never throws; pure (no I/O: also runs in a browser).
 */
import { parseCidrDetailed, type Cidr } from "../net/addr.js";
import { RULE_PROTO_NAMES } from "../net/protocols.js";
import { own, show, type Add } from "./problems.js";
import type { PortRange } from "./types.js";

/** v when it is one of the allowed strings, else undefined (a problem added: "<v> is not <what> (...)"). */
export function oneOf<T extends string>(
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

/** One address or CIDR string (src/net/addr.ts's strict parser), else undefined (a problem added). */
export function parseAddr(x: unknown, path: (string | number)[], add: Add): Cidr | undefined {
  if (typeof x !== "string") {
    add(path, `${show(x)} is not an address (write IPs and CIDRs as strings)`);
    return undefined;
  }
  const r = parseCidrDetailed(x);
  if (r.error !== undefined) add(path, r.error);
  return r.cidr;
}

/** src / dst / home_net: one string or a non-empty list; "@name" refers to a list. */
export function parseAddrField(
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
export function parsePortField(v: unknown, path: (string | number)[], add: Add): PortRange[] | undefined {
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
export function parseProtoField(v: unknown, path: (string | number)[], add: Add): number[] | undefined {
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
      const named = own(RULE_PROTO_NAMES, x.toLowerCase());
      if (named !== undefined) n = named;
      else if (/^(0|[1-9][0-9]{0,2})$/.test(x) && Number(x) <= 255) n = Number(x);
    }
    if (n < 0) {
      add(p, `${show(x)} is not a protocol (${Object.keys(RULE_PROTO_NAMES).join(", ")} or a number 0-255)`);
      ok = false;
    } else out.push(n);
  });
  return ok ? out : undefined;
}
