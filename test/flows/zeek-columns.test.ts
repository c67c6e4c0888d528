/**
 * Zeek conn.log columns must mean what Zeek means (issue 10): orig_bytes / resp_bytes are payload bytes,
 * orig_ip_bytes / resp_ip_bytes IP bytes, local_orig / local_resp from the home networks, history Zeek's
 * letters in the order first seen. A hand-built TCP connection (handshake, data both ways, FINs) and a UDP
 * exchange, through the real `pfw scan`, with and without the fast path.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, pfw } from "../scan/cli-run.js";
import { ethernet, ipv4, payload, pcapFile, tcp, udp } from "../support/packet.js";

const A = "192.168.7.10";
const B = "203.0.113.80";
const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;
let dir = "";

/** One Ethernet/IPv4 frame. */
function frame(src: string, dst: string, proto: number, l4: Uint8Array): Uint8Array {
  return ethernet("02:00:00:00:00:01", "02:00:00:00:00:02", 0x0800, ipv4({ src, dst, proto }, l4));
}

beforeAll(() => {
  ensureBuilt();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pfw-zeek-"));
  const seg = (src: string, dst: string, sport: number, dport: number, flags: number, n = 0): Uint8Array =>
    frame(src, dst, 6, tcp({ src, dst, sport, dport, flags }, payload(n)));
  const packets = [
    seg(A, B, 40000, 80, SYN),
    seg(B, A, 80, 40000, SYN | ACK),
    seg(A, B, 40000, 80, ACK),
    seg(A, B, 40000, 80, ACK | PSH, 100), // request: 100 payload bytes
    seg(B, A, 80, 40000, ACK),
    seg(B, A, 80, 40000, ACK | PSH, 1000), // response: 1000 + 300
    seg(B, A, 80, 40000, ACK | PSH, 300),
    seg(A, B, 40000, 80, ACK),
    seg(A, B, 40000, 80, FIN | ACK),
    seg(B, A, 80, 40000, FIN | ACK),
    seg(A, B, 40000, 80, ACK),
    frame(A, B, 17, udp(A, B, 5000, 53, payload(30))),
    frame(B, A, 17, udp(B, A, 53, 5000, payload(70))),
  ];
  const file = pcapFile({
    records: packets.map((data, i) => ({ sec: 1_700_000_000, frac: i * 1000, data })),
  });
  fs.writeFileSync(path.join(dir, "conn.pcap"), file);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Row {
  proto: string;
  orig_bytes: number;
  resp_bytes: number;
  orig_ip_bytes: number;
  resp_ip_bytes: number;
  orig_pkts: number;
  resp_pkts: number;
  local_orig: boolean | null;
  local_resp: boolean | null;
  history: string;
  conn_state: string;
}

async function rows(extra: string[]): Promise<Row[]> {
  const json = path.join(dir, `r${extra.join("").replace(/[^a-z0-9]/gi, "_")}.json`);
  const allow = path.join(dir, "allow.json");
  fs.writeFileSync(allow, JSON.stringify({ version: 1, default: "allow", rules: [] }));
  const r = await pfw([
    "scan",
    path.join(dir, "conn.pcap"),
    "--rules",
    allow,
    "--all-flows",
    "-o",
    path.join(dir, "r.csv"),
    "--json",
    json,
    ...extra,
  ]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(fs.readFileSync(json, "utf8")) as { flows: Row[] }).flows;
}

describe("Zeek conn.log columns (issue 10)", () => {
  for (const extra of [[], ["--no-fast-path"]]) {
    it(`payload bytes, IP bytes, history and local_* ${extra.join(" ") || "(fast path)"}`, async () => {
      const got = await rows(["--home-net", "192.168.0.0/16", ...extra]);
      const t = got.find((f) => f.proto === "tcp")!;
      expect(t).toMatchObject({
        orig_bytes: 100,
        resp_bytes: 1300,
        orig_pkts: 6,
        resp_pkts: 5,
        // IP bytes: 20 (IPv4) + 20 (TCP) per packet, plus the payload
        orig_ip_bytes: 6 * 40 + 100,
        resp_ip_bytes: 5 * 40 + 1300,
        conn_state: "SF",
        local_orig: true,
        local_resp: false,
        history: "ShADadFf",
      });
      const u = got.find((f) => f.proto === "udp")!;
      expect(u).toMatchObject({
        orig_bytes: 30,
        resp_bytes: 70,
        orig_ip_bytes: 58,
        resp_ip_bytes: 98,
        history: "Dd",
      });
    });
  }

  it("local_orig / local_resp are empty without a home network", async () => {
    const got = await rows([]);
    for (const f of got) {
      expect(f.local_orig).toBeNull();
      expect(f.local_resp).toBeNull();
    }
  });
});
