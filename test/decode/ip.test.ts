/**
 * IPv4 and IPv6 headers: real packets from the corpus (hex below, fields as tshark printed them)
 * and edge cases whose expected result was checked with tshark 4.0 on the same bytes.
 */
import { describe, expect, it } from "vitest";
import { dstAddrString, srcAddrString } from "../../src/decode/format.js";
import { IPV6_MAX_EXTHDRS } from "../../src/decode/ipv6.js";
import { Layer } from "../../src/decode/packet.js";
import { cat, eth, ip4, ip6, tcp, text, udp } from "./build.js";
import { decode, eventName, expectPrefixesSafe, hex } from "./helpers.js";

const ETH = 1;

describe("IPv4", () => {
  // traffic/ipv4-options.pcap frame 6: IHL 7, options NOP + Strict Source Route (len 7, ptr 4, 0.0.0.0),
  // ICMP echo request. tshark: ip.src 10.0.0.6, ip.dst 0.0.0.0 (the route's last address), icmp.type 8.
  const ssrr = hex(
    "c412f5ff72e8 080027191c78 0800 4700 0024 334c 0000 4001 2871 0a000006 0a00008a" +
      "01 89 07 04 00000000 | 0800 5d07 9af6 0002".replace("|", ""),
  );
  it("source route option: dst is the final destination, as Wireshark's ip.dst", () => {
    const p = decode(ssrr, ETH);
    expect([srcAddrString(p), dstAddrString(p), p.ipProto, p.icmpType, eventName(p)]).toEqual([
      "10.0.0.6",
      "0.0.0.0",
      1,
      8,
      "",
    ]);
    expect(p.l4Off).toBe(14 + 28);
    const ev = expectPrefixesSafe(ssrr, ETH);
    expect(ev.slice(14, 34).every((e) => e === "IPV4_TRUNCATED" || e === "")).toBe(true);
    expect(ev.slice(15, 34).every((e) => e === "IPV4_TRUNCATED")).toBe(true);
    expect(ev.slice(34, 42).every((e) => e === "IPV4_HLEN_TOO_LARGE")).toBe(true);
    expect(ev.slice(42).every((e) => e === "ICMP_TRUNCATED")).toBe(true);
  });
  it("a bad option length is flagged but the transport is still decoded (Wireshark shows the ports)", () => {
    // NOP, option 0x44 (timestamp) claiming 40 bytes in a 4-byte option area
    const f = eth(0x800, ip4(6, tcp(), { options: hex("01442800") }));
    const p = decode(f, ETH);
    expect([eventName(p), p.eventOff, p.srcPort, p.dstPort, p.tcpFlags]).toEqual([
      "IPV4_OPT_INVALID",
      14 + 21,
      1234,
      80,
      0x18,
    ]);
    // option length 1 (< 2) and an option whose length byte is missing
    expect(eventName(decode(eth(0x800, ip4(6, tcp(), { options: hex("07010000") })), ETH))).toBe(
      "IPV4_OPT_INVALID",
    );
    expect(eventName(decode(eth(0x800, ip4(6, tcp(), { options: hex("01010107") })), ETH))).toBe(
      "IPV4_OPT_INVALID",
    );
    // EOL ends the walk: garbage after it is ignored
    expect(eventName(decode(eth(0x800, ip4(6, tcp(), { options: hex("00ff0000") })), ETH))).toBe("");
  });
  it("bad IHL (bad/ipv4_invalid_hdr_length.pcap: IHL 4): no addresses, as tshark", () => {
    const p = decode(eth(0x800, ip4(17, udp(text(4)), { ihl: 4 })), ETH);
    expect([eventName(p), p.ipVersion, p.ipProto, p.layers & Layer.IPV4]).toEqual([
      "IPV4_HLEN_TOO_SMALL",
      0,
      -1,
      0,
    ]);
  });
  it("total length < header length (bad/ipv4-malformed.pcap frame 1): no addresses, as tshark", () => {
    const p = decode(eth(0x800, ip4(6, tcp(), { totalLen: 11 })), ETH);
    expect([eventName(p), p.ipVersion, p.ipProto]).toEqual(["IPV4_TOTAL_LEN_TOO_SMALL", 0, -1]);
  });
  it("total length 0 is TSO: the captured end is the IP end (tshark shows the TCP header)", () => {
    const p = decode(eth(0x800, ip4(6, tcp(), { totalLen: 0 })), ETH);
    expect([eventName(p), p.srcPort, p.tcpFlags, p.ipTotalLen]).toEqual(["", 1234, 0x18, 40]);
  });
  it("total length shorter than captured: the IP end is the total length", () => {
    // tshark: ports shown, no tcp.flags (only 10 TCP bytes inside the datagram)
    const p = decode(eth(0x800, ip4(6, tcp(), { totalLen: 30 })), ETH);
    expect([eventName(p), p.srcPort, p.dstPort, p.tcpFlags]).toEqual(["TCP_TRUNCATED", 1234, 80, -1]);
  });
  it("IHL larger than captured: source and protocol kept, no transport; no destination (as tshark)", () => {
    // Wireshark's walk of the options for a source route reads past the captured bytes.
    const p = decode(eth(0x800, ip4(6, new Uint8Array(0), { ihl: 15, totalLen: 60 })), ETH);
    expect([eventName(p), srcAddrString(p), dstAddrString(p), p.ipProto, p.l4Off]).toEqual([
      "IPV4_HLEN_TOO_LARGE",
      "10.0.0.1",
      "",
      6,
      -1,
    ]);
    expect(p.layers & Layer.IPV4).toBe(0);
    // Options ending in EOL within the captured bytes: the walk stops there, the destination is shown.
    const q = decode(eth(0x800, ip4(6, hex("0100"), { ihl: 15, totalLen: 60 })), ETH);
    expect([eventName(q), dstAddrString(q)]).toEqual(["IPV4_HLEN_TOO_LARGE", "10.0.0.2"]);
  });
  it("a header cut short after the source address: source and protocol shown, as tshark", () => {
    const f = eth(0x800, ip4(17, udp(text(4))));
    for (let n = 14; n < 34; n++) {
      const p = decode(f.subarray(0, n), ETH);
      const hasSrc = n - 14 >= 16;
      expect([srcAddrString(p), dstAddrString(p), p.ipProto], `ip bytes ${n - 14}`).toEqual([
        hasSrc ? "10.0.0.1" : "",
        "",
        hasSrc ? 17 : -1,
      ]);
    }
  });
  it("bad version", () => {
    const f = eth(0x800, ip4(6, tcp()));
    f[14] = 0x55; // bad/ipv4-malformed.pcap frame 2 starts its IP header with 0x55
    expect([eventName(decode(f, ETH)), decode(f, ETH).ipVersion]).toEqual(["IPV4_BAD_VERSION", 0]);
  });
  it("fragments: only offset 0 carries ports", () => {
    const first = decode(eth(0x800, ip4(6, tcp(), { frag: 0x2000 })), ETH);
    expect([first.srcPort, first.moreFragments, first.fragOffset, first.layers & Layer.FRAGMENT]).toEqual([
      1234, 1, 0, 0,
    ]);
    const later = decode(eth(0x800, ip4(6, tcp(), { frag: 0x0001 })), ETH);
    expect([later.ipProto, later.srcPort, later.dstPort, later.tcpFlags, later.fragOffset]).toEqual([
      6, -1, -1, -1, 8,
    ]);
    expect(later.layers & Layer.FRAGMENT).toBe(Layer.FRAGMENT);
    expect([later.payloadOff, later.payloadLen]).toEqual([34, 20]);
    // A first UDP fragment's length covers the whole datagram: not a bad length.
    const udpFirst = decode(eth(0x800, ip4(17, udp(text(8), 1480), { frag: 0x2000 })), ETH);
    expect([eventName(udpFirst), udpFirst.srcPort]).toEqual(["", 53]);
  });
  it("IPv4 header fields", () => {
    const p = decode(eth(0x800, ip4(6, tcp(), { frag: 0x4000 })), ETH);
    expect([p.ipTtl, p.ipId, p.ipTotalLen, p.l3Off, p.fragOffset, p.moreFragments]).toEqual([
      64, 1, 40, 14, 0, 0,
    ]);
  });
  it("tunnels are not decoded into: the outer header is reported", () => {
    // IP-in-IP (4): tshark shows the inner TCP ports, pfw reports the outer protocol only.
    const p = decode(eth(0x800, ip4(4, ip4(6, tcp()))), ETH);
    expect([p.ipProto, p.srcPort, p.tcpFlags, p.payloadOff, p.payloadLen]).toEqual([4, -1, -1, 34, 40]);
    // traffic/vxlan.pcap frame 1: outer UDP 45149 -> 4789 carrying Ethernet/IPv4/ICMP.
    const vx = hex(
      "00163e0871cf36dc851eb340080045000086d2c0400040115152c0a8cb01c0a8ca01b05d12b500720000080000000000640000308801" +
        "000200163e37f604080045000054000040004001234fc0a8cb03c0a8cb050800f6f2050c0001fce2975100000000a6f80200000000" +
        "00101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637",
    );
    const v = decode(vx, ETH);
    expect([srcAddrString(v), dstAddrString(v), v.ipProto, v.srcPort, v.dstPort, v.icmpType]).toEqual([
      "192.168.203.1",
      "192.168.202.1",
      17,
      45149,
      4789,
      -1,
    ]);
  });
});

describe("IPv6", () => {
  // traffic/ICMPv6_echos.cap frame 1: 2001:db8:0:12::1 -> 2001:db8:0:12::2, ICMPv6 echo request (128)
  const echo = hex(
    "c20151fa0000c20051fa000086dd60000000003c3a4020010db800000012000000000000000120010db8000000120000000000000002" +
      "8000863c110d0000000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d" +
      "2e2f30313233",
  );
  it("real ICMPv6 echo", () => {
    const p = decode(echo, ETH);
    expect([srcAddrString(p), dstAddrString(p), p.ipProto, p.icmpType, p.icmpCode, eventName(p)]).toEqual([
      "2001:db8:0:12::1",
      "2001:db8:0:12::2",
      58,
      128,
      0,
      "",
    ]);
    expect([p.ipTotalLen, p.ipTtl, p.payloadOff, p.payloadLen]).toEqual([100, 64, 58, 56]);
    const ev = expectPrefixesSafe(echo, ETH);
    expect(ev.slice(14, 54).every((e) => e === "IPV6_TRUNCATED")).toBe(true);
    expect(ev[54]).toBe("ICMPV6_TRUNCATED");
  });
  const hbh = (nh: number) => hex(`${nh.toString(16).padStart(2, "0")}00 0104 00000000`); // PadN, 8 bytes
  it("extension headers hop-by-hop, routing, destination options, AH, then TCP", () => {
    const chain = cat(
      hex("2b00 0104 00000000"), // hop-by-hop -> routing (43)
      hex("3c00 0000 00000000"), // routing -> dest opts (60)
      hex("3300 0104 00000000"), // dest opts -> AH (51)
      hex("0601 00000000000000000000"), // AH, length 1 -> 12 bytes, -> TCP
      tcp(),
    );
    const p = decode(eth(0x86dd, ip6(0, chain)), ETH);
    expect([eventName(p), p.ipProto, p.srcPort, p.dstPort, p.tcpFlags, p.l4Off]).toEqual([
      "",
      6,
      1234,
      80,
      0x18,
      14 + 40 + 36,
    ]);
    const ev = expectPrefixesSafe(eth(0x86dd, ip6(0, chain)), ETH);
    expect(ev.slice(54, 90).every((e) => e === "IPV6_EXTHDR_TRUNCATED")).toBe(true);
  });
  it("hop-by-hop options: one spilling past its header but not past the payload is tolerated, as in Wireshark", () => {
    // HBH (len 0 = 8 bytes): Pad1 x5, then PadN whose length byte is the next header's first byte.
    const spill = decode(eth(0x86dd, ip6(0, cat(hex("1100 0000 0000 0001"), udp(text(4))))), ETH);
    expect([eventName(spill), spill.ipProto, spill.srcPort]).toEqual(["", 17, 53]);
    // Option 0x02 of length 0xd0 runs past the end of the packet: tshark reports it malformed, no UDP.
    const bad = decode(eth(0x86dd, ip6(0, cat(hex("1100 02d0 0000 0000"), udp(text(4))))), ETH);
    expect([eventName(bad), bad.srcPort, bad.ipVersion]).toEqual(["IPV6_OPT_INVALID", -1, 6]);
  });
  it("fragment header: the first fragment decodes ports, a later one does not", () => {
    const first = decode(eth(0x86dd, ip6(44, cat(hex("0600 0001 00000007"), tcp()))), ETH);
    expect([first.srcPort, first.tcpFlags, first.moreFragments, first.ipId]).toEqual([1234, 0x18, 1, 7]);
    const later = decode(eth(0x86dd, ip6(44, cat(hex("0600 0009 00000007"), tcp()))), ETH);
    expect([later.ipProto, later.srcPort, later.fragOffset, later.layers & Layer.FRAGMENT]).toEqual([
      6,
      -1,
      8,
      Layer.FRAGMENT,
    ]);
  });
  it("a header cut short after the source address (24 bytes): source and next header shown", () => {
    const f = eth(0x86dd, ip6(17, udp(text(4))));
    for (let n = 14; n < 54; n++) {
      const p = decode(f.subarray(0, n), ETH);
      const hasSrc = n - 14 >= 24;
      expect([srcAddrString(p), dstAddrString(p), p.ipProto], `ip bytes ${n - 14}`).toEqual([
        hasSrc ? "::1" : "",
        "",
        hasSrc ? 17 : -1,
      ]);
      expect(p.layers & Layer.IPV6).toBe(0);
    }
  });
  it("payload length 0 leaves no transport (tshark shows no ports)", () => {
    const p = decode(eth(0x86dd, ip6(6, tcp(), 0)), ETH);
    expect([p.ipProto, p.srcPort, eventName(p)]).toEqual([6, -1, "TCP_TRUNCATED"]);
  });
  it("no next header (59)", () => {
    const p = decode(eth(0x86dd, ip6(0, cat(hex("3b00 0104 00000000"), text(8)))), ETH);
    expect([p.ipProto, p.l4Off, eventName(p)]).toEqual([59, -1, ""]);
  });
  it(`at most IPV6_MAX_EXTHDRS (${IPV6_MAX_EXTHDRS}) extension headers`, () => {
    const many = (n: number) => {
      const parts: Uint8Array[] = [];
      for (let i = 0; i < n; i++) parts.push(hbh(i === n - 1 ? 17 : 60));
      return eth(0x86dd, ip6(60, cat(...parts, udp(text(2)))));
    };
    // traffic/ipv6_ext_headers.pcap chains 100 headers and tshark decodes its UDP ports
    expect(decode(many(100), ETH).srcPort).toBe(53);
    expect(decode(many(IPV6_MAX_EXTHDRS), ETH).srcPort).toBe(53);
    const p = decode(many(IPV6_MAX_EXTHDRS + 1), ETH);
    expect([eventName(p), p.srcPort, p.ipVersion]).toEqual(["IPV6_TOO_MANY_EXTHDRS", -1, 6]);
  });
  it("bad version", () => {
    const f = eth(0x86dd, ip6(6, tcp()));
    f[14] = 0x45;
    expect(eventName(decode(f, ETH))).toBe("IPV6_BAD_VERSION");
  });
});
