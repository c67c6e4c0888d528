/** rules/default.json does what rules/README.md says, for typical packets of a personal machine. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileRules } from "../../src/rules/compile.js";
import { interpretRules } from "../../src/rules/interpret.js";
import { loadRuleFile } from "../../src/rules/load.js";
import type { Ruleset } from "../../src/rules/types.js";
import { pkt, type PacketSpec } from "./helpers.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const rs = loadRuleFile(path.join(repoRoot, "rules/default.json")).ruleset as Ruleset;
const c = compileRules(rs);

function decide(spec: PacketSpec): string {
  const p = pkt(spec);
  const idx = c.match(p);
  expect(idx).toBe(interpretRules(rs, p));
  return `${c.verdictOf(idx)} ${c.idOf(idx)}`;
}

const ME = "192.168.1.10";
const NET = "203.0.113.7";
const TCP = 6;
const UDP = 17;

describe("rules/default.json", () => {
  it("blocks dangerous inbound services from outside, not from the LAN", () => {
    expect(decide({ src: NET, dst: ME, proto: TCP, sport: 50000, dport: 23 })).toBe("BLOCKED in-telnet");
    expect(decide({ src: NET, dst: ME, proto: TCP, sport: 50000, dport: 445 })).toBe("BLOCKED in-smb");
    expect(decide({ src: NET, dst: ME, proto: UDP, sport: 50000, dport: 137 })).toBe("BLOCKED in-smb");
    expect(decide({ src: NET, dst: ME, proto: TCP, sport: 50000, dport: 3389 })).toBe("BLOCKED in-rdp");
    expect(decide({ src: NET, dst: ME, proto: TCP, sport: 50000, dport: 5901 })).toBe("BLOCKED in-vnc");
    expect(decide({ src: NET, dst: ME, proto: TCP, sport: 50000, dport: 3306 })).toBe("BLOCKED in-databases");
    expect(decide({ src: "192.168.1.20", dst: ME, proto: TCP, sport: 50000, dport: 445 })).toBe(
      "ALLOWED default",
    );
  });

  it("alerts on inbound SSH and suspicious outbound traffic", () => {
    expect(decide({ src: NET, dst: ME, proto: TCP, sport: 50000, dport: 22 })).toBe("ALERT in-ssh");
    expect(decide({ src: ME, dst: NET, proto: TCP, sport: 50000, dport: 25 })).toBe("ALERT out-smtp");
    expect(decide({ src: ME, dst: NET, proto: TCP, sport: 50000, dport: 6667 })).toBe("ALERT out-irc");
    expect(decide({ src: ME, dst: NET, proto: TCP, sport: 50000, dport: 587 })).toBe("ALLOWED default");
  });

  it("allows DNS, web, NTP and their replies; LAN discovery; ICMPv6", () => {
    expect(decide({ src: ME, dst: "8.8.8.8", proto: UDP, sport: 53000, dport: 53 })).toBe("ALLOWED dns");
    expect(decide({ src: "8.8.8.8", dst: ME, proto: UDP, sport: 53, dport: 53000 })).toBe(
      "ALLOWED dns-reply",
    );
    expect(decide({ src: ME, dst: NET, proto: TCP, sport: 50000, dport: 443 })).toBe("ALLOWED web");
    expect(decide({ src: NET, dst: ME, proto: TCP, sport: 443, dport: 50000 })).toBe("ALLOWED web-reply");
    expect(decide({ src: ME, dst: NET, proto: UDP, sport: 123, dport: 123 })).toBe("ALLOWED ntp");
    expect(decide({ src: ME, dst: "224.0.0.251", proto: UDP, sport: 5353, dport: 5353 })).toBe(
      "ALLOWED local-multicast",
    );
    expect(decide({ src: "fe80::1", dst: "ff02::1", proto: 58 })).toBe("ALLOWED local-multicast");
    expect(decide({ src: "2001:db8::1", dst: "fe80::2", proto: 58 })).toBe("ALLOWED icmpv6");
  });

  it("logs unsolicited inbound traffic as UNKNOWN", () => {
    expect(decide({ src: NET, dst: ME, proto: 1 })).toBe("UNKNOWN in-ping");
    expect(decide({ src: NET, dst: ME, proto: TCP, sport: 50000, dport: 8080 })).toBe("UNKNOWN in-other");
    expect(decide({ src: NET, dst: ME, proto: TCP, sport: 443, dport: 80 })).toBe("UNKNOWN in-other");
  });
});
