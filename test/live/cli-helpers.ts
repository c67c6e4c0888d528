/**
 * Helpers for the `pfw live` end-to-end tests: the built CLI run as a real process, a traffic server and
 * generator run inside the test's namespaces, and small parsers for the reports.
 * All processes are started with argument arrays (no shell).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The built CLI. */
export const PFW_MAIN = path.join(repoRoot, "dist", "src", "cli", "main.js");

function newestTs(dir: string, acc: { file: string; mtime: number }[]): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newestTs(p, acc);
    else if (e.name.endsWith(".ts")) acc.push({ file: p, mtime: fs.statSync(p).mtimeMs });
  }
}

/** The src/ files whose dist/ output is missing or older than them. */
export function staleBuildFiles(): string[] {
  const files: { file: string; mtime: number }[] = [];
  newestTs(path.join(repoRoot, "src"), files);
  return files
    .filter(({ file, mtime }) => {
      const js = path.join(repoRoot, "dist", path.relative(repoRoot, file)).replace(/\.ts$/, ".js");
      try {
        return fs.statSync(js).mtimeMs < mtime;
      } catch {
        return true;
      }
    })
    .map((f) => path.relative(repoRoot, f.file));
}

/**
 * Build dist/ (tsc -p tsconfig.build.json) when a src/ file is newer than its output. tsc emits even when
 * another area's file has a type error, so a failing build is an error only if dist/ stays stale.
 */
export function ensureBuilt(): void {
  if (staleBuildFiles().length === 0) return;
  const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  const stale = staleBuildFiles();
  if (stale.length > 0)
    throw new Error(
      `dist/ is stale after tsc (exit ${r.status}): ${stale.slice(0, 5).join(", ")}\n${r.stdout}`,
    );
}

/** A finished process. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running process with its output so far. */
export interface Running {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when stderr matches re (rejects after ms, or when the process exits first). */
  waitStderr(re: RegExp, ms?: number): Promise<void>;
  /** Resolves when stdout matches re (rejects after ms, or when the process exits first). */
  waitStdout(re: RegExp, ms?: number): Promise<void>;
  /** Resolves when the process has exited. */
  exited: Promise<Finished>;
}

/** Start argv (no shell) and collect its output. */
export function startProcess(argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Running {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error("empty argv");
  const child = spawn(cmd, args, {
    shell: false,
    stdio: ["ignore", "pipe", "pipe"],
    cwd: opts.cwd,
    env: opts.env,
  });
  let stdout = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    for (const w of [...waiters]) w();
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    for (const w of [...waiters]) w();
  });
  let done = false;
  const exited = new Promise<Finished>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      done = true;
      for (const w of [...waiters]) w();
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitStderr: (re: RegExp, ms?: number) => waitFor("stderr", re, ms),
    waitStdout: (re: RegExp, ms?: number) => waitFor("stdout", re, ms),
  };

  function waitFor(stream: "stdout" | "stderr", re: RegExp, ms = 10_000): Promise<void> {
    const text = (): string => (stream === "stdout" ? stdout : stderr);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out after ${ms} ms waiting for ${re} on ${stream}:\n${text()}`));
      }, ms);
      const check = (): void => {
        if (re.test(text())) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        } else if (done) {
          clearTimeout(timer);
          waiters.delete(check);
          reject(
            new Error(`process exited before ${re} appeared on ${stream}:\n${stderr}\nstdout:\n${stdout}`),
          );
        }
      };
      waiters.add(check);
      check();
    });
  }
}

/** Run `node dist/src/cli/main.js ...args` to completion. */
export function runPfw(
  args: string[],
  opts: { cwd?: string; prefix?: string[]; main?: string } = {},
): Promise<Finished> {
  return startProcess([...(opts.prefix ?? []), process.execPath, opts.main ?? PFW_MAIN, ...args], opts)
    .exited;
}

/**
 * Traffic server for namespace A (node, inline): TCP on tcpPort answers the first data with "bye" and
 * closes (a complete SF connection); UDP on udpPort echoes each datagram. Prints "ready" when listening.
 */
export const SERVER_JS = `
import net from "node:net";
import dgram from "node:dgram";
const [host, tcpPort, udpPort] = process.argv.slice(1);
let pending = 2;
const ready = () => { if (--pending === 0) console.log("ready"); };
net.createServer((c) => { c.on("data", () => c.end("bye")); c.on("error", () => {}); }).listen(Number(tcpPort), host, ready);
const u = dgram.createSocket("udp4");
u.on("message", (m, r) => u.send(m, r.port, r.address));
u.bind(Number(udpPort), host, ready);
`;

/**
 * Traffic client for namespace B (node, inline), run one step after the other. argv[1] is a JSON list of
 * steps: {"tcp": port} complete exchange; {"refused": port} a connect expected to be refused (SYN, RST);
 * {"udp": port, "n": count} datagrams each awaiting its echo. Prints one result line per step.
 */
export const CLIENT_JS = `
import net from "node:net";
import dgram from "node:dgram";
const [host, stepsJson] = process.argv.slice(1);
const steps = JSON.parse(stepsJson);
const tcp = (port) => new Promise((resolve, reject) => {
  const c = net.connect(port, host, () => c.write("hello"));
  c.on("data", () => {});
  c.on("end", () => c.end());
  c.on("close", (hadErr) => (hadErr ? reject(new Error("tcp " + port + " failed")) : resolve("tcp " + port + " ok")));
  c.on("error", reject);
});
const refused = (port) => new Promise((resolve, reject) => {
  const c = net.connect(port, host, () => reject(new Error("port " + port + " is open")));
  c.on("error", (e) => (e.code === "ECONNREFUSED" ? resolve("refused " + port) : reject(e)));
});
const udp = (port, n) => new Promise((resolve, reject) => {
  const s = dgram.createSocket("udp4");
  let got = 0;
  const timer = setTimeout(() => reject(new Error("udp echo timeout")), 3000);
  const send = () => s.send(Buffer.from("ping " + got), port, host);
  s.on("message", () => { if (++got === n) { clearTimeout(timer); s.close(); resolve("udp " + port + " x" + n); } else send(); });
  s.bind(0, () => send());
});
for (const st of steps) {
  const r = st.tcp !== undefined ? await tcp(st.tcp) : st.refused !== undefined ? await refused(st.refused) : await udp(st.udp, st.n);
  console.log(r);
}
`;

/** Minimal RFC 4180 CSV parser (quoted fields, doubled quotes). */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || row.length) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  if (!header) return [];
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ""])));
}

/** The --json document's shape as the tests read it. */
export interface ReportJson {
  summary: {
    files: number;
    packets: number;
    flows: number;
    packet_verdicts: Record<string, number>;
    flow_verdicts: Record<string, number>;
    decode_events: Record<string, number>;
    errors: unknown[];
    captured?: number;
    kernel_drops?: number;
  };
  flows: Record<string, unknown>[];
}

/** Read a --json report. */
export function readJson(p: string): ReportJson {
  return JSON.parse(fs.readFileSync(p, "utf8")) as ReportJson;
}

/** Lines of a text file without the final empty one. */
export function lines(p: string): string[] {
  return fs
    .readFileSync(p, "utf8")
    .split("\n")
    .filter((l) => l !== "");
}

/** One word quoted for a POSIX shell ('...' with embedded quotes escaped). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * argv run under a pseudo-terminal by util-linux `script` (stdin, stdout and stderr of the command are the
 * terminal; script's own stdout carries everything the command wrote, in order). `script -c` takes one
 * command string, so the words are shell-quoted here; -e passes the command's exit code through.
 */
export function underPty(argv: string[]): string[] {
  return ["script", "-qfec", argv.map(shellQuote).join(" "), "/dev/null"];
}

/**
 * The lines a terminal shows for raw output: "\r" returns to the left margin, "\x1b[K" erases to the end
 * of the line, "\n" (the pty sends "\r\n") starts a new line, other escape sequences are skipped, and any
 * other character overwrites the one under the cursor.
 */
export function terminalLines(raw: string): string[] {
  const out: string[] = [];
  let line: string[] = [];
  let col = 0;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === "\r") col = 0;
    else if (ch === "\n") {
      out.push(line.join(""));
      line = [];
      col = 0;
    } else if (ch === "\x1b") {
      const m = /^\[([0-9;?]*)([@-~])/.exec(raw.slice(i + 1, i + 16));
      if (!m) continue;
      if (m[2] === "K" && (m[1] === "" || m[1] === "0")) line.length = Math.min(line.length, col);
      i += m[0].length;
    } else {
      while (line.length < col) line.push(" ");
      line[col++] = ch;
    }
  }
  if (line.length) out.push(line.join(""));
  return out;
}
