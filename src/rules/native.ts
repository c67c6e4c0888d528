/**
 * The native dialect: pfw's ordered rule list (documented in rules/README.md), {"version": 1, "default",
 * "default_reason", "ip_versions", "home_net", "lists", "rules": [...]}, validated into a Ruleset with
 * every problem found, in file order.
 * Guarantees: never throws; unknown keys are problems (typo safety, with "did you mean" hints); rule ids
 * are unique; pure (no I/O: also runs in a browser).
 */
import { type Cidr } from "../net/addr.js";
import { IpProto, TRANSPORT_HEADER_PROTOS } from "../net/protocols.js";
import { oneOf, parseAddr, parseAddrField, parsePortField, parseProtoField } from "./native-fields.js";
import { checkKeys, describe, formatPath, isObject, show, type Add } from "./problems.js";
import {
  DEFAULT_REASON,
  DEFAULT_SEVERITY,
  type Action,
  type Direction,
  type Rule,
  type Ruleset,
  type Severity,
} from "./types.js";

const ACTIONS: readonly Action[] = ["allow", "block", "alert", "log"];
const SEVERITIES: readonly Severity[] = ["low", "medium", "high", "critical"];
const DIRECTIONS: readonly Direction[] = ["in", "out", "any"];

/** Keys of a native rule file's top level. */
export const NATIVE_TOP_KEYS = [
  "version",
  "description",
  "default",
  "default_reason",
  "ip_versions",
  "home_net",
  "lists",
  "rules",
];
/** Keys of one native rule. */
export const NATIVE_RULE_KEYS = [
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

/** Validate a native file (an object with "version" and/or "rules") into a Ruleset; problems go to add. */
export function parseNative(json: Record<string, unknown>, add: Add): Ruleset {
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

  const ipVersions: (4 | 6)[] =
    json.ip_versions !== undefined ? parseIpVersions(json.ip_versions, add) : [4, 6];
  const lists = json.lists !== undefined ? parseLists(json.lists, add) : new Map<string, Cidr[]>();

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

/** ip_versions: a non-empty list of 4 and/or 6, each once; sorted. [4, 6] after a problem with the list itself. */
function parseIpVersions(v: unknown, add: Add): (4 | 6)[] {
  if (!Array.isArray(v) || v.length === 0) {
    add(["ip_versions"], "must be a non-empty list of 4 and/or 6");
    return [4, 6];
  }
  const out: (4 | 6)[] = [];
  v.forEach((x: unknown, i: number) => {
    if (x !== 4 && x !== 6) add(["ip_versions", i], `${show(x)} is not an IP version (4 or 6)`);
    else if (out.includes(x)) add(["ip_versions", i], `${x} is listed twice`);
    else out.push(x);
  });
  return out.sort();
}

/** lists: named address lists ({"name": ["10.0.0.0/8", ...]}); a list cannot refer to another. */
function parseLists(v: unknown, add: Add): Map<string, Cidr[]> {
  const lists = new Map<string, Cidr[]>();
  if (!isObject(v)) {
    add(["lists"], `must be an object of named address lists, not ${describe(v)}`);
    return lists;
  }
  for (const [name, val] of Object.entries(v)) {
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
  return lists;
}

/** rules[i]: one rule, or undefined when it is not an object (other problems still give a rule). */
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
  if (r.transport_header !== undefined) parseTransportHeader(r, rule, path, add);
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

/** transport_header of rule r (present): a boolean, only with proto limited to tcp/udp/icmp/icmpv6. */
function parseTransportHeader(
  r: Record<string, unknown>,
  rule: Rule,
  path: (string | number)[],
  add: Add,
): void {
  const tp = [...path, "transport_header"];
  const th = r.transport_header;
  if (typeof th !== "boolean") {
    add(tp, `${show(th)} is not true or false`);
    return;
  }
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
