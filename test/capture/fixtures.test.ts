/** fixtures/ is what scripts/gen-fixtures.ts generates (deterministic), and the example trace has its content. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { readCaptureFileSync } from "../../src/capture/reader.js";
import { generateFixtures, repoRoot } from "../../scripts/gen-fixtures.js";
import { FIXTURES, REPO } from "./helpers.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pfw-fixtures-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("fixtures", () => {
  it("committed fixtures equal a fresh generation (run `npm run fixtures` after changing the generator)", () => {
    expect(repoRoot()).toBe(REPO);
    const names = generateFixtures(tmp);
    let total = 0;
    for (const name of names) {
      const fresh = fs.readFileSync(path.join(tmp, name));
      const committed = fs.readFileSync(path.join(FIXTURES, name));
      total += committed.length;
      if (name.endsWith(".gz"))
        expect(zlib.gunzipSync(committed).equals(zlib.gunzipSync(fresh)), name).toBe(true);
      else expect(committed.equals(fresh), name).toBe(true);
    }
    expect(total).toBeLessThan(100_000);
  });

  it("example trace: home LAN, telnet/SMTP/HTTP/HTTPS, 10.0.0.5, ICMP, IPv6, ARP, VLAN, port sweep", () => {
    const ethertypes = new Set<number>();
    const v4 = new Set<string>();
    const dports = new Map<string, Set<number>>();
    const res = readCaptureFileSync(path.join(FIXTURES, "example.pcap"), (r) => {
      const b = r.buf;
      let o = r.off + 12;
      let et = (b[o]! << 8) | b[o + 1]!;
      ethertypes.add(et);
      if (et === 0x8100) {
        o += 4;
        et = (b[o]! << 8) | b[o + 1]!;
      }
      if (et !== 0x0800) return;
      const ip = o + 2;
      const proto = b[ip + 9]!;
      const src = `${b[ip + 12]}.${b[ip + 13]}.${b[ip + 14]}.${b[ip + 15]}`;
      v4.add(`${proto}:${src}`);
      if (proto === 6 || proto === 17) {
        const dport = (b[ip + 22]! << 8) | b[ip + 23]!;
        if (!dports.has(src)) dports.set(src, new Set());
        dports.get(src)!.add(dport);
      }
    });
    expect(res.error).toBeUndefined();
    expect(res.packets).toBeGreaterThanOrEqual(200);
    expect(res.packets).toBeLessThanOrEqual(500);
    expect([...ethertypes].sort()).toEqual([0x0800, 0x0806, 0x8100, 0x86dd]);
    expect(v4).toContain("1:192.168.1.23"); // ICMP pings
    expect(v4).toContain("6:10.0.0.5");
    const laptop = dports.get("192.168.1.23")!;
    for (const p of [53, 80, 443, 25]) expect(laptop).toContain(p);
    expect(dports.get("203.0.113.50")).toContain(23);
    expect(dports.get("198.51.100.99")!.size).toBe(20);
  });
});
