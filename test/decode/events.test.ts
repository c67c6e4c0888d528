/**
 * One test per decode event: a frame that raises it, the offset where it is met, and the outer
 * layers kept. A final test checks that every event name has a case here.
 */
import { describe, expect, it } from "vitest";
import { DECODE_EVENT_NAMES } from "../../src/decode/events.js";
import { srcAddrString } from "../../src/decode/format.js";
import { IPV6_MAX_EXTHDRS } from "../../src/decode/ipv6.js";
import { Layer } from "../../src/decode/packet.js";
import { cat, eth, ip4, ip6, tcp, text, udp } from "./build.js";
import { decode, eventName, hex } from "./helpers.js";

interface Case {
  lt: number;
  bytes: Uint8Array;
  /** Offset of the event in the frame. */
  at: number;
  /** Layers that must still be set. */
  keeps?: number;
}

const WLAN_HDR = "020000000001 020000000002 020000000003 1000";
const chainOf = (n: number) => {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) parts.push(hex("3c00 0104 00000000"));
  return cat(...parts, udp(text(2)));
};

const CASES: Record<string, Case> = {
  LINKTYPE_UNSUPPORTED: { lt: 253, bytes: hex("1400000010000000"), at: 0 },
  LINK_TRUNCATED: { lt: 1, bytes: hex("0202020202020404040404"), at: 0 },
  ETHERTYPE_UNSUPPORTED: { lt: 1, bytes: eth(0x88cc, hex("0207")), at: 14, keeps: Layer.ETH },
  VLAN_TRUNCATED: { lt: 1, bytes: eth(0x8100, hex("0005")), at: 14, keeps: Layer.ETH },
  VLAN_TOO_MANY_TAGS: {
    lt: 1,
    bytes: eth(0x8100, hex("00018100".repeat(9))),
    at: 14 + 32,
    keeps: Layer.VLAN,
  },
  MPLS_TRUNCATED: { lt: 1, bytes: eth(0x8847, hex("000100")), at: 14, keeps: Layer.ETH },
  MPLS_TOO_MANY_LABELS: {
    lt: 1,
    bytes: eth(0x8847, hex("00010040".repeat(17))),
    at: 14 + 64,
    keeps: Layer.MPLS,
  },
  MPLS_PAYLOAD_UNKNOWN: { lt: 1, bytes: eth(0x8847, hex("00010140 50000000")), at: 18, keeps: Layer.MPLS },
  PPPOE_TRUNCATED: { lt: 1, bytes: eth(0x8864, hex("1100 0001 0002")), at: 14, keeps: Layer.ETH },
  PPP_PROTO_UNSUPPORTED: {
    lt: 1,
    bytes: eth(0x8864, hex("1100 0001 0004 c021 0101")),
    at: 20,
    keeps: Layer.PPPOE,
  },
  ARP_TRUNCATED: {
    lt: 1,
    bytes: eth(0x0806, hex("0001 0800 06 04 0001 0014000002")),
    at: 14,
    keeps: Layer.ARP,
  },
  WLAN_TRUNCATED: { lt: 105, bytes: hex("0801 0000 020000000001"), at: 0, keeps: Layer.WLAN },
  WLAN_NOT_DATA: { lt: 105, bytes: hex("8000 0000 " + WLAN_HDR), at: 0, keeps: Layer.WLAN },
  RADIOTAP_TRUNCATED: { lt: 127, bytes: hex("00 00 2000 02000000 00"), at: 0 },
  LLC_UNSUPPORTED: {
    lt: 105,
    bytes: hex("0801 0000 " + WLAN_HDR + "424203000000"),
    at: 24,
    keeps: Layer.WLAN,
  },
  IPV4_TRUNCATED: { lt: 228, bytes: hex("4500002000010000401100000a000001"), at: 0 },
  IPV4_BAD_VERSION: { lt: 228, bytes: cat(hex("55"), ip4(6, tcp()).subarray(1)), at: 0 },
  IPV4_HLEN_TOO_SMALL: { lt: 1, bytes: eth(0x800, ip4(6, tcp(), { ihl: 4 })), at: 14, keeps: Layer.ETH },
  IPV4_HLEN_TOO_LARGE: {
    lt: 1,
    bytes: eth(0x800, ip4(6, tcp(), { ihl: 15, totalLen: 60 })),
    at: 14,
    keeps: Layer.IPV4,
  },
  IPV4_TOTAL_LEN_TOO_SMALL: {
    lt: 1,
    bytes: eth(0x800, ip4(6, tcp(), { totalLen: 11 })),
    at: 14,
    keeps: Layer.ETH,
  },
  IPV4_OPT_INVALID: {
    lt: 1,
    bytes: eth(0x800, ip4(6, tcp(), { options: hex("01442800") })),
    at: 35,
    keeps: Layer.IPV4 | Layer.TCP,
  },
  IPV6_TRUNCATED: { lt: 229, bytes: ip6(6, tcp()).subarray(0, 39), at: 0 },
  IPV6_BAD_VERSION: { lt: 229, bytes: ip4(6, tcp()), at: 0 },
  IPV6_EXTHDR_TRUNCATED: { lt: 229, bytes: ip6(0, hex("0601 0000 00000000")), at: 40, keeps: Layer.IPV6 },
  IPV6_TOO_MANY_EXTHDRS: {
    lt: 229,
    bytes: ip6(60, chainOf(IPV6_MAX_EXTHDRS + 1)),
    at: 40 + 8 * IPV6_MAX_EXTHDRS,
    keeps: Layer.IPV6,
  },
  TCP_TRUNCATED: { lt: 228, bytes: ip4(6, tcp().subarray(0, 10)), at: 20, keeps: Layer.IPV4 | Layer.TCP },
  TCP_HLEN_TOO_SMALL: {
    lt: 228,
    bytes: ip4(6, tcp(0x12, { doff: 4 })),
    at: 20,
    keeps: Layer.IPV4 | Layer.TCP,
  },
  TCP_HLEN_TOO_LARGE: {
    lt: 228,
    bytes: ip4(6, tcp(0x12, { doff: 6 })),
    at: 20,
    keeps: Layer.IPV4 | Layer.TCP,
  },
  UDP_TRUNCATED: { lt: 228, bytes: ip4(17, hex("0035")), at: 20, keeps: Layer.IPV4 },
  UDP_BAD_LENGTH: { lt: 228, bytes: ip4(17, udp(text(4), 7)), at: 20, keeps: Layer.IPV4 | Layer.UDP },
  ICMP_TRUNCATED: { lt: 228, bytes: ip4(1, hex("0800 f7ff")), at: 20, keeps: Layer.IPV4 },
  ICMPV6_TRUNCATED: { lt: 229, bytes: ip6(58, hex("80")), at: 40, keeps: Layer.IPV6 | Layer.ICMPV6 },
  EMPTY_FRAME: { lt: 1, bytes: new Uint8Array(0), at: 0 },
  LINK_PROTO_UNSUPPORTED: {
    lt: 113,
    bytes: hex("0000 0001 0006 0000000000000000 0001 ffff"),
    at: 16,
    keeps: Layer.SLL,
  },
  IPV6_OPT_INVALID: {
    lt: 229,
    bytes: ip6(0, cat(hex("1100 02d0 0000 0000"), udp(text(4)))),
    at: 40,
    keeps: Layer.IPV6,
  },
  LINK_HDR_INVALID: { lt: 163, bytes: hex("80211001 00000004 0801"), at: 0 },
  WLAN_PROTECTED: { lt: 105, bytes: hex("0841 0000 " + WLAN_HDR + "0000000000000000" + "aaaa"), at: 0 },
};

describe("decode events", () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, () => {
      const p = decode(c.bytes, c.lt);
      expect(eventName(p)).toBe(name);
      expect(p.eventOff).toBe(c.at);
      if (c.keeps) expect(p.layers & c.keeps).toBe(c.keeps);
    });
  }
  it("every event has a case above", () => {
    expect(Object.keys(CASES).sort()).toEqual(DECODE_EVENT_NAMES.filter((n) => n !== "").sort());
  });
  it("only the first event is kept", () => {
    // bad option (first), then a truncated TCP header
    const p = decode(ip4(6, tcp().subarray(0, 10), { options: hex("01442800") }), 228);
    expect([eventName(p), p.srcPort]).toEqual(["IPV4_OPT_INVALID", 1234]);
  });
  it("outer layers are kept: the IPv4 header before a truncated TCP header", () => {
    const p = decode(eth(0x800, ip4(6, tcp().subarray(0, 3))), 1);
    expect([eventName(p), srcAddrString(p), p.ipProto, p.srcPort]).toEqual([
      "TCP_TRUNCATED",
      "10.0.0.1",
      6,
      -1,
    ]);
  });
});
