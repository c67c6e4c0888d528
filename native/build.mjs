// Build the pfw_capture N-API addon without node-gyp (no header download: uses the headers installed
// beside the node binary, <prefix>/include/node). Needs a C compiler and libpcap-dev.
// Usage: node native/build.mjs [--strict]
//   without --strict a missing compiler / libpcap only prints a warning and exits 0 (the native backend is
//   optional; pfw falls back to the tcpdump backend).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const strict = process.argv.includes("--strict");
const out = path.join(here, "build", "Release", "pfw_capture.node");
const candidates = [
  path.resolve(path.dirname(process.execPath), "..", "include", "node"),
  "/usr/include/node",
  "/usr/local/include/node",
];
const inc = candidates.find((d) => existsSync(path.join(d, "node_api.h")));

function give_up(why) {
  console.error(`native: not built: ${why}`);
  process.exit(strict ? 1 : 0);
}

if (!inc) give_up("node headers (node_api.h) not found beside the node binary");
mkdirSync(path.dirname(out), { recursive: true });
const cc = process.env.CC || "cc";
const args = [
  "-O2",
  "-Wall",
  "-Wextra",
  "-Wno-unused-parameter",
  "-fPIC",
  "-shared",
  "-I",
  inc,
  path.join(here, "src", "pfw_capture.c"),
  "-o",
  out,
  "-lpcap",
  "-lpthread",
];
const r = spawnSync(cc, args, { stdio: "inherit", shell: false });
if (r.error) give_up(`${cc}: ${r.error.message}`);
if (r.status !== 0) give_up(`${cc} exited with ${r.status} (is libpcap-dev installed?)`);
console.log(`native: built ${path.relative(process.cwd(), out)}`);
