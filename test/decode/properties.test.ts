/**
 * Property tests (fast-check): whatever the bytes, decodeFrame never throws, every offset it
 * leaves stays within [off, end], and it reads nothing outside the frame: decoding the frame in
 * place (followed by the rest of the real packet, or by random bytes) and decoding a copy
 * surrounded by other bytes give identical results.
 */
import fc from "fast-check";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CORPUS } from "../helpers/corpus.js";
import { decodeIsolated, hex } from "./helpers.js";
import { readFrames, type MiniFrame } from "./mini-reader.js";

const LINKTYPES = [0, 1, 9, 12, 14, 50, 101, 104, 105, 108, 113, 117, 119, 127, 163, 192, 228, 229, 239, 276];

/** Assert the three guarantees for buf[off, end). */
function check(buf: Uint8Array, off: number, end: number, lt: number, fill: number): void {
  const r = decodeIsolated(buf, off, end, lt, fill);
  expect(r.problems).toEqual([]);
  expect(r.copied).toEqual(r.inPlace);
}

/** Link-layer prefixes that steer random bytes into the deeper decoders. */
const PREFIXES: [number, string][] = [
  [1, "020202020202 040404040404 0800 45"],
  [1, "020202020202 040404040404 86dd 60"],
  [1, "020202020202 040404040404 8100 0001 0800 4f"],
  [1, "020202020202 040404040404 88a8 0001 8100 0002 86dd 60"],
  [1, "020202020202 040404040404 8847"],
  [1, "020202020202 040404040404 8864 1100 0001 0040 0021 46"],
  [1, "020202020202 040404040404 0806"],
  [228, "4500"],
  [228, "4f00"],
  [229, "6000000000"],
  [229, "600000000030 00"],
  [229, "600000000030 2c"],
  [105, "8803 0000"],
  [105, "0800 0000 020000000001 020000000002 020000000003 1000 aaaa03000000"],
  [127, "0000 1200 03000000 0000000000000000 10 00 8800"],
  [127, "0000 0d00 02000080 00000000 30 8883"],
  [0, "1e000000 60"],
  [113, "0000 0001 0006 0000000000000000 0800 45"],
  [276, "86dd 0000 00000001 0001 00 06 0000000000000000 60"],
  [239, "0200 0001 0800 0100 0800 0300"],
  [239, "0a00 0001 0008 0001 86dd 0300 0038 0009 60"],
  [239, "0200 0001 4000 0900 45"],
  [117, "3d02 0000" + "00".repeat(60) + "45"],
  [117, "3d18 0000" + "00".repeat(60) + "60"],
  [9, "ff03 0021 45"],
  [50, "ff03 57 60"],
  [9, "ff03 0281"],
  [104, "0f00 0800 45"],
  [104, "8f00 8847"],
  [
    163,
    "80211001 00000040" +
      "00".repeat(56) +
      "0801 0000 020000000001 020000000002 020000000003 1000 aaaa03000000",
  ],
  [119, "44000000 90000000" + "00".repeat(136) + "8803 0000"],
  [119, "80211002 00000008 0801"],
  [192, "0000 0800 69000000 0801 0000 020000000001 020000000002 020000000003 1000 aaaa03000000"],
  [192, "0000 2000 69000000 0200 1400 0000000000000000 0100 0200 8509 a000 0000 d8a6"],
  [192, "0000 0800 01000000 020202020202 040404040404 0800 45"],
];

describe("random bytes", () => {
  it("every supported link type (and unsupported ones): no throw, in bounds, no read outside", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LINKTYPES, 253, 9999),
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 16 }),
        fc.uint8Array({ maxLength: 16 }),
        fc.integer({ min: 0, max: 255 }),
        (lt, frame, before, after, fill) => {
          const buf = new Uint8Array(before.length + frame.length + after.length);
          buf.set(before, 0);
          buf.set(frame, before.length);
          buf.set(after, before.length + frame.length);
          check(buf, before.length, before.length + frame.length, lt, fill);
        },
      ),
      { numRuns: 3000 },
    );
  });
  it("random bytes after valid link/network prefixes reach the deeper decoders safely", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PREFIXES),
        fc.uint8Array({ maxLength: 120 }),
        fc.uint8Array({ minLength: 1, maxLength: 8 }),
        ([lt, prefix], tail, after) => {
          const p = hex(prefix);
          const buf = new Uint8Array(p.length + tail.length + after.length);
          buf.set(p, 0);
          buf.set(tail, p.length);
          buf.set(after, p.length + tail.length);
          check(buf, 0, p.length + tail.length, lt, (after[0] as number) ^ 0xff);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

/** Real frames from small corpus captures covering every link type and encapsulation. */
function realFrames(): MiniFrame[] {
  const files = [
    "traffic/TcpPacketWithOptions.pcap",
    "traffic/ipv4-options.pcap",
    "traffic/ip4_fragments.pcap",
    "traffic/ip6_fragments.pcap",
    "traffic/ipv6_ext_headers.pcap",
    "traffic/ipv6-srh-ext-header.pcap",
    "traffic/ipv6_options.pcap",
    "traffic/IcmpPackets.pcap",
    "traffic/icmpv6.pcap",
    "traffic/MplsPackets.pcap",
    "traffic/QinQ_802.1_AD.pcapng",
    "traffic/VlanPackets.pcap",
    "traffic/GrePackets.cap",
    "traffic/vxlan.pcap",
    "traffic/icmp_dot1q.pcap",
    "linktypes/null_loopback.pcap",
    "linktypes/gopacket-test_loopback.pcap",
    "linktypes/sll2.pcap",
    "linktypes/linux_dlt_sll2.pcap",
    "linktypes/tcp-handshake-nano.pcap",
    "linktypes/raw_ip.pcap",
    "linktypes/four_ipv6_http_streams.pcap",
    "linktypes/LINKTYPE_IPV4.pcap",
    "linktypes/linktype_ipv6.pcap",
    "linktypes/wpa-Induction.pcap",
    "linktypes/Network_Join_Nokia_Mobile.pcap",
    "bad/ip_ts_opts_asan.pcap",
    "bad/tcp_header_heapoverflow.pcap",
    "bad/ipv4-malformed.pcap",
  ];
  const out: MiniFrame[] = [];
  for (const f of files) out.push(...readFrames(path.join(CORPUS, f), 8));
  return out;
}

describe("truncated and mutated real packets", () => {
  const frames = realFrames();
  it("the corpus frames were found", () => {
    expect(frames.length).toBeGreaterThan(120);
    expect(new Set(frames.map((f) => f.linktype))).toEqual(
      new Set([0, 1, 12, 101, 105, 113, 127, 228, 229, 276]),
    );
  });
  it("every frame decoded whole and at every truncation: no throw, in bounds, no read past the cut", () => {
    for (const f of frames) {
      const step = f.caplen > 200 ? 7 : 1;
      for (let n = 0; n <= f.caplen; n += n < 80 ? 1 : step) check(f.buf, f.off, f.off + n, f.linktype, 0xa5);
    }
  });
  it("random byte mutations, truncations and link types", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: frames.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.boolean(),
        fc.constantFrom(...LINKTYPES),
        (i, muts, cut, otherLt, lt) => {
          const f = frames[i] as MiniFrame;
          const copy = f.buf.slice(f.off, f.off + f.caplen);
          // mutate mostly in the first 80 bytes, where the headers are
          for (const [pos, v] of muts) if (copy.length) copy[pos % Math.min(copy.length, 80)] = v;
          const end = copy.length ? cut % (copy.length + 1) : 0;
          check(copy, 0, end, otherLt ? lt : f.linktype, 0x00);
        },
      ),
      { numRuns: 4000 },
    );
  });
});
