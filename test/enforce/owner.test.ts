/** The owner record in pfw's nft table comment, and how `pfw enforce status` words it (no root needed). */
import { spawn } from "node:child_process";
import { describe, expect, test } from "vitest";
import {
  MAX_TABLE_COMMENT,
  ownerComment,
  ownerRunning,
  parseOwnerComment,
  processStat,
  thisProcessOwner,
  type TableOwner,
} from "../../src/enforce/owner.js";
import { buildNftScript, parseTableComment } from "../../src/enforce/nft.js";
import { formatStatus, lifetimeOf, type EnforceStatus } from "../../src/enforce/status.js";
import { labRules } from "./helpers.js";

const LIVE: TableOwner = {
  kind: "live",
  pid: 4242,
  ticks: 123456,
  started: "2026-01-02T03:04:05Z",
  persist: false,
  command: "pfw live eth0 --enforce",
};

function installed(owner: EnforceStatus["owner"], backend: "nft" | "iptables" = "nft"): EnforceStatus {
  return { backend, installed: true, rules: [], sets: [], owner, lifetime: lifetimeOf(owner) };
}

describe("owner comment", () => {
  test("round trip for live, live --persist and apply", () => {
    expect(ownerComment(LIVE)).toBe(
      "pfw live pid=4242 ticks=123456 started=2026-01-02T03:04:05Z cmd=pfw live eth0 --enforce",
    );
    const persist = { ...LIVE, persist: true, command: "pfw live eth0 --enforce --persist" };
    expect(ownerComment(persist)).toBe(
      "pfw live pid=4242 ticks=123456 started=2026-01-02T03:04:05Z persist cmd=pfw live eth0 --enforce --persist",
    );
    const apply: TableOwner = {
      kind: "apply",
      pid: null,
      ticks: null,
      started: "2026-01-02T03:04:05Z",
      persist: false,
      command: "pfw enforce apply --rules r.json",
    };
    for (const o of [LIVE, persist, apply]) expect(parseOwnerComment(ownerComment(o))).toEqual(o);
    expect(parseOwnerComment("pfw live")).toEqual({
      ...LIVE,
      pid: null,
      ticks: null,
      started: null,
      command: null,
    });
  });

  test("foreign comments are no owner", () => {
    for (const c of [null, undefined, "", "my table", "pfw lively", "pfw enforce applyx"])
      expect(parseOwnerComment(c)).toBeNull();
  });

  test("the command is reduced to safe characters and shortened to fit nft's 128 characters", () => {
    const c = ownerComment({ ...LIVE, command: `pfw live eth0 --rules "/tmp/a b/x;y\\z'.json"\n--enforce` });
    expect(c).toBe(
      "pfw live pid=4242 ticks=123456 started=2026-01-02T03:04:05Z cmd=pfw live eth0 --rules _/tmp/a b/x_y_z_.json__--enforce",
    );
    const long = ownerComment({ ...LIVE, command: `pfw live eth0 --out /${"d".repeat(300)}` });
    expect(long).toHaveLength(MAX_TABLE_COMMENT);
    expect(long.endsWith("...")).toBe(true);
    expect(parseOwnerComment(long)?.pid).toBe(4242);
    // Never a quote or a newline inside nft's quotes.
    expect(ownerComment({ ...LIVE, command: '"\n"' })).not.toMatch(/["\n\\]/);
  });

  test("the script carries the comment as the table's first line; nft's listing is parsed back", () => {
    const script = buildNftScript(labRules(), { sshGuard: true, owner: LIVE });
    expect(script).toContain(`table inet pfw {\n\tcomment "${ownerComment(LIVE)}"\n\tset `);
    expect(buildNftScript(labRules(), { sshGuard: true })).not.toContain("\tcomment");
    const listing = `table inet pfw {\n\tcomment "${ownerComment(LIVE)}"\n\tchain input {\n\t}\n}\n`;
    expect(parseTableComment(listing)).toBe(ownerComment(LIVE));
    expect(
      parseTableComment('table inet pfw {\n\tchain input {\n\t\tcounter accept comment "pfw:0:x"\n\t}\n}\n'),
    ).toBeNull();
  });
});

describe("owner process", () => {
  test("this process is running; a pid reused by another process (other start time) is not the owner", () => {
    const me = thisProcessOwner("live");
    expect(me.pid).toBe(process.pid);
    expect(me.ticks).toBe(processStat(process.pid)?.ticks);
    expect(me.command).toMatch(/^pfw( |$)/);
    expect(thisProcessOwner("live").started).toBe(me.started); // the same record on every re-apply
    expect(ownerRunning(me)).toBe(true);
    expect(ownerRunning({ ...me, ticks: (me.ticks ?? 0) + 1 })).toBe(false);
    expect(ownerRunning({ ...me, ticks: null })).toBe(true);
    expect(ownerRunning(thisProcessOwner("apply"))).toBeNull();
    expect(thisProcessOwner("apply").pid).toBeNull();
  });

  test("an exited (and reaped) process and a zombie are not running", async () => {
    const child = spawn("sleep", ["30"], { stdio: "ignore", shell: false });
    const pid = child.pid!;
    const owner: TableOwner = { ...LIVE, pid, ticks: processStat(pid)!.ticks };
    expect(ownerRunning(owner)).toBe(true);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r)); // reaped by node
    expect(processStat(pid)).toBeNull();
    expect(ownerRunning(owner)).toBe(false);
    // A zombie: the child of a process that never waits (sh execs sleep, which never reaps the first sleep).
    const parent = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 30"], {
      stdio: ["ignore", "pipe", "ignore"],
      shell: false,
    });
    try {
      const zpid = Number(
        await new Promise<string>((r) => parent.stdout.once("data", (d: Buffer) => r(String(d)))),
      );
      for (let i = 0; i < 200 && processStat(zpid)?.state !== "Z"; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(processStat(zpid)?.state).toBe("Z");
      expect(ownerRunning({ ...LIVE, pid: zpid, ticks: null })).toBe(false);
    } finally {
      parent.kill("SIGKILL");
    }
  });
});

describe("status text", () => {
  const head = "backend nft: 0 rules installed\n";
  const table = "#  rule  verdict  hooks  packets  bytes\n";

  test("a dead owner: the rules stay in force until flush", () => {
    const st = installed({ ...LIVE, running: false });
    expect(st.lifetime).toBe("orphaned");
    expect(formatStatus(st)).toBe(
      head +
        'owner pfw live (pid 4242) is no longer running: the rules stay in force until "pfw enforce flush"\n' +
        "owner command: pfw live eth0 --enforce\n" +
        table,
    );
    expect(formatStatus(st, "pfw enforce flush --netns x")).toContain(
      'owner pfw live (pid 4242) is no longer running: the rules stay in force until "pfw enforce flush --netns x"\n',
    );
    const persist = installed({ ...LIVE, persist: true, running: false });
    expect(persist.lifetime).toBe("persistent");
    expect(formatStatus(persist)).toContain(
      'owner pfw live (pid 4242) is no longer running (started with --persist): the rules stay in force until "pfw enforce flush"\n',
    );
  });

  test("a running owner", () => {
    const st = installed({ ...LIVE, running: true });
    expect(st.lifetime).toBe("session");
    expect(formatStatus(st)).toContain(
      "owner: pfw live (pid 4242), running since 2026-01-02T03:04:05Z; it removes the rules when it stops\n",
    );
    expect(formatStatus(installed({ ...LIVE, persist: true, running: true }))).toContain(
      "owner: pfw live (pid 4242), running since 2026-01-02T03:04:05Z; it keeps the rules when it stops (--persist)\n",
    );
  });

  test("persistent: pfw enforce apply, no owner recorded, iptables", () => {
    const apply = installed({ ...thisProcessOwner("apply"), started: "2026-01-02T03:04:05Z", running: null });
    expect(apply.lifetime).toBe("persistent");
    expect(formatStatus(apply)).toBe(
      head +
        'persistent: applied by "pfw enforce apply" at 2026-01-02T03:04:05Z, no process watches them; the rules stay in force until "pfw enforce flush"\n' +
        table,
    );
    expect(formatStatus(installed(null))).toContain(
      'persistent: no owner recorded, no process watches them; the rules stay in force until "pfw enforce flush"\n',
    );
    expect(formatStatus(installed(null, "iptables"), "pfw enforce flush --backend iptables")).toContain(
      'persistent: applied by "pfw enforce apply", no process watches them; the rules stay in force until "pfw enforce flush --backend iptables"\n',
    );
    expect(
      formatStatus({ backend: "nft", installed: false, rules: [], sets: [], owner: null, lifetime: null }),
    ).toBe("pfw has nothing installed (backend nft).\n");
  });
});
