/** Shared helpers of the enforcement tests: Ruleset builders and network-namespace plumbing. */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseCidr } from "../../src/rules/addr.js";
import type { Cidr, Rule, Ruleset } from "../../src/rules/types.js";
import type { EnforceStatus } from "../../src/enforce/status.js";

/** Parse a CIDR or fail the test. */
export function cidr(text: string): Cidr {
  const c = parseCidr(text);
  if (c === null) throw new Error(`bad test cidr ${text}`);
  return c;
}

/** A rule with defaults (direction any, severity medium). */
export function rule(p: Partial<Rule> & Pick<Rule, "id" | "action">): Rule {
  return { direction: "any", severity: "medium", reason: p.id, path: `rules[${p.id}]`, ...p };
}

/** A native ruleset over both IP versions. */
export function ruleset(rules: Rule[], extra: Partial<Ruleset> = {}): Ruleset {
  return {
    format: "native",
    rules,
    defaultAction: "log",
    defaultReason: "no rule matched",
    ipVersions: [4, 6],
    homeNet: [],
    ...extra,
  };
}

/** Whether a program is on PATH. */
export function haveProgram(name: string): boolean {
  return spawnSync(name, ["--version"], { stdio: "ignore" }).error === undefined;
}

/** Run a command (argument array, no shell); throws with its stderr on a non-zero exit. */
export function sh(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", input, shell: false });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} -> ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Same, returning the status instead of throwing. */
export function shStatus(cmd: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", shell: false });
  return { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Ports and addresses of the two-namespace lab. Addresses live only inside the lab's namespaces. */
export const LAB = {
  a4: "10.77.0.1",
  b4: "10.77.0.2",
  b4bad: "10.77.0.3",
  a6: "fd77::1",
  b6: "fd77::2",
  b6bad: "fd77::3",
  tcpOk: 8080,
  tcpBlocked: 2323,
  /** Echo server: stands in for sshd in the SSH-guard tests. */
  tcpEcho: 2222,
  udpBlocked: 5353,
} as const;

const SERVER_JS = `
const net = require("node:net");
const dgram = require("node:dgram");
const ports = JSON.parse(process.argv[2]);
let ready = 0;
const done = () => { if (++ready === ports.tcp.length + 2) process.stdout.write("ready\\n"); };
for (const p of ports.tcp) net.createServer((s) => { s.on("error", () => {}); s.end("hi"); }).listen({ port: p, host: "::" }, done);
const u = dgram.createSocket({ type: "udp6", ipv6Only: false });
u.on("message", (m, r) => u.send(m, r.port, r.address));
u.bind(ports.udp, "::", done);
net.createServer((s) => { s.on("error", () => {}); s.pipe(s); }).listen({ port: ports.echo, host: "::" }, done);
`;

const HOLD_JS = `
const net = require("node:net");
const p = JSON.parse(process.argv[2]);
const s = net.connect({ host: p.host, port: p.port, localAddress: p.from });
s.on("error", (e) => { process.stdout.write("error:" + e.code + "\\n"); process.exit(0); });
s.on("connect", () => process.stdout.write("connected\\n"));
process.stdin.once("data", () => {
  const t = setTimeout(() => { process.stdout.write("timeout\\n"); process.exit(0); }, 1000);
  s.once("data", () => { clearTimeout(t); process.stdout.write("echo\\n"); process.exit(0); });
  s.write("ping");
});
`;

const CLIENT_JS = `
const net = require("node:net");
const dgram = require("node:dgram");
const probes = JSON.parse(process.argv[2]);
function tcp(p) {
  return new Promise((res) => {
    const s = net.connect({ host: p.host, port: p.port, localAddress: p.from, timeout: p.timeout });
    const t = setTimeout(() => { s.destroy(); res("timeout"); }, p.timeout);
    s.on("connect", () => { clearTimeout(t); s.destroy(); res("connected"); });
    s.on("error", (e) => { clearTimeout(t); res(e.code === "ECONNREFUSED" ? "refused" : "error:" + e.code); });
  });
}
function udp(p) {
  return new Promise((res) => {
    const u = dgram.createSocket(p.host.includes(":") ? "udp6" : "udp4");
    let replies = 0;
    u.on("message", () => { replies++; });
    u.bind(0, p.from, () => {
      for (let i = 0; i < p.count; i++) u.send(Buffer.from("probe" + i), p.port, p.host);
      setTimeout(() => { u.close(); res(replies); }, p.timeout);
    });
  });
}
(async () => {
  const out = [];
  for (const p of probes) out.push(p.kind === "tcp" ? await tcp(p) : await udp(p));
  process.stdout.write(JSON.stringify(out));
})();
`;

/** A probe run from namespace B. */
export type Probe =
  | { kind: "tcp"; host: string; port: number; from: string; timeout: number }
  | { kind: "udp"; host: string; port: number; from: string; count: number; timeout: number };

/**
 * Two namespaces joined by a veth pair: A (where pfw enforces, runs the servers) and B (client,
 * with a normal and a "bad" address per family). Static neighbour entries keep ARP/NDP out of
 * the counters.
 */
export class Lab {
  readonly nsA: string;
  readonly nsB: string;
  private readonly dir: string;
  private server: ReturnType<typeof spawn> | null = null;

  constructor(tag: string) {
    const id = process.pid % 10000;
    this.nsA = `pfwe-a${tag}-${id}`;
    this.nsB = `pfwe-b${tag}-${id}`;
    this.dir = mkdtempSync(path.join(os.tmpdir(), "pfwe-"));
  }

  /** Create namespaces, veth, addresses; start the servers in A. */
  async up(): Promise<void> {
    this.down();
    const id = process.pid % 10000;
    const va = `pfwea${id}`;
    const vb = `pfweb${id}`;
    sh("ip", ["netns", "add", this.nsA]);
    sh("ip", ["netns", "add", this.nsB]);
    sh("ip", ["link", "add", va, "netns", this.nsA, "type", "veth", "peer", "name", vb, "netns", this.nsB]);
    const macA = "02:77:00:00:00:01";
    const macB = "02:77:00:00:00:02";
    sh("ip", ["-n", this.nsA, "link", "set", va, "address", macA]);
    sh("ip", ["-n", this.nsB, "link", "set", vb, "address", macB]);
    for (const [ns, dev] of [
      [this.nsA, va],
      [this.nsB, vb],
    ] as const) {
      sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
      sh("ip", ["-n", ns, "link", "set", dev, "up"]);
    }
    sh("ip", ["-n", this.nsA, "addr", "add", `${LAB.a4}/24`, "dev", va]);
    sh("ip", ["-n", this.nsA, "addr", "add", `${LAB.a6}/64`, "dev", va, "nodad"]);
    for (const a of [LAB.b4, LAB.b4bad]) sh("ip", ["-n", this.nsB, "addr", "add", `${a}/24`, "dev", vb]);
    for (const a of [LAB.b6, LAB.b6bad])
      sh("ip", ["-n", this.nsB, "addr", "add", `${a}/64`, "dev", vb, "nodad"]);
    for (const a of [LAB.b4, LAB.b4bad, LAB.b6, LAB.b6bad]) {
      sh("ip", ["-n", this.nsA, "neigh", "replace", a, "lladdr", macB, "dev", va, "nud", "permanent"]);
    }
    for (const a of [LAB.a4, LAB.a6]) {
      sh("ip", ["-n", this.nsB, "neigh", "replace", a, "lladdr", macA, "dev", vb, "nud", "permanent"]);
    }
    const serverFile = path.join(this.dir, "server.cjs");
    writeFileSync(serverFile, SERVER_JS);
    writeFileSync(path.join(this.dir, "client.cjs"), CLIENT_JS);
    writeFileSync(path.join(this.dir, "hold.cjs"), HOLD_JS);
    const ports = JSON.stringify({
      tcp: [LAB.tcpOk, LAB.tcpBlocked],
      udp: LAB.udpBlocked,
      echo: LAB.tcpEcho,
    });
    const child = spawn("ip", ["netns", "exec", this.nsA, process.execPath, serverFile, ports], {
      stdio: ["ignore", "pipe", "inherit"],
      shell: false,
    });
    this.server = child;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("lab server did not start")), 10_000);
      child.stdout?.on("data", (b: Buffer) => {
        if (b.toString().includes("ready")) {
          clearTimeout(t);
          resolve();
        }
      });
      child.on("exit", (code) => reject(new Error(`lab server exited ${code}`)));
    });
  }

  /** Run probes from namespace B (or A, for loopback) sequentially and return their results. */
  probe(probes: Probe[], from: "A" | "B" = "B"): (string | number)[] {
    const out = sh("ip", [
      "netns",
      "exec",
      from === "A" ? this.nsA : this.nsB,
      process.execPath,
      path.join(this.dir, "client.cjs"),
      JSON.stringify(probes),
    ]);
    return JSON.parse(out) as (string | number)[];
  }

  /**
   * Open a TCP connection from B to A's echo port and keep it. `check()` then sends one message
   * over the established connection and resolves "echo" (answered) or "timeout" (cut).
   */
  async hold(host: string, from: string): Promise<{ check: () => Promise<string> }> {
    const args = JSON.stringify({ host, port: LAB.tcpEcho, from });
    const child = spawn(
      "ip",
      ["netns", "exec", this.nsB, process.execPath, path.join(this.dir, "hold.cjs"), args],
      {
        stdio: ["pipe", "pipe", "inherit"],
        shell: false,
      },
    );
    const lines: string[] = [];
    let wake: (() => void) | null = null;
    child.stdout?.on("data", (b: Buffer) => {
      lines.push(
        ...b
          .toString()
          .split("\n")
          .filter((l) => l !== ""),
      );
      wake?.();
    });
    const next = async (): Promise<string> => {
      while (lines.length === 0) await new Promise<void>((r) => (wake = r));
      return lines.shift() ?? "";
    };
    const first = await next();
    if (first !== "connected") throw new Error(`hold: ${first}`);
    return {
      check: async () => {
        child.stdin?.write("go\n");
        return next();
      },
    };
  }

  /** Send exactly `count` ICMP echo requests from B (source `from`); returns the replies received. */
  ping(to: string, from: string, count: number): number {
    const r = shStatus("ip", [
      "netns",
      "exec",
      this.nsB,
      "ping",
      "-n",
      "-q",
      "-c",
      String(count),
      "-i",
      "0.05",
      "-W",
      "0.3",
      "-I",
      from,
      to,
    ]);
    const m = /(\d+) received/.exec(r.stdout);
    if (!m) throw new Error(`ping output not understood: ${r.stdout} ${r.stderr}`);
    return Number(m[1]);
  }

  /** Stop the server, delete the namespaces (the veth pair goes with them). */
  down(): void {
    this.server?.kill("SIGKILL");
    this.server = null;
    for (const ns of [this.nsA, this.nsB]) spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
  }

  /** Remove temp files too. */
  destroy(): void {
    this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The lab's rules: allow before block (first match wins), a blocked host, a TCP and a UDP port. */
export function labRules(): Ruleset {
  return ruleset([
    rule({
      id: "allow-ok",
      action: "allow",
      direction: "in",
      proto: [6],
      dport: [{ lo: LAB.tcpOk, hi: LAB.tcpOk }],
    }),
    rule({ id: "block-host", action: "block", src: [cidr(LAB.b4bad), cidr(LAB.b6bad)] }),
    rule({
      id: "block-tcp",
      action: "block",
      proto: [6],
      dport: [{ lo: LAB.tcpBlocked, hi: LAB.tcpBlocked }],
    }),
    rule({
      id: "block-udp",
      action: "block",
      proto: [17],
      dport: [{ lo: LAB.udpBlocked, hi: LAB.udpBlocked }],
    }),
    rule({ id: "watch-icmp", action: "alert", proto: [1, 58] }),
  ]);
}

export function packetsOf(st: EnforceStatus, id: string): number {
  const r = st.rules.find((x) => x.id === id);
  if (r === undefined)
    throw new Error(`rule ${id} not in status: ${JSON.stringify(st.rules.map((x) => x.id))}`);
  return r.packets;
}

/** Probe both families' reachability in one batch. */
export function reach(
  lab: Lab,
  fam: 4 | 6,
): { tcpBlocked: string; tcpOkFromBad: string; udpReplies: number } {
  const a = fam === 4 ? LAB.a4 : LAB.a6;
  const b = fam === 4 ? LAB.b4 : LAB.b6;
  const bad = fam === 4 ? LAB.b4bad : LAB.b6bad;
  const [tcpBlocked, tcpOkFromBad, udpReplies] = lab.probe([
    { kind: "tcp", host: a, port: LAB.tcpBlocked, from: b, timeout: 400 },
    { kind: "tcp", host: a, port: LAB.tcpOk, from: bad, timeout: 1500 },
    { kind: "udp", host: a, port: LAB.udpBlocked, from: b, count: 5, timeout: 300 },
  ]);
  return {
    tcpBlocked: String(tcpBlocked),
    tcpOkFromBad: String(tcpOkFromBad),
    udpReplies: Number(udpReplies),
  };
}
