/**
 * The legacy dialect: the original project's allow/block file, {"allow": {"ips", "ports", "protocols"},
 * "block": {...}}, validated into a Ruleset with every problem found.
 * Meaning (kept exactly): an IPv4 packet is BLOCKED if its source IP, its protocol name ("TCP", "UDP",
 * "ICMP" when that header is in the packet, else the decimal number: a non-first fragment of TCP is "6")
 * or a TCP/UDP source or destination port is in the block lists; else ALLOWED if in the allow lists;
 * else UNKNOWN. Each entry becomes a rule (block entries first), so a report can say which entry decided.
 * Guarantees: never throws; pure (no I/O: also runs in a browser).
 */
import { parseCidrDetailed } from "../net/addr.js";
import { IpProto, LEGACY_PROTO_NAMES } from "../net/protocols.js";
import { checkKeys, describe, isObject, own, show, type Add } from "./problems.js";
import {
  DEFAULT_REASON,
  DEFAULT_SEVERITY,
  type Action,
  type Direction,
  type Rule,
  type Ruleset,
} from "./types.js";

const LEGACY_TOP_KEYS = ["allow", "block"];
const LEGACY_LIST_KEYS = ["ips", "ports", "protocols"];

/** Validate a legacy file (an object with "allow" and/or "block") into a Ruleset; problems go to add. */
export function parseLegacy(json: Record<string, unknown>, add: Add): Ruleset {
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
    for (const key of Object.keys(sect)) {
      if (!LEGACY_LIST_KEYS.includes(key)) continue;
      const list = sect[key];
      if (!Array.isArray(list)) {
        add([side, key], `must be a list, not ${describe(list)}`);
        continue;
      }
      list.forEach((item: unknown, i: number) => {
        const rule = legacyRule(side, key, item, i, add);
        if (rule !== undefined) rules.push(rule);
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

/** The rule of entry i of list key ("ips", "ports", "protocols") of side, or undefined (a problem added). */
function legacyRule(
  side: "block" | "allow",
  key: string,
  item: unknown,
  i: number,
  add: Add,
): Rule | undefined {
  const action: Action = side === "block" ? "block" : "allow";
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
      return undefined;
    }
    return { ...base, src: [r.cidr], reason: `source IP ${r.cidr.text} is in the ${side} list` };
  }
  if (key === "ports") {
    if (typeof item !== "number" || !Number.isInteger(item) || item < 0 || item > 65535) {
      add(path, `${show(item)} is not a port (a number 0-65535)`);
      return undefined;
    }
    return {
      ...base,
      port: [{ lo: item, hi: item }],
      reason: `port ${item} is in the ${side} list`,
    };
  }
  const num = legacyProto(item, path, add);
  if (num < 0) return undefined;
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
  return rule;
}

/** The protocol number of a legacy "protocols" entry, or -1 (a problem added). */
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
