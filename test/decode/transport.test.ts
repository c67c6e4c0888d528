/**
 * TCP, UDP, ICMP, ICMPv6. The boundaries (how many captured bytes show ports, flags, types) were
 * measured with tshark 4.0 on truncated copies of these packets; pfw reports the same fields.
 */
import { describe, expect, it } from "vitest";
import { srcAddrString } from "../../src/decode/format.js";
import { Layer } from "../../src/decode/packet.js";
import { eth, ip4, ip6, tcp, text, udp } from "./build.js";
import { decode, eventName, expectPrefixesSafe, hex } from "./helpers.js";

const ETH = 1;

describe("TCP", () => {
  // traffic/TcpPacketWithOptions.pcap frame 1 (first 80 bytes, IP total length patched to 66):
  // 10.0.0.6:44147 -> 212.199.202.9:80, data offset 8 (NOP NOP timestamp), flags PSH|ACK = 0x0018.
  const real = hex(
    "30469a23fbfa 080027191c78 0800 4500 0042 3776 4000 4006 5754 0a000006 d4c7ca09" +
      "ac73 0050 2e50cd6e e02e1aa9 8018 0391 ac20 0000 0101080a0002fa1ed3f01f77 474554202f20485454502f312e310d0a",
  );
  it("real TCP segment with options", () => {
    const p = decode(real, ETH);
    expect([srcAddrString(p), p.srcPort, p.dstPort, p.tcpFlags, eventName(p)]).toEqual([
      "10.0.0.6",
      44147,
      80,
      0x18,
      "",
    ]);
    expect([p.tcpSeq, p.tcpAck, p.tcpWindow]).toEqual([0x2e50cd6e, 0xe02e1aa9, 0x391]);
    expect([p.l4Off, p.payloadOff, p.payloadLen]).toEqual([34, 66, 14]);
    expect(p.layers & Layer.TCP).toBe(Layer.TCP);
  });
  it("every shorter length: ports from 4 bytes, flags from 16 bytes, as tshark", () => {
    const ev = expectPrefixesSafe(real, ETH);
    for (let n = 34; n < 66; n++) {
      const p = decode(real.subarray(0, n), ETH);
      const tcpLen = n - 34;
      expect(p.srcPort, `tcp bytes ${tcpLen}`).toBe(tcpLen >= 4 ? 44147 : -1);
      expect(p.tcpFlags, `tcp bytes ${tcpLen}`).toBe(tcpLen >= 16 ? 0x18 : -1);
      expect(ev[n]).toBe(tcpLen < 20 ? "TCP_TRUNCATED" : "TCP_HLEN_TOO_LARGE");
    }
    expect(ev.slice(66).every((e) => e === "")).toBe(true);
  });
  it("data offset < 5: ports but no flags (bad/tcp_header_heapoverflow.pcap shows the same)", () => {
    const p = decode(eth(0x800, ip4(6, tcp(0x012, { doff: 4 }))), ETH);
    expect([eventName(p), p.srcPort, p.dstPort, p.tcpFlags]).toEqual(["TCP_HLEN_TOO_SMALL", 1234, 80, -1]);
  });
  it("data offset past the captured bytes: flags shown, no payload", () => {
    const p = decode(eth(0x800, ip4(6, tcp(0x012, { doff: 15 }))), ETH);
    expect([eventName(p), p.tcpFlags, p.payloadOff]).toEqual(["TCP_HLEN_TOO_LARGE", 0x12, -1]);
  });
  it("flags are the low 12 bits (NS/AE bit included)", () => {
    expect(decode(eth(0x800, ip4(6, tcp(0x1ff))), ETH).tcpFlags).toBe(0x1ff);
    const f = eth(0x800, ip4(6, tcp(0x0c2)));
    f[14 + 20 + 12] = (f[14 + 20 + 12] as number) | 0x0e; // reserved bits
    expect(decode(f, ETH).tcpFlags).toBe(0xec2);
  });
});

describe("UDP", () => {
  const f = eth(0x800, ip4(17, udp(text(10))));
  it("ports, payload, every shorter length", () => {
    const p = decode(f, ETH);
    expect([p.srcPort, p.dstPort, p.payloadOff, p.payloadLen, eventName(p)]).toEqual([53, 5353, 42, 10, ""]);
    const ev = expectPrefixesSafe(f, ETH);
    for (let n = 34; n < 42; n++) {
      expect(ev[n]).toBe("UDP_TRUNCATED");
      expect(decode(f.subarray(0, n), ETH).srcPort).toBe(n - 34 >= 4 ? 53 : -1);
    }
  });
  it("length field < 8 or past the IP payload: flagged, ports kept", () => {
    for (const ulen of [3, 100]) {
      const p = decode(eth(0x800, ip4(17, udp(text(4), ulen))), ETH);
      expect([eventName(p), p.srcPort, p.payloadLen]).toEqual(["UDP_BAD_LENGTH", 53, 4]);
    }
  });
  it("length field shorter than the IP payload bounds the payload", () => {
    const p = decode(eth(0x800, ip4(17, udp(text(10), 12))), ETH);
    expect([eventName(p), p.payloadLen]).toEqual(["", 4]);
  });
});

describe("ICMP", () => {
  // traffic/IcmpPackets.pcap frame 1: 10.1.22.2 -> 224.0.0.2, type 10 (router solicitation), + Ethernet padding
  const real = hex(
    "01005e000002 00006510221b 0800 4500001c5f0100008001dbda0a011602e0000002 0a00f5ff00000000" +
      "0000000000000000000000000000000000000000000054ae33e8",
  );
  it("real ICMP and every shorter length (tshark shows the type from 6 bytes on, for every type)", () => {
    const p = decode(real, ETH);
    expect([p.ipProto, p.icmpType, p.icmpCode, p.payloadLen, eventName(p)]).toEqual([1, 10, 0, 0, ""]);
    const ev = expectPrefixesSafe(real, ETH);
    expect(ev.slice(34, 42).every((e) => e === "ICMP_TRUNCATED")).toBe(true);
    for (let n = 34; n < 42; n++)
      expect(decode(real.subarray(0, n), ETH).icmpType).toBe(n - 34 >= 6 ? 10 : -1);
  });
  it("ports inside an ICMP error's quoted datagram are not the packet's ports", () => {
    // destination unreachable quoting IPv4/UDP 53 -> 5353
    const p = decode(
      eth(0x800, ip4(1, new Uint8Array([3, 3, 0, 0, 0, 0, 0, 0, ...ip4(17, udp(text(2)))]))),
      ETH,
    );
    expect([p.icmpType, p.icmpCode, p.srcPort, p.dstPort, p.ipProto, srcAddrString(p)]).toEqual([
      3,
      3,
      -1,
      -1,
      1,
      "10.0.0.1",
    ]);
    expect(p.payloadOff).toBe(42);
  });
});

describe("ICMPv6", () => {
  it("type from the first byte (tshark shows icmpv6.type with 1 byte), code from the second", () => {
    const f = eth(0x86dd, ip6(58, hex("8000 1234 0001 0001")));
    for (let n = 54; n < 58; n++) {
      const p = decode(f.subarray(0, n), ETH);
      expect([p.icmpType, eventName(p)]).toEqual([n > 54 ? 128 : -1, "ICMPV6_TRUNCATED"]);
      expect(p.icmpCode).toBe(n > 55 ? 0 : -1);
    }
    expect(eventName(decode(f, ETH))).toBe("");
  });
});
