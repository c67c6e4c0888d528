/** Network interfaces a live session can watch (`pfw interfaces`, the CLI's "which interface?" hint). */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export { listInterfaces, type InterfaceInfo } from "../capture/live.js";

/** What listing a network namespace's interfaces gave. */
export type NetnsInterfaces =
  { ok: true; names: string[] } | { ok: false; reason: "no-such-netns" | "failed"; message: string };

/** Namespace names `ip netns` can create (the capture layer accepts the same). */
const NETNS_RE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Interface names inside the named network namespace, by `ip -n NS -j link show` (argument array, no
 * shell), in the kernel's order.
 */
export function listNetnsInterfaces(netns: string): NetnsInterfaces {
  if (!NETNS_RE.test(netns) || !existsSync(`/run/netns/${netns}`))
    return {
      ok: false,
      reason: "no-such-netns",
      message: `The network namespace "${netns}" does not exist.`,
    };
  const r = spawnSync("ip", ["-n", netns, "-j", "link", "show"], { encoding: "utf8", timeout: 10_000 });
  const why = (r.error?.message ?? r.stderr ?? "").trim().split("\n")[0] ?? "";
  if (r.status !== 0)
    return { ok: false, reason: "failed", message: why || `ip exited with ${r.status ?? r.signal}` };
  try {
    const data = JSON.parse(r.stdout) as { ifname?: string }[];
    return { ok: true, names: data.map((l) => l.ifname ?? "").filter(Boolean) };
  } catch {
    return { ok: false, reason: "failed", message: "ip printed no JSON (iproute2 too old for -j)" };
  }
}
