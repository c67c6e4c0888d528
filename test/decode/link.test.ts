/**
 * Link layers: Ethernet, Linux SLL/SLL2, BSD NULL/LOOP, raw IP, 802.11 and radiotap.
 * Every vector below was checked with `tshark -T fields` (Wireshark 4.0.17): the expected
 * addresses/ports are what tshark printed for the same bytes.
 */
import { describe, expect, it } from "vitest";
import { Layer } from "../../src/decode/packet.js";
import { decode, eventName, expectPrefixesSafe, hex } from "./helpers.js";
import { srcAddrString } from "../../src/decode/format.js";
import { ipv4ToString } from "../../src/net/addr.js";

// IPv4 10.0.0.1 -> 10.0.0.2 UDP 5000 -> 53, 4 bytes "abcd":
//   4500 0020 0001 0000 4011 0000 0a00 0001 0a00 0002 | 1388 0035 000c 0000 6162 6364
const IP_UDP = "4500002000010000401100000a0000010a00000213880035000c000061626364";
// The same UDP datagram over IPv6 ::1 -> ::2.
const IP6_UDP =
  "60000000000c114000000000000000000000000000000001000000000000000000000000000000021388" +
  "0035000c000061626364";

// 802.11 data frame, ToDS, A1 02..01, A2 02..02, A3 02..03, seq 0x0010, then LLC/SNAP AA AA 03 000000 0800.
const WLAN_DATA = "0801 0000 020000000001 020000000002 020000000003 1000 aaaa03000000 0800" + IP_UDP;
// QoS data, ToDS+FromDS (4 addresses), Order bit -> +HTC: fc 88 83, ..., A4, QoS 0000, HTC 00000000.
const WLAN_QOS4_HTC =
  "8883 0000 020000000001 020000000002 020000000003 1000 020000000004 0000 00000000 aaaa03000000 0800" +
  IP_UDP;

/** Expect IPv4 10.0.0.1 -> 10.0.0.2 UDP 5000 -> 53 with payload "abcd" ending at the frame end minus trailer. */
function expectUdp4(bytes: Uint8Array, lt: number, trailer = 0) {
  const p = decode(bytes, lt);
  expect(eventName(p)).toBe("");
  expect(ipv4ToString(p.src4)).toBe("10.0.0.1");
  expect(ipv4ToString(p.dst4)).toBe("10.0.0.2");
  expect([p.ipProto, p.srcPort, p.dstPort]).toEqual([17, 5000, 53]);
  expect(p.payloadLen).toBe(4);
  expect(p.payloadOff + p.payloadLen).toBe(bytes.length - trailer);
  expect(p.l4Off).toBe(p.payloadOff - 8);
  expect(p.l3Off).toBe(p.l4Off - 20);
  return p;
}

describe("Ethernet (1)", () => {
  // traffic/DnsPackets.pcap style frame: dst 02:02:.., src 04:04:.., type 0800, then IP_UDP
  const frame = hex("020202020202 040404040404 0800" + IP_UDP);
  it("decodes Ethernet/IPv4/UDP", () => {
    const p = expectUdp4(frame, 1);
    expect(p.layers & (Layer.ETH | Layer.IPV4 | Layer.UDP)).toBe(Layer.ETH | Layer.IPV4 | Layer.UDP);
    expect(p.etherType).toBe(0x0800);
    expect(p.ipTtl).toBe(64);
    expect(p.ipTotalLen).toBe(32);
  });
  it("every shorter length: no throw, the right event", () => {
    const ev = expectPrefixesSafe(frame, 1);
    expect(ev[0]).toBe("EMPTY_FRAME");
    expect(ev.slice(1, 14).every((e) => e === "LINK_TRUNCATED")).toBe(true);
    expect(ev.slice(14, 34).every((e) => e === "IPV4_TRUNCATED")).toBe(true);
    expect(ev.slice(34, 38).every((e) => e === "UDP_TRUNCATED")).toBe(true);
    expect(ev.slice(38, 42).every((e) => e === "UDP_TRUNCATED")).toBe(true);
    expect(ev.slice(42).every((e) => e === "")).toBe(true); // payload cut: not an error
  });
  it("an Ethernet trailer (padding) is not payload: the IP total length ends the packet", () => {
    const padded = hex("020202020202 040404040404 0800" + IP_UDP + "000000000000");
    expectUdp4(padded, 1, 6);
  });
  it("IPv6 under EtherType 0x0800 is decoded as IPv6, as Wireshark does", () => {
    const p = decode(hex("020202020202 040404040404 0800" + IP6_UDP), 1);
    expect([p.ipVersion, srcAddrString(p), p.srcPort, p.dstPort]).toEqual([6, "::1", 5000, 53]);
  });
});

describe("Linux SLL (113) and SLL2 (276)", () => {
  // SLL: type 0 (to us), ARPHRD_ETHER 1, addr len 6, addr (8), protocol 0800
  const sll = hex("0000 0001 0006 0000000000000000 0800" + IP_UDP);
  it("SLL IPv4/UDP", () => {
    const p = expectUdp4(sll, 113);
    expect(p.layers & Layer.SLL).toBe(Layer.SLL);
    expect(
      expectPrefixesSafe(sll, 113)
        .slice(1, 16)
        .every((e) => e === "LINK_TRUNCATED"),
    ).toBe(true);
  });
  // SLL2 ARP request 192.168.1.1 -> 192.168.1.2 (as in linktypes/linux_dlt_sll2.pcap):
  // proto 0806, reserved, ifindex 1, ARPHRD 1, pkttype 0, addrlen 6, addr | ARP 0001 0800 06 04 0001 ...
  const sll2Arp = hex(
    "0806 0000 00000001 0001 00 06 0000000000000000" +
      "0001 0800 06 04 0001 020000000001 c0a80101 000000000000 c0a80102",
  );
  it("SLL2 ARP: opcode and IPv4 sender/target, no IP addresses", () => {
    const p = decode(sll2Arp, 276);
    expect(eventName(p)).toBe("");
    expect(p.layers & Layer.ARP).toBe(Layer.ARP);
    expect([p.arpOp, ipv4ToString(p.arpSpa), ipv4ToString(p.arpTpa)]).toEqual([
      1,
      "192.168.1.1",
      "192.168.1.2",
    ]);
    expect([p.ipVersion, p.ipProto, p.l3Off]).toEqual([0, -1, 20]);
    const ev = expectPrefixesSafe(sll2Arp, 276);
    expect(ev.slice(1, 20).every((e) => e === "LINK_TRUNCATED")).toBe(true);
    expect(ev.slice(20).every((e) => e === "ARP_TRUNCATED")).toBe(true);
  });
  it("SLL with ARPHRD_IEEE80211_RADIOTAP (803): radiotap + 802.11 inside (tshark: sll:radiotap:wlan:llc:ip)", () => {
    const f = hex("0000 0323 0006 0000000000000000 0003" + "00 00 0900 02000000 00" + WLAN_DATA);
    const p = expectUdp4(f, 113);
    expect(p.layers & (Layer.SLL | Layer.RADIOTAP | Layer.WLAN)).toBe(
      Layer.SLL | Layer.RADIOTAP | Layer.WLAN,
    );
  });
  it("SLL netlink (ARPHRD 824) is reported as an unsupported link protocol", () => {
    const p = decode(hex("0000 0338 0000 0000000000000000 0000 1400000010000000"), 113);
    expect(eventName(p)).toBe("LINK_PROTO_UNSUPPORTED");
  });
});

describe("BSD NULL (0), LOOP (108), raw IP (101, 12, 14, 228, 229)", () => {
  it("NULL, family 2 little-endian (captured on x86)", () => {
    const f = hex("02000000" + IP_UDP);
    expect(decode(f, 0).layers & Layer.NULL_LOOP).toBe(Layer.NULL_LOOP);
    expectUdp4(f, 0);
    expect(
      expectPrefixesSafe(f, 0)
        .slice(1, 4)
        .every((e) => e === "LINK_TRUNCATED"),
    ).toBe(true);
  });
  it("NULL, family 30 (macOS AF_INET6) big-endian", () => {
    const p = decode(hex("0000001e" + IP6_UDP), 0);
    expect([srcAddrString(p), p.ipProto, p.srcPort, p.dstPort]).toEqual(["::1", 17, 5000, 53]);
  });
  it("NULL, each AF_INET6 value in both byte orders", () => {
    for (const af of [10, 24, 28, 30]) {
      for (const h of [
        `${af.toString(16).padStart(2, "0")}000000`,
        `000000${af.toString(16).padStart(2, "0")}`,
      ]) {
        expect(decode(hex(h + IP6_UDP), 0).ipVersion, h).toBe(6);
      }
    }
  });
  it("NULL holding an EtherType (0f 00 08 00, linktypes/null_loopback.pcap frame 3) is IPv4", () => {
    expectUdp4(hex("0f000800" + IP_UDP), 0);
  });
  it("NULL with an unknown family", () => {
    expect(eventName(decode(hex("07000000" + IP_UDP), 0))).toBe("LINK_PROTO_UNSUPPORTED");
  });
  it("LOOP: family in network byte order", () => {
    expectUdp4(hex("00000002" + IP_UDP), 108);
    expect(decode(hex("0000001c" + IP6_UDP), 108).ipVersion).toBe(6);
  });
  it("raw IP: the version nibble decides (101, 12, 14)", () => {
    for (const lt of [101, 12, 14]) {
      expectUdp4(hex(IP_UDP), lt);
      expect(decode(hex(IP6_UDP), lt).ipVersion).toBe(6);
      expect(eventName(decode(hex("5" + IP_UDP.slice(1)), lt))).toBe("LINK_PROTO_UNSUPPORTED");
    }
  });
  it("IPv4 (228) and IPv6 (229) link types do not guess the version", () => {
    expectUdp4(hex(IP_UDP), 228);
    expect(decode(hex(IP6_UDP), 229).ipVersion).toBe(6);
    // bad/LINKTYPE_IPV6_invalid.pcap: an IPv4 packet under 229 -> tshark shows no addresses
    const p = decode(hex(IP_UDP), 229);
    expect([eventName(p), p.ipVersion]).toEqual(["IPV6_BAD_VERSION", 0]);
  });
  it("an unsupported link type (NETLINK 253)", () => {
    const p = decode(hex("1400000010000000"), 253);
    expect([eventName(p), p.eventOff, p.layers]).toEqual(["LINKTYPE_UNSUPPORTED", 0, 0]);
    expect(eventName(decode(new Uint8Array(0), 253))).toBe("LINKTYPE_UNSUPPORTED");
  });
});

describe("802.11 (105)", () => {
  it("data frame with LLC/SNAP to IPv4/UDP", () => {
    const p = expectUdp4(hex(WLAN_DATA), 105);
    expect(p.layers & (Layer.WLAN | Layer.LLC)).toBe(Layer.WLAN | Layer.LLC);
    const ev = expectPrefixesSafe(hex(WLAN_DATA), 105);
    expect(ev.slice(1, 24).every((e) => e === "WLAN_TRUNCATED")).toBe(true);
    expect(ev.slice(24, 32).every((e) => e === "LLC_UNSUPPORTED")).toBe(true);
  });
  it("QoS data, 4 addresses, HT control (Order bit)", () => {
    expectUdp4(hex(WLAN_QOS4_HTC), 105);
    expect(
      expectPrefixesSafe(hex(WLAN_QOS4_HTC), 105)
        .slice(1, 36)
        .every((e) => e === "WLAN_TRUNCATED"),
    ).toBe(true);
  });
  it("QoS data carrying an A-MSDU: the first subframe is decoded (tshark: wlan:llc:ip:udp)", () => {
    // QoS control 0x0080 (A-MSDU present); subframe header DA, SA, length 0x0028; then LLC/SNAP + IP
    const f = hex(
      "8801 0000 020000000001 020000000002 020000000003 1000 8000" +
        "020000000001 020000000002 0028 aaaa03000000 0800" +
        IP_UDP,
    );
    expectUdp4(f, 105);
    const ev = expectPrefixesSafe(f, 105);
    expect(ev.slice(26, 40).every((e) => e === "WLAN_TRUNCATED")).toBe(true);
  });
  it("protected data frame: payload not decodable", () => {
    // linktypes/Network_Join_Nokia_Mobile.pcap has such frames: tshark shows no IP either.
    const p = decode(
      hex("8841 0000 020000000001 020000000002 020000000003 1000 0000 0000000000000000" + IP_UDP),
      105,
    );
    expect([eventName(p), p.ipVersion, p.layers & Layer.WLAN]).toEqual(["WLAN_PROTECTED", 0, Layer.WLAN]);
  });
  it("Null function, management and control frames are not data", () => {
    expect(eventName(decode(hex("4801 0000 020000000001 020000000002 020000000003 1000"), 105))).toBe(
      "WLAN_NOT_DATA",
    );
    expect(eventName(decode(hex("8000 0000 ffffffffffff 020000000002 020000000002 1000 00"), 105))).toBe(
      "WLAN_NOT_DATA",
    );
    expect(eventName(decode(hex("d400 0000 020000000001"), 105))).toBe("WLAN_NOT_DATA");
  });
});

describe("radiotap (127)", () => {
  // Radiotap v0, length 18, present TSFT|Flags; TSFT (8, aligned at 8); Flags 0x10 = FCS at end; pad.
  const rtFcs = hex("00 00 1200 03000000 0000000000000000 10 00" + WLAN_DATA + "deadbeef");
  it("FCS flag: the 4-byte FCS is not payload", () => {
    const p = expectUdp4(rtFcs, 127, 4);
    expect(p.layers & Layer.RADIOTAP).toBe(Layer.RADIOTAP);
  });
  it("extended present bitmap walked before the Flags field", () => {
    // present 0x80000002 (Flags + another bitmap), bitmap 2 = 0; Flags at 12 = 0x10; length 13.
    expectUdp4(hex("00 00 0d00 02000080 00000000 10" + WLAN_QOS4_HTC + "deadbeef"), 127, 4);
  });
  it("no FCS flag: the whole rest is the 802.11 frame", () => {
    expectUdp4(hex("00 00 0900 02000000 00" + WLAN_DATA), 127);
  });
  it("data pad flag (0x20): 802.11 header padded to 32 bits", () => {
    // QoS data, 3 addresses: header 26 bytes -> padded to 28.
    const f = hex(
      "00 00 0900 02000000 20" +
        "8801 0000 020000000001 020000000002 020000000003 1000 0000 0000" +
        "aaaa030000000800" +
        IP_UDP,
    );
    expectUdp4(f, 127);
  });
  it("every shorter length and a bad length field", () => {
    const ev = expectPrefixesSafe(rtFcs, 127);
    expect(ev.slice(1, 18).every((e) => e === "RADIOTAP_TRUNCATED")).toBe(true);
    expect(eventName(decode(hex("00 00 ff00 03000000 0000000000000000 10 00"), 127))).toBe(
      "RADIOTAP_TRUNCATED",
    );
    expect(eventName(decode(hex("00 00 0400 00000000"), 127))).toBe("RADIOTAP_TRUNCATED");
  });
});
