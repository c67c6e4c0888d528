/** src/net/protocols.ts: the numbers and the names as each consumer prints or reads them. */
import { describe, expect, it } from "vitest";
import {
  IpProto,
  LEGACY_PROTO_NAMES,
  protoLogName,
  RULE_PROTO_NAMES,
  TRANSPORT_HEADER_PROTOS,
} from "../../src/net/protocols.js";

describe("IP protocol numbers and names", () => {
  it("numbers are IANA's", () => {
    expect([IpProto.ICMP, IpProto.TCP, IpProto.UDP, IpProto.ICMPV6, IpProto.SCTP]).toEqual([
      1, 6, 17, 58, 132,
    ]);
    expect([
      IpProto.HOPOPTS,
      IpProto.ROUTING,
      IpProto.FRAGMENT,
      IpProto.AH,
      IpProto.NONE,
      IpProto.DSTOPTS,
    ]).toEqual([0, 43, 44, 51, 59, 60]);
  });
  it("log names: the ten named protocols, IP-<n> for the rest", () => {
    const named = [...Array(256).keys()].filter((p) => !protoLogName(p).startsWith("IP-"));
    expect(named.map((p) => `${p}=${protoLogName(p)}`)).toEqual([
      "1=ICMP",
      "2=IGMP",
      "6=TCP",
      "17=UDP",
      "47=GRE",
      "50=ESP",
      "51=AH",
      "58=ICMPv6",
      "89=OSPF",
      "132=SCTP",
    ]);
    expect([protoLogName(0), protoLogName(255), protoLogName(256), protoLogName(-1)]).toEqual([
      "IP-0",
      "IP-255",
      "IP-256",
      "IP--1",
    ]);
  });
  it("rule-file names: native lowercase in message order, legacy as Scapy named them", () => {
    expect(Object.entries(RULE_PROTO_NAMES)).toEqual([
      ["icmp", 1],
      ["igmp", 2],
      ["tcp", 6],
      ["udp", 17],
      ["gre", 47],
      ["esp", 50],
      ["ah", 51],
      ["icmpv6", 58],
      ["sctp", 132],
    ]);
    expect(LEGACY_PROTO_NAMES).toEqual({ TCP: 6, UDP: 17, ICMP: 1 });
    expect([...TRANSPORT_HEADER_PROTOS]).toEqual([1, 6, 17, 58]);
    expect(Object.isFrozen(RULE_PROTO_NAMES) && Object.isFrozen(LEGACY_PROTO_NAMES)).toBe(true);
  });
});
