/**
 * `pfw live` end to end (issue 4 "Must show"): the built CLI runs as a real process capturing in namespace A
 * of a veth pair (test/live/netns.ts, static neighbours: no ARP / ND on the wire), known traffic comes from
 * namespace B, and the verdicts, log lines and report rows are asserted exactly. Also: rules reloaded
 * mid-capture (file change and SIGHUP, with the derived kernel filter following), a bad edit refused, the
 * --write capture re-read by `pfw scan` giving the same flows, the derived filter dropping uninteresting
 * traffic before JavaScript, and the one-sentence errors (exit 2, no stack trace).
 * Needs root, iproute2, ping and tcpdump: missing tools FAIL under CI=true and skip elsewhere.
 */
import { NOBODY, nonRootMain } from "../helpers/nonroot.js";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLIENT_JS,
  ensureBuilt,
  lines,
  parseCsv,
  PFW_MAIN,
  readJson,
  runPfw,
  SERVER_JS,
  startProcess,
  type Finished,
  type Running,
} from "./cli-helpers.js";
import { createNetnsPair, hasTool, type NetnsPair } from "./netns.js";

const CI = process.env.CI === "true";
const isRoot = process.getuid?.() === 0;
const tools =
  (await hasTool("ip", ["-V"])) &&
  (await hasTool("tcpdump", ["--version"])) &&
  (await hasTool("ping", ["-V"]));
const canRun = isRoot && tools;
if (CI && !canRun) {
  describe("pfw live environment", () => {
    it("has root, iproute2, ping and tcpdump", () => {
      expect({ isRoot, tools }).toEqual({ isRoot: true, tools: true });
    });
  });
}

const TCP_OPEN = 8080;
const TCP_CLOSED = 8081;
const UDP_ECHO = 5000;
const SWEEP = Array.from({ length: 10 }, (_, i) => 9000 + i);

/** Native rules of the main test: one rule per kind of traffic, default "log" so stray packets show. */
const MAIN_RULES = {
  version: 1,
  default: "log",
  default_reason: "unexpected packet",
  rules: [
    { id: "svc", action: "alert", proto: "tcp", port: TCP_OPEN, severity: "low", reason: "service port" },
    { id: "closed", action: "log", proto: "tcp", port: TCP_CLOSED, reason: "closed port" },
    { id: "telnet", action: "block", proto: "tcp", port: 23, severity: "high", reason: "telnet" },
    {
      id: "sweep",
      action: "alert",
      proto: "tcp",
      port: "9000-9009",
      severity: "medium",
      reason: "sweep range",
    },
    { id: "udp-echo", action: "allow", proto: "udp", port: UDP_ECHO, reason: "udp echo" },
    { id: "no-ping", action: "block", proto: "icmp", severity: "medium", reason: "ping" },
  ],
};

const TS = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z`;

(canRun ? describe : describe.skip)("pfw live (real process, two namespaces)", () => {
  let pair: NetnsPair;
  let server: Running;
  let dir: string;
  let file: string; // "live:<ifA>"
  const procs: Running[] = [];

  beforeAll(async () => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pfwl-"));
    fs.chmodSync(dir, 0o755); // the not-root test reads a rules file here as nobody
    pair = await createNetnsPair("pfwl", { ipv6: false }); // no MLD reports on the link
    file = `live:${pair.ifA}`;
    server = startProcess([
      "ip",
      "netns",
      "exec",
      pair.nsA,
      process.execPath,
      "--input-type=module",
      "-e",
      SERVER_JS,
      pair.ipA,
      String(TCP_OPEN),
      String(UDP_ECHO),
    ]);
    procs.push(server);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`server not ready: ${server.stderr}`)), 10_000);
      server.child.stdout!.on("data", (d: string) => {
        if (String(d).includes("ready")) {
          clearTimeout(t);
          resolve();
        }
      });
    });
  });

  afterAll(async () => {
    for (const p of procs)
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    await pair?.cleanup();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Start `pfw live <ifA> --netns <nsA> ...` and wait until it captures. */
  async function live(args: string[], viaExec = false): Promise<Running> {
    const argv = viaExec
      ? [
          "ip",
          "netns",
          "exec",
          pair.nsA,
          process.execPath,
          PFW_MAIN,
          "live",
          pair.ifA,
          "--no-status",
          ...args,
        ]
      : [process.execPath, PFW_MAIN, "live", pair.ifA, "--netns", pair.nsA, "--no-status", ...args];
    const p = startProcess(argv, { cwd: dir });
    procs.push(p);
    await p.waitStderr(/pfw: capturing on /);
    return p;
  }

  /** Run the traffic client in namespace B. */
  async function traffic(steps: object[]): Promise<string[]> {
    const r = await pair.exec(
      pair.nsB,
      [process.execPath, "--input-type=module", "-e", CLIENT_JS, pair.ipA, JSON.stringify(steps)],
      {
        timeoutMs: 15_000,
      },
    );
    if (r.code !== 0) throw new Error(`traffic client failed: ${r.stderr}`);
    return r.stdout.trim().split("\n");
  }

  async function ping(n: number): Promise<void> {
    const r = await pair.exec(
      pair.nsB,
      ["ping", "-n", "-q", "-c", String(n), "-i", "0.05", "-W", "2", pair.ipA],
      { timeoutMs: 10_000 },
    );
    expect(r.code, r.stderr).toBe(0);
  }

  async function stop(p: Running, sig: NodeJS.Signals): Promise<Finished> {
    p.child.kill(sig);
    return p.exited;
  }

  function writeRules(p: string, rules: object): void {
    // Write-then-rename, as editors do: the watcher must see it and never read a half-written file.
    fs.writeFileSync(`${p}.tmp`, JSON.stringify(rules, null, 1));
    fs.renameSync(`${p}.tmp`, p);
  }

  const out = (name: string): string => path.join(dir, name);
  let mainRun: {
    rules: string;
    json: string;
    log: string;
    csv: string;
    pcap: string;
    res: Finished;
    svcPkts: number;
  } | null = null;

  it("judges known traffic exactly: verdicts, log lines, report rows, captured and kernel drops (stopped by SIGINT)", async () => {
    const rules = out("main.json");
    writeRules(rules, MAIN_RULES);
    const [json, log, csv, pcap] = [
      out("main-live.json"),
      out("main-live.log"),
      out("main-live.csv"),
      out("main-live.pcap"),
    ];
    const jsonl = out("main-live.jsonl");
    const p = await live([
      ...["--rules", rules, "--json", json, "--log", log, "--out", csv, "--write", pcap, "--jsonl", jsonl],
    ]);
    expect(p.stderr).not.toMatch(/filter:/); // --write needs every packet: no derived filter

    const results = await traffic([
      { tcp: TCP_OPEN },
      { refused: TCP_CLOSED },
      { refused: 23 },
      ...SWEEP.map((port) => ({ refused: port })),
      { udp: UDP_ECHO, n: 3 },
    ]);
    expect(results).toEqual([
      `tcp ${TCP_OPEN} ok`,
      `refused ${TCP_CLOSED}`,
      "refused 23",
      ...SWEEP.map((x) => `refused ${x}`),
      `udp ${UDP_ECHO} x3`,
    ]);
    await ping(3);
    const res = await stop(p, "SIGINT");
    expect(res.stderr).toMatch(/pfw: stopped \(SIGINT\); captured \d+, kernel drops 0/);
    expect(res.code, res.stderr).toBe(1); // flagged traffic seen

    // Log: one line per flagged packet, in the documented format.
    const logLines = lines(log);
    const byRule = (id: string): string[] => logLines.filter((l) => l.includes(` rule=${id} `));
    const svcPkts = byRule("svc").length;
    // A complete exchange: handshake (3), "hello", "bye", two FINs, ACKs: 7 (all merged) .. 11 (none merged).
    expect(svcPkts).toBeGreaterThanOrEqual(7);
    expect(svcPkts).toBeLessThanOrEqual(11);
    expect(byRule("closed")).toHaveLength(2);
    expect(byRule("telnet")).toHaveLength(2);
    expect(byRule("sweep")).toHaveLength(20);
    expect(byRule("no-ping")).toHaveLength(6);
    expect(byRule("default")).toEqual([]); // no stray packet (ARP, ND, MLD...) on the link
    expect(logLines).toHaveLength(svcPkts + 30);
    const f = file.replace(/[.]/g, "\\.");
    const telnet = byRule("telnet");
    const m = new RegExp(
      `^${TS} BLOCKED TCP 10\\.203\\.0\\.2:(\\d+) -> 10\\.203\\.0\\.1:23 rule=telnet reason="telnet" frame=(\\d+) file="${f}"$`,
    ).exec(telnet[0]!);
    expect(m, telnet[0]).not.toBeNull();
    expect(telnet[1]).toMatch(
      new RegExp(
        `^${TS} BLOCKED TCP 10\\.203\\.0\\.1:23 -> 10\\.203\\.0\\.2:${m![1]} rule=telnet reason="telnet" frame=${Number(m![2]) + 1} file="${f}"$`,
      ),
    );
    const pings = byRule("no-ping");
    for (let i = 0; i < 6; i++) {
      const [src, dst, type] =
        i % 2 === 0 ? ["10.203.0.2", "10.203.0.1", 8] : ["10.203.0.1", "10.203.0.2", 0];
      expect(pings[i]).toMatch(
        new RegExp(
          `^${TS} BLOCKED ICMP ${src} -> ${dst} type=${type} code=0 rule=no-ping reason="ping" frame=\\d+ file="${f}"$`,
        ),
      );
    }
    expect(byRule("closed")[0]).toMatch(
      new RegExp(
        `^${TS} UNKNOWN TCP 10\\.203\\.0\\.2:\\d+ -> 10\\.203\\.0\\.1:${TCP_CLOSED} rule=closed reason="closed port" `,
      ),
    );
    expect(byRule("svc")[0]).toMatch(
      new RegExp(
        `^${TS} ALERT TCP 10\\.203\\.0\\.2:\\d+ -> 10\\.203\\.0\\.1:${TCP_OPEN} rule=svc reason="service port" frame=1 `,
      ),
    );
    // Frames: positions in the live stream, increasing.
    const frames = logLines.map((l) => Number(/ frame=(\d+) /.exec(l)![1]));
    expect(frames).toEqual([...frames].sort((a, b) => a - b));
    // The console printed the same lines (fewer than 50 a second here, so none was held back), BLOCKED
    // worded WOULD-BLOCK there: without --enforce nothing is blocked (issue 10; the log keeps BLOCKED).
    expect(res.stdout.split("\n").filter((l) => / rule=/.test(l))).toEqual(
      logLines.map((l) => l.replace(new RegExp(`^(${TS}) BLOCKED `), "$1 WOULD-BLOCK ")),
    );

    // JSON summary: exact counts per verdict, captured == packets judged, no drops.
    const j = readJson(json);
    const packets = svcPkts + 36;
    expect(j.summary).toEqual({
      files: 1,
      packets,
      flows: 15,
      packet_verdicts: { BLOCKED: 8, ALERT: svcPkts + 20, UNKNOWN: 2, ALLOWED: 6 },
      flow_verdicts: { BLOCKED: 2, ALERT: 11, UNKNOWN: 1, ALLOWED: 1 },
      decode_events: {},
      errors: [],
      complete: true,
      captured: packets,
      kernel_drops: 0,
    });

    // CSV: the 14 flagged flows with verdict, rule_ids and Zeek conn_state.
    const rows = parseCsv(fs.readFileSync(csv, "utf8"));
    const brief = rows
      .map((r) =>
        [
          r["proto"],
          r["id.resp_p"],
          r.verdict,
          r.rule_ids,
          r.conn_state,
          `${r.orig_pkts}/${r.resp_pkts}`,
          r.file,
        ].join(" "),
      )
      .sort();
    const svcRow = rows.find((r) => r["id.resp_p"] === String(TCP_OPEN))!;
    expect(Number(svcRow.orig_pkts) + Number(svcRow.resp_pkts)).toBe(svcPkts);
    expect(brief).toEqual(
      [
        `tcp ${TCP_OPEN} ALERT svc SF ${svcRow.orig_pkts}/${svcRow.resp_pkts} ${file}`,
        `tcp ${TCP_CLOSED} UNKNOWN closed REJ 1/1 ${file}`,
        `tcp 23 BLOCKED telnet REJ 1/1 ${file}`,
        ...SWEEP.map((x) => `tcp ${x} ALERT sweep REJ 1/1 ${file}`),
        `icmp 0 BLOCKED no-ping OTH 3/3 ${file}`,
      ].sort(),
    );
    for (const r of rows) {
      expect(r["id.orig_h"]).toBe(pair.ipB);
      expect(r["id.resp_h"]).toBe(pair.ipA);
    }
    expect(j.flows.map((x) => x.uid).sort()).toEqual(rows.map((r) => r.uid).sort());
    expect(fs.statSync(pcap).size).toBeGreaterThan(24);
    // JSON lines: one EVE-like event per flagged packet, same order as the text log.
    const events = lines(jsonl).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => (e.pfw as { rule_id: string }).rule_id)).toEqual(
      logLines.map((l) => / rule=(\S+) /.exec(l)![1]),
    );
    const telnetEvent = events.find((e) => e.dest_port === 23)!;
    expect(telnetEvent).toMatchObject({
      event_type: "drop",
      src_ip: pair.ipB,
      dest_ip: pair.ipA,
      proto: "TCP",
      alert: { action: "blocked", signature: "telnet" },
      pfw: { verdict: "BLOCKED", rule_id: "telnet", file },
    });
    mainRun = { rules, json, log, csv, pcap, res, svcPkts };
  });

  it("agrees with `pfw scan` of its --write capture: same flows, verdicts and log lines", async () => {
    expect(mainRun, "needs the previous test").not.toBeNull();
    const m = mainRun!;
    const [json, log, csv] = [out("scan.json"), out("scan.log"), out("scan.csv")];
    const res = await runPfw(
      ["scan", m.pcap, "--rules", m.rules, "--json", json, "--log", log, "--out", csv, "--no-progress"],
      {
        cwd: dir,
      },
    );
    expect(res.code, res.stderr).toBe(1);
    const live = readJson(m.json);
    const scan = readJson(json);
    const { captured, kernel_drops, ...liveSummary } = live.summary;
    expect(captured).toBe(live.summary.packets);
    expect(kernel_drops).toBe(0);
    expect(scan.summary).toEqual(liveSummary);
    // local_orig / local_resp: live knows the interface's addresses as its home network, a scan of the
    // recording was given none; compared apart below
    const noFile = (rows: Record<string, unknown>[]): Record<string, unknown>[] =>
      rows
        .map(({ file: _f, local_orig: _o, local_resp: _r, ...rest }) => rest)
        .sort((a, b) => String(a.uid).localeCompare(String(b.uid)));
    for (const f of live.flows as Record<string, unknown>[]) {
      expect(f["local_resp"], JSON.stringify(f)).toBe(f["id.resp_h"] === pair.ipA.split("/")[0]);
      expect(f["local_orig"], JSON.stringify(f)).toBe(f["id.orig_h"] === pair.ipA.split("/")[0]);
    }
    for (const f of scan.flows as Record<string, unknown>[]) expect(f["local_orig"]).toBeNull();
    expect(scan.flows.length).toBe(14);
    expect(noFile(scan.flows)).toEqual(noFile(live.flows));
    const csvNoFile = (p: string): Record<string, unknown>[] => noFile(parseCsv(fs.readFileSync(p, "utf8")));
    expect(csvNoFile(csv)).toEqual(csvNoFile(m.csv));
    const logNoFile = (p: string): string[] => lines(p).map((l) => l.replace(/ file=".*"$/, ""));
    expect(logNoFile(log)).toEqual(logNoFile(m.log));
  });

  it("legacy rules file, tcpdump backend, started with `ip netns exec`, stops after --duration", async () => {
    const rules = out("legacy.json");
    writeRules(rules, { allow: { ports: [UDP_ECHO] }, block: { ports: [23], protocols: ["ICMP"] } });
    const [json, log, csv] = [out("legacy.json.out"), out("legacy.log"), out("legacy.csv")];
    const p = await live(
      [
        "--rules",
        rules,
        "--json",
        json,
        "--log",
        log,
        "--out",
        csv,
        "--backend",
        "tcpdump",
        "--duration",
        "3",
      ],
      true,
    );
    expect(p.stderr).toMatch(/\(tcpdump backend\)/); // legacy default is "log": no derived filter
    await traffic([{ refused: 23 }, { udp: UDP_ECHO, n: 2 }, { refused: TCP_CLOSED }]);
    await ping(1);
    const res = await p.exited;
    expect(res.stderr).toMatch(/pfw: stopped \(duration\); captured 10, kernel drops 0/);
    expect(res.code).toBe(1);
    const j = readJson(json);
    // 23: SYN + RST blocked (either port); ICMP echo + reply blocked; UDP 2 + 2 echoes allowed; 8081 unknown.
    expect(j.summary).toMatchObject({
      packets: 10,
      packet_verdicts: { BLOCKED: 4, ALERT: 0, UNKNOWN: 2, ALLOWED: 4 },
      flow_verdicts: { BLOCKED: 2, ALERT: 0, UNKNOWN: 1, ALLOWED: 1 },
      captured: 10,
      kernel_drops: 0,
    });
    const rows = parseCsv(fs.readFileSync(csv, "utf8")).map(
      (r) => `${r["id.resp_p"]} ${r.verdict} ${r.rule_ids} ${r.conn_state}`,
    );
    expect(rows.sort()).toEqual(
      [
        "0 BLOCKED block.protocols[0] OTH",
        "23 BLOCKED block.ports[0] REJ",
        `${TCP_CLOSED} UNKNOWN default REJ`,
      ].sort(),
    );
    expect(lines(log)).toHaveLength(6);
    expect(lines(log)[0]).toMatch(
      new RegExp(
        `^${TS} BLOCKED TCP 10\\.203\\.0\\.2:\\d+ -> 10\\.203\\.0\\.1:23 rule=block\\.ports\\[0\\] reason="port 23 is in the block list" frame=1 `,
      ),
    );
  });

  // The derived filter changes with the rules: a new capture takes over (both backends).
  for (const backend of ["default", "tcpdump"]) {
    it(`${backend} backend: reloads an edited rules file mid-capture (and on SIGHUP), refuses a bad edit, keeps the old rules (SIGTERM stop)`, async () => {
      const rules = out(`reload-${backend}.json`);
      const v1 = {
        version: 1,
        default: "allow",
        rules: [{ id: "watch-9100", action: "alert", proto: "tcp", dport: 9100, reason: "printer port" }],
      };
      const v2 = {
        version: 1,
        default: "allow",
        rules: [
          {
            id: "block-7000",
            action: "block",
            proto: "tcp",
            dport: 7000,
            severity: "high",
            reason: "port 7000 now blocked",
          },
          ...v1.rules,
        ],
      };
      writeRules(rules, v1);
      const [json, log, csv] = [
        out(`reload-${backend}.json.out`),
        out(`reload-${backend}.log`),
        out(`reload-${backend}.csv`),
      ];
      const p = await live([
        ...(backend === "default" ? [] : ["--backend", backend]),
        "--show-filter", // the start line only summarizes the derived filter (issue 10)
        "--rules",
        rules,
        "--json",
        json,
        "--log",
        log,
        "--out",
        csv,
      ]);
      // No --write: the kernel filter is derived from the rules.
      await p.waitStderr(
        /capture filter \(full text\): \(\(ip proto 6 or ip6 proto 6\) and \(\(\(dst port 9100\)\) or \(\(src port 9100\)\)\)\)/,
      );
      await traffic([{ refused: 7000 }]); // allowed by v1 (and not even seen: the filter drops it)

      writeRules(rules, v2);
      await p.waitStderr(/pfw: rules reloaded \(file changed\): 2 rules from /);
      await p.waitStderr(/pfw: capture filter now: derived from 2 rules, [\d,]+ chars\n/);
      await p.waitStderr(/pfw: capture filter \(full text\): .*dst port 7000/);
      await traffic([{ refused: 7000 }]); // blocked by v2

      const bad = {
        ...v2,
        rules: [
          { ...v2.rules[0], dport: 70000 },
          { ...v1.rules[0], action: "forbid" },
        ],
      };
      fs.writeFileSync(rules, JSON.stringify(bad));
      await p.waitStderr(
        /rules reload \(file changed\) refused, old rules stay in force:\n {2}rules\[0\]\.dport: .*\n {2}rules\[1\]\.action: /,
      );
      await traffic([{ refused: 7000 }]); // still blocked by v2

      writeRules(rules, v2); // back to v2 on disk, then SIGHUP: reloaded, same filter, no new capture
      await p.waitStderr(/refused[\s\S]*pfw: rules reloaded \(file changed\): 2 rules/);
      const before = p.stderr;
      p.child.kill("SIGHUP");
      await p.waitStderr(/pfw: rules reloaded \(SIGHUP\): 2 rules from /);
      await traffic([{ refused: 7000 }]);
      const res = await stop(p, "SIGTERM");
      expect(res.stderr.slice(before.length)).not.toMatch(/capture filter now/);
      expect(res.stderr).toMatch(/pfw: stopped \(SIGTERM\); captured 6, kernel drops 0/);
      expect(res.code).toBe(1);

      const j = readJson(json);
      expect(j.summary).toMatchObject({
        packets: 6,
        packet_verdicts: { BLOCKED: 3, ALERT: 0, UNKNOWN: 0, ALLOWED: 3 },
        flow_verdicts: { BLOCKED: 3, ALLOWED: 0 },
        captured: 6,
        kernel_drops: 0,
      });
      const rows = parseCsv(fs.readFileSync(csv, "utf8"));
      expect(
        rows.map(
          (r) => `${r["id.resp_p"]} ${r.verdict} ${r.rule_ids} ${r.conn_state} ${r.orig_pkts}/${r.resp_pkts}`,
        ),
      ).toEqual([
        "7000 BLOCKED block-7000;default REJ 1/1",
        "7000 BLOCKED block-7000;default REJ 1/1",
        "7000 BLOCKED block-7000;default REJ 1/1",
      ]);
      expect(lines(log)).toHaveLength(3);
      for (const l of lines(log))
        expect(l).toMatch(
          / BLOCKED TCP 10\.203\.0\.2:\d+ -> 10\.203\.0\.1:7000 rule=block-7000 reason="port 7000 now blocked" /,
        );
    });
  }

  it("derived kernel filter: with default allow, uninteresting packets never reach JavaScript", async () => {
    const rules = out("filter.json");
    writeRules(rules, {
      version: 1,
      default: "allow",
      rules: [
        { id: "ok-web", action: "allow", proto: "tcp", dport: TCP_OPEN, reason: "web" },
        { id: "telnet", action: "alert", proto: "tcp", dport: 23, reason: "telnet" },
      ],
    });
    const json = out("filter.json.out");
    const p = await live([
      "--rules",
      rules,
      "--json",
      json,
      "--log",
      out("filter.log"),
      "--out",
      out("filter.csv"),
      "--count",
      "2",
      "--show-filter",
    ]);
    await p.waitStderr(
      /capture filter \(full text\): \(\(ip proto 6 or ip6 proto 6\) and \(\(\(dst port 23\)\) or \(\(src port 23\)\)\)\) or /,
    );
    await ping(2);
    await traffic([{ tcp: TCP_OPEN }, { udp: UDP_ECHO, n: 3 }, { refused: TCP_CLOSED }, { refused: 23 }]);
    // --count 2 stops it after the 2 packets that passed the kernel filter: the telnet SYN (alert) and its
    // RST (allowed, passed so the flow is complete). Without the filter the 8080 exchange would count first.
    const res = await p.exited;
    expect(res.stderr).toMatch(/pfw: stopped \(count\); captured 2, kernel drops 0/);
    expect(res.code).toBe(1);
    expect(readJson(json).summary).toMatchObject({
      packets: 2,
      packet_verdicts: { ALERT: 1, ALLOWED: 1, BLOCKED: 0, UNKNOWN: 0 },
      captured: 2,
      kernel_drops: 0,
    });
    expect(readJson(json).flows.map((x) => `${x["id.resp_p"]} ${x.conn_state}`)).toEqual(["23 REJ"]);
  });

  it("prints at most 50 flagged packets a second on the console; the log gets all and the rest is counted", async () => {
    const rules = out("burst.json");
    writeRules(rules, {
      version: 1,
      default: "allow",
      rules: [{ id: "udp", action: "alert", proto: "udp", reason: "udp" }],
    });
    const log = out("burst.log");
    const p = await live(["--rules", rules, "--log", log, "--out", out("burst.csv")]);
    await traffic([{ udp: UDP_ECHO, n: 100 }]); // 200 flagged packets, usually within one second
    const res = await stop(p, "SIGINT");
    const printed = res.stdout.split("\n").filter((l) => / rule=udp /.test(l)).length;
    expect(lines(log)).toHaveLength(200);
    const m = /; (\d+) flagged packets were not printed \(all are in the log\)/.exec(res.stderr);
    expect(m, res.stderr).not.toBeNull();
    expect(printed + Number(m![1])).toBe(200);
    expect(printed).toBeGreaterThanOrEqual(50);
    expect(printed).toBeLessThanOrEqual(150); // 50 per started second: the burst spans at most 3
  });

  it("the interface vanishing mid-capture: reports still written, error in the summary, exit 2", async () => {
    const q = await createNetnsPair("pfwl", { ipv6: false });
    try {
      const json = out("gone.json");
      const argv = [
        process.execPath,
        PFW_MAIN,
        "live",
        q.ifA,
        "--netns",
        q.nsA,
        "--no-status",
        "--rules",
        out("main.json"),
      ];
      const p = startProcess([...argv, "--json", json, "--log", out("gone.log"), "--out", out("gone.csv")], {
        cwd: dir,
      });
      procs.push(p);
      await p.waitStderr(/pfw: capturing on /);
      const r = await q.exec(q.nsB, ["ping", "-n", "-q", "-c", "1", "-W", "2", q.ipA], { timeoutMs: 10_000 });
      expect(r.code).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the ring block with the ping retire
      await q.exec(q.nsA, ["ip", "link", "del", q.ifA]);
      const res = await p.exited;
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(`pfw: Interface "${q.ifA}" disappeared or went down while capturing.`);
      expect(res.stderr).not.toMatch(/\n\s+at /);
      const j = readJson(json);
      expect(j.summary).toMatchObject({
        packets: 2,
        packet_verdicts: { BLOCKED: 2 },
        captured: 2,
        kernel_drops: 0,
      });
      expect(j.summary.errors).toEqual([
        {
          file: `live:${q.ifA}`,
          code: "INTERFACE_GONE",
          offset: null,
          message: `Interface "${q.ifA}" disappeared or went down while capturing.`,
        },
      ]);
      expect(j.flows.map((f) => `${f.proto} ${f.verdict} ${f.rule_ids}`)).toEqual(["icmp BLOCKED no-ping"]);
    } finally {
      await q.cleanup();
    }
  });

  describe("errors: one sentence, exit 2, no stack trace, no report written", () => {
    const expectOneSentence = (res: Finished, re: RegExp): void => {
      expect(res.code).toBe(2);
      const errLines = res.stderr.split("\n").filter((l) => l !== "");
      expect(errLines).toHaveLength(1);
      expect(errLines[0]).toMatch(re);
      expect(res.stderr).not.toMatch(/\n\s+at /);
      expect(res.stdout).toBe("");
    };
    const emptyDir = (): string => fs.mkdtempSync(path.join(dir, "err-"));
    const errRules = (): string => {
      const p = out("err-rules.json");
      writeRules(p, MAIN_RULES);
      return p;
    };

    it("not root", async () => {
      const cwd = emptyDir();
      fs.chmodSync(cwd, 0o777);
      const rules = errRules();
      const res = await runPfw(["live", "lo", "--rules", rules], {
        cwd,
        prefix: NOBODY,
        main: nonRootMain(),
      });
      expectOneSentence(
        res,
        /^pfw: Capturing on "lo" needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities\.$/,
      );
      const res2 = await runPfw(["live", pair.ifA, "--netns", pair.nsA, "--rules", rules], {
        cwd,
        prefix: NOBODY,
        main: nonRootMain(),
      });
      expectOneSentence(
        res2,
        new RegExp(`^pfw: Capturing inside the network namespace "${pair.nsA}" needs root\\.$`),
      );
      expect(fs.readdirSync(cwd)).toEqual([]);
    });

    it("unknown interface (here and inside a namespace)", async () => {
      const cwd = emptyDir();
      for (const extra of [[], ["--netns", pair.nsA]]) {
        const res = await runPfw(["live", "pfwlnosuch0", "--rules", errRules(), ...extra], { cwd });
        expectOneSentence(
          res,
          /^pfw: Interface "pfwlnosuch0" does not exist; run "pfw interfaces" to list the interfaces you can capture on\.$/,
        );
      }
      expect(fs.readdirSync(cwd)).toEqual([]);
    });

    it("missing interface argument", async () => {
      const cwd = emptyDir();
      const res = await runPfw(["live"], { cwd });
      expectOneSentence(
        res,
        /^pfw: which interface\? Run "pfw live <iface>" with one of: .+ \(see "pfw interfaces"\)\.$/,
      );
      expect(fs.readdirSync(cwd)).toEqual([]);
    });

    it("bad --filter", async () => {
      const cwd = emptyDir();
      const res = await runPfw(
        ["live", pair.ifA, "--netns", pair.nsA, "--filter", "tcp port", "--rules", errRules()],
        { cwd },
      );
      expectOneSentence(res, /^pfw: The capture filter "tcp port" is not valid BPF syntax \(.*\)\.$/);
      expect(fs.readdirSync(cwd)).toEqual([]);
    });
  });
});
