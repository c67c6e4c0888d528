/**
 * Synthetic mixed captures for the benchmarks and the tests: TCP/UDP/ICMP over IPv4, IPv6, and
 * 802.1Q-tagged frames, built with test/support/packet.ts.
 * Guarantees: deterministic for a given seed (bench/ caches generated files by name); streams to disk
 * through PcapWriter's one buffer, so memory is independent of nPackets (packets are prebuilt templates per
 * flow, only timestamps change per record).
 */
import {
  TCP_ACK,
  TCP_PSH,
  TCP_SYN,
  ethernet,
  icmp,
  icmpv6,
  ipv4,
  ipv6,
  prng,
  randomBytes,
  tcp,
  udp,
} from "../test/support/packet.js";
import { PcapWriter } from "../src/capture/writer.js";

/** Options of generateMixedCapture. */
export interface SynthOptions {
  /** Number of distinct flows (default 1024). */
  flows?: number;
  /** PRNG seed (default 1). */
  seed?: number;
  /** First timestamp, epoch seconds (default 1700000000). */
  startSec?: number;
  /** Payload bytes per flow, drawn uniformly in [min, max] (default 16-216; e.g. 16-1400 for MTU-size data). */
  payload?: { min: number; max: number };
}

/** Summary of a generated capture. */
export interface SynthResult {
  /** Records written. */
  packets: number;
  /** File size in bytes. */
  bytes: number;
}

const MAC_A = "02:00:00:00:00:01";
const MAC_B = "02:00:00:00:00:02";

function buildTemplates(
  flows: number,
  rnd: () => number,
  payloadSize: { min: number; max: number },
): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let f = 0; f < flows; f++) {
    const a4 = `10.${(f >> 8) & 255}.${f & 255}.${1 + (f % 250)}`;
    const b4 = `192.0.2.${1 + (f % 254)}`;
    const a6 = `2001:db8:1::${(f + 1).toString(16)}`;
    const b6 = `2001:db8:2::${(f + 7).toString(16)}`;
    const sport = 1024 + ((f * 7919) % 60000);
    const payload = randomBytes(rnd, payloadSize.min + ((rnd() * (payloadSize.max - payloadSize.min)) | 0));
    let pkts: Uint8Array[];
    switch (f % 8) {
      case 0:
      case 1:
      case 2: {
        const dport = [443, 80, 22][f % 3]!;
        pkts = [
          ethernet(
            MAC_A,
            MAC_B,
            0x0800,
            ipv4(
              { src: a4, dst: b4, proto: 6 },
              tcp({ src: a4, dst: b4, sport, dport, flags: TCP_SYN, mss: 1460 }),
            ),
          ),
          ethernet(
            MAC_B,
            MAC_A,
            0x0800,
            ipv4(
              { src: b4, dst: a4, proto: 6 },
              tcp(
                { src: b4, dst: a4, sport: dport, dport: sport, flags: TCP_ACK | TCP_PSH, seq: 1, ack: 1 },
                payload,
              ),
            ),
          ),
          ethernet(
            MAC_A,
            MAC_B,
            0x0800,
            ipv4(
              { src: a4, dst: b4, proto: 6 },
              tcp({ src: a4, dst: b4, sport, dport, flags: TCP_ACK, seq: 1, ack: 1 + payload.length }),
            ),
          ),
        ];
        break;
      }
      case 3:
        pkts = [
          ethernet(
            MAC_A,
            MAC_B,
            0x0800,
            ipv4({ src: a4, dst: b4, proto: 17 }, udp(a4, b4, sport, 53, payload.subarray(0, 40))),
          ),
          ethernet(
            MAC_B,
            MAC_A,
            0x0800,
            ipv4({ src: b4, dst: a4, proto: 17 }, udp(b4, a4, 53, sport, payload)),
          ),
        ];
        break;
      case 4:
        pkts = [
          ethernet(
            MAC_A,
            MAC_B,
            0x0800,
            ipv4({ src: a4, dst: b4, proto: 1 }, icmp(8, 0, f & 0xffff, 1, payload.subarray(0, 56))),
          ),
          ethernet(
            MAC_B,
            MAC_A,
            0x0800,
            ipv4({ src: b4, dst: a4, proto: 1 }, icmp(0, 0, f & 0xffff, 1, payload.subarray(0, 56))),
          ),
        ];
        break;
      case 5:
        pkts = [
          ethernet(
            MAC_A,
            MAC_B,
            0x86dd,
            ipv6(
              { src: a6, dst: b6, nextHeader: 6 },
              tcp({ src: a6, dst: b6, sport, dport: 443, flags: TCP_SYN, mss: 1440 }),
            ),
          ),
          ethernet(
            MAC_B,
            MAC_A,
            0x86dd,
            ipv6(
              { src: b6, dst: a6, nextHeader: 6 },
              tcp(
                { src: b6, dst: a6, sport: 443, dport: sport, flags: TCP_ACK | TCP_PSH, seq: 1, ack: 1 },
                payload,
              ),
            ),
          ),
        ];
        break;
      case 6:
        pkts = [
          ethernet(
            MAC_A,
            MAC_B,
            0x0800,
            ipv4({ src: a4, dst: b4, proto: 17 }, udp(a4, b4, sport, 5060, payload)),
            100 + (f % 50),
          ),
          ethernet(
            MAC_B,
            MAC_A,
            0x0800,
            ipv4(
              { src: b4, dst: a4, proto: 6 },
              tcp({ src: b4, dst: a4, sport: 8080, dport: sport, flags: TCP_ACK, seq: 1, ack: 1 }),
            ),
            100 + (f % 50),
          ),
        ];
        break;
      default:
        pkts = [
          ethernet(
            MAC_A,
            MAC_B,
            0x86dd,
            ipv6({ src: a6, dst: b6, nextHeader: 17 }, udp(a6, b6, sport, 443, payload)),
          ),
          ethernet(
            MAC_B,
            MAC_A,
            0x86dd,
            ipv6(
              { src: b6, dst: a6, nextHeader: 58 },
              icmpv6(b6, a6, 129, 0, f & 0xffff, 1, payload.subarray(0, 32)),
            ),
          ),
        ];
    }
    out.push(...pkts);
  }
  return out;
}

/** Write a classic pcap (nanosecond) of nPackets mixed packets to path, streaming. */
export function generateMixedCapture(path: string, nPackets: number, opts: SynthOptions = {}): SynthResult {
  const rnd = prng(opts.seed ?? 1);
  const templates = buildTemplates(
    Math.max(1, opts.flows ?? 1024),
    rnd,
    opts.payload ?? { min: 16, max: 216 },
  );
  const w = new PcapWriter(path, { linktype: 1, nanosecond: true, bufferSize: 4 * 1024 * 1024 });
  let sec = opts.startSec ?? 1700000000;
  let ns = 0;
  let bytes = 24;
  // deterministic, cheap per-packet choice: LCG over template indices
  let x = (opts.seed ?? 1) >>> 0;
  const nt = templates.length;
  try {
    for (let i = 0; i < nPackets; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      const t = templates[x % nt]!;
      ns += 1000 + (x & 0x3fff);
      if (ns >= 1e9) {
        sec++;
        ns -= 1e9;
      }
      w.writeRecord(t, 0, t.length, t.length, sec, ns);
      bytes += 16 + t.length;
    }
  } finally {
    w.close();
  }
  return { packets: nPackets, bytes };
}
