import { describe, expect, it } from "vitest";
import { TopTalkers } from "../../src/report/talkers.js";

describe("TopTalkers", () => {
  it("sums bytes per address, v4 and v6 apart, heaviest first", () => {
    const t = new TopTalkers(16);
    t.add(4, 0x0a000001, 0, 0, 0, 100);
    t.add(4, 0x0a000001, 9, 9, 9, 50); // extra words ignored for IPv4
    t.add(6, 0x20010db8, 0, 0, 1, 120);
    t.add(6, 0x0a000001, 0, 0, 0, 1); // same top word as the v4 address, still distinct
    expect(t.top(10)).toEqual([
      { addr: "10.0.0.1", bytes: 150 },
      { addr: "2001:db8::1", bytes: 120 },
      { addr: "a00:1::", bytes: 1 },
    ]);
  });

  it("stays bounded and keeps the heavy hitters exactly", () => {
    const t = new TopTalkers(64);
    for (let i = 0; i < 10_000; i++) {
      t.add(4, 0x0a000000 + i, 0, 0, 0, 1);
      t.add(4, 0xc0a80001, 0, 0, 0, 10);
      if (i % 2 === 0) t.add(4, 0xc0a80002, 0, 0, 0, 3);
      expect(t.size).toBeLessThanOrEqual(64);
    }
    expect(t.top(2)).toEqual([
      { addr: "192.168.0.1", bytes: 100_000 },
      { addr: "192.168.0.2", bytes: 15_000 },
    ]);
  });
});
