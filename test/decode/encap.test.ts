/** VLAN tag stacks, MPLS label stacks, PPPoE sessions, ARP, LLC/SNAP. Vectors checked with tshark 4.0. */
import { describe, expect, it } from "vitest";
import { srcAddrString } from "../../src/decode/format.js";
import { MPLS_MAX_LABELS } from "../../src/decode/mpls.js";
import { Layer } from "../../src/decode/packet.js";
import { VLAN_MAX_TAGS } from "../../src/decode/vlan.js";
import { cat, eth, ip4, ip6, tcp, udp, text } from "./build.js";
import { decode, eventName, expectPrefixesSafe, hex } from "./helpers.js";

const ETH = 1;

describe("VLAN", () => {
  it("QinQ (traffic/QinQ_802.1_AD.pcapng frame 1): vlan = the 802.1ad S-tag 30, C-tag 100", () => {
    const f = hex(
      "00109400000c 001094000014 88a8 001e 8100 0064 0800 450005c254b00000fffdddbfc0550116c055010e",
    );
    const p = decode(f, ETH);
    expect([p.vlanId, p.vlanCount, srcAddrString(p), p.ipProto, p.etherType]).toEqual([
      30,
      2,
      "192.85.1.22",
      253,
      0x0800,
    ]);
    const ev = expectPrefixesSafe(f, ETH);
    expect(ev.slice(14, 22).every((e) => e === "VLAN_TRUNCATED")).toBe(true);
  });
  it("a tag cut short after its TCI still gives the id (as tshark)", () => {
    const p = decode(hex("020202020202 040404040404 8100 0076 81"), ETH);
    expect([eventName(p), p.vlanId, p.vlanCount]).toEqual(["VLAN_TRUNCATED", 118, 0]);
  });
  it("three 802.1Q tags: the outermost id (tshark vlan.id 10;11;12)", () => {
    const f = eth(0x8100, cat(hex("000a 8100 000b 8100 000c 0800"), ip4(17, udp(text(4)))));
    const p = decode(f, ETH);
    expect([p.vlanId, p.vlanCount, p.srcPort, p.layers & Layer.VLAN]).toEqual([10, 3, 53, Layer.VLAN]);
  });
  it("0x9100 tags and the PCP/DEI bits are not part of the id", () => {
    const p = decode(eth(0x9100, cat(hex("f00b 0800"), ip4(17, udp(text(4))))), ETH);
    expect([p.vlanId, p.srcPort]).toEqual([11, 53]);
  });
  it(`at most VLAN_MAX_TAGS (${VLAN_MAX_TAGS}) tags`, () => {
    const tags = (n: number) => {
      let s = "";
      for (let i = 1; i <= n; i++) s += `${i.toString(16).padStart(4, "0")}${i === n ? "0800" : "8100"}`;
      return eth(0x8100, cat(hex(s), ip4(17, udp(text(4)))));
    };
    expect(decode(tags(VLAN_MAX_TAGS), ETH).srcPort).toBe(53);
    const p = decode(tags(VLAN_MAX_TAGS + 1), ETH);
    expect([eventName(p), p.vlanId, p.vlanCount, p.ipVersion]).toEqual([
      "VLAN_TOO_MANY_TAGS",
      1,
      VLAN_MAX_TAGS,
      0,
    ]);
  });
});

describe("MPLS", () => {
  // traffic/MplsPackets.pcap frame 1: two 802.1Q tags (215, 11), one MPLS label (1000, BoS), IPv4/TCP
  // 2.3.4.6:20636 -> 12.13.14.15:80 flags 0x0018
  const real = hex(
    "28c2ceba97e8 508189f9d57b 8100 00d7 8100 000b 8847 03e8017e" +
      "4500014f7ac500007e06a0bf020304060c0d0e0f 509c0050469662087fffffff501803fba1c80000474554",
  );
  it("real MPLS frame", () => {
    const p = decode(real, ETH);
    expect([p.vlanId, p.mplsCount, srcAddrString(p), p.srcPort, p.dstPort, p.tcpFlags]).toEqual([
      215,
      1,
      "2.3.4.6",
      20636,
      80,
      0x18,
    ]);
    const ev = expectPrefixesSafe(real, ETH);
    expect(ev.slice(22, 27).every((e) => e === "MPLS_TRUNCATED")).toBe(true);
  });
  it("two labels then IPv6 (first nibble 6)", () => {
    const p = decode(eth(0x8847, cat(hex("00010040 00020140"), ip6(17, udp(text(4))))), ETH);
    expect([p.mplsCount, srcAddrString(p), p.srcPort]).toEqual([2, "::1", 53]);
  });
  it("pseudowire control word then Ethernet (first nibble 0), as tshark decodes it", () => {
    const p = decode(eth(0x8847, cat(hex("00010140 00000000"), eth(0x800, ip4(6, tcp())))), ETH);
    expect([srcAddrString(p), p.srcPort, p.tcpFlags]).toEqual(["10.0.0.1", 1234, 0x18]);
  });
  it(`unknown payload nibble, and at most MPLS_MAX_LABELS (${MPLS_MAX_LABELS}) labels`, () => {
    expect(eventName(decode(eth(0x8847, hex("00010140 50000000")), ETH))).toBe("MPLS_PAYLOAD_UNKNOWN");
    const labels = (n: number) => hex("00010040".repeat(n - 1) + "00010140") as Uint8Array;
    expect(decode(eth(0x8848, cat(labels(MPLS_MAX_LABELS), ip4(17, udp(text(4))))), ETH).srcPort).toBe(53);
    const p = decode(eth(0x8847, cat(labels(MPLS_MAX_LABELS + 1), ip4(17, udp(text(4))))), ETH);
    expect([eventName(p), p.mplsCount]).toEqual(["MPLS_TOO_MANY_LABELS", MPLS_MAX_LABELS]);
  });
});

describe("PPPoE", () => {
  const f = eth(0x8864, cat(hex("1100 0001 003e 0057"), ip6(17, udp(text(4)))));
  it("session with PPP IPv6 (0x0057)", () => {
    const p = decode(f, ETH);
    expect([srcAddrString(p), p.srcPort, p.layers & Layer.PPPOE, p.etherType]).toEqual([
      "::1",
      53,
      Layer.PPPOE,
      0x86dd,
    ]);
    const ev = expectPrefixesSafe(f, ETH);
    expect(ev.slice(14, 22).every((e) => e === "PPPOE_TRUNCATED")).toBe(true);
  });
  it("PPP IPv4 (0x0021), other PPP protocols, bad version/type", () => {
    expect(decode(eth(0x8864, cat(hex("1100 0001 002a 0021"), ip4(6, tcp()))), ETH).srcPort).toBe(1234);
    expect(eventName(decode(eth(0x8864, hex("1100 0001 0004 c021 0101")), ETH))).toBe(
      "PPP_PROTO_UNSUPPORTED",
    );
    expect(eventName(decode(eth(0x8864, hex("2100 0001 0004 0021 4500")), ETH))).toBe("PPPOE_TRUNCATED");
  });
});

describe("ARP and LLC", () => {
  // traffic/GrePackets.cap frame 1: ARP request 20.0.0.2 -> 20.0.0.1 (who-has)
  const arp = hex(
    "ffffffffffff 001400000200 0806 0001 0800 06 04 0001 001400000200 14000002 000000000000 14000001",
  );
  it("real ARP request", () => {
    const p = decode(arp, ETH);
    expect([p.arpOp, p.arpSpa, p.arpTpa, p.l3Off, p.ipVersion, p.ipProto, eventName(p)]).toEqual([
      1,
      0x14000002,
      0x14000001,
      14,
      0,
      -1,
      "",
    ]);
    const ev = expectPrefixesSafe(arp, ETH);
    expect(ev.slice(14).every((e) => e === "ARP_TRUNCATED")).toBe(true);
  });
  it("802.3 frame with LLC/SNAP to IPv4; plain LLC (STP) is unsupported", () => {
    const snap = eth(0x0030, cat(hex("aaaa03 000000 0800"), ip4(17, udp(text(4)))));
    expect(decode(snap, ETH).srcPort).toBe(53);
    expect(eventName(decode(eth(0x0026, hex("424203 0000 00")), ETH))).toBe("LLC_UNSUPPORTED");
  });
  it("an unknown EtherType", () => {
    const p = decode(eth(0x88cc, hex("0207")), ETH);
    expect([eventName(p), p.eventOff, p.etherType]).toEqual(["ETHERTYPE_UNSUPPORTED", 14, 0x88cc]);
  });
});
