/** Where pfw's own files are (package root, default rules) and where reports go by default. */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "./errors.js";

/** The package's root folder (works from src/ under vitest and from dist/src/ when built). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dir;
}

/** rules/default.json of the package. */
export function resolveDefaultRules(): string {
  return path.join(packageRoot(), "rules", "default.json");
}

/** pfw's version from package.json. */
export function packageVersion(): string {
  const text = fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

/** Local time stamp for report names: 20240102-030405. */
export function reportStamp(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Create the folder an output file goes into (and its missing parents), one level at a time.
 * (Node's mkdirSync({ recursive: true }) loops forever where mkdir answers ENOENT under an existing parent,
 * as in /proc.) Throws a UsageError naming the file and the folder.
 */
export function ensureParentDir(file: string): void {
  const missing: string[] = [];
  for (let d = path.dirname(path.resolve(file)); !fs.existsSync(d);) {
    missing.push(d);
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      if (code !== "EEXIST") throw new UsageError(`${file}: cannot create the folder ${d}: ${code}`);
    }
  }
}

/** One output a command will write: the option that named it and the path ("-" is stdout). */
export interface OutputSpec {
  option: string;
  path: string;
  /** A default name in reports/ (its folder is created; the name is reserved, never overwritten). */
  isDefault?: boolean;
}

/**
 * Reserve a set of default report names `<stem><ext>` for this run: each is created empty with O_EXCL, so
 * two runs never get the same names (same capture name in the same second, or two at once); on a clash the
 * next stem `<stem>-2`, `-3`, ... is tried. Returns the stem. Creates the folder of the stem if missing.
 */
export function reserveReportStem(stem: string, exts: readonly string[]): string {
  ensureParentDir(`${stem}${exts[0] ?? ""}`);
  for (let n = 1; n < 10_000; n++) {
    const s = n === 1 ? stem : `${stem}-${n}`;
    const made: string[] = [];
    let clash = false;
    for (const ext of exts) {
      try {
        fs.closeSync(
          fs.openSync(
            `${s}${ext}`,
            fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL,
            0o644,
          ),
        );
        made.push(`${s}${ext}`);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EEXIST" && !fs.lstatSync(`${s}${ext}`).isFile()) {
          // something planted at the predicted name (a symlink, a FIFO, ...): refuse and name it
          for (const m of made) fs.rmSync(m, { force: true });
          throw new UsageError(
            `${s}${ext}: an existing non-regular file (e.g. a symbolic link) is at this report name`,
          );
        }
        if (code !== "EEXIST") {
          for (const m of made) fs.rmSync(m, { force: true });
          throw new UsageError(`${s}${ext}: cannot create the report: ${(e as NodeJS.ErrnoException).code}`);
        }
        clash = true;
        break;
      }
    }
    if (!clash) return s;
    for (const m of made) fs.rmSync(m, { force: true });
  }
  throw new UsageError(`${stem}: no free report name`);
}

/**
 * Check, before any capture is read, that every explicitly named output can be written: its folder exists
 * (pfw creates only the default reports/ folder) and nothing but a regular file, a character device or a
 * FIFO is at its name (a symbolic link, a folder, a socket is refused). Nothing is created or truncated
 * here; the files are opened by the report sinks (capture/output-file.ts). Throws a UsageError naming the
 * option and the path.
 */
export function checkOutputs(outputs: readonly OutputSpec[]): void {
  for (const o of outputs) {
    if (o.path === "-" || o.isDefault) continue;
    const abs = path.resolve(o.path);
    const dir = path.dirname(abs);
    let dst: fs.Stats;
    try {
      dst = fs.statSync(dir);
    } catch {
      throw new UsageError(
        `${o.option} ${o.path}: the folder ${dir} does not exist (pfw creates only reports/)`,
      );
    }
    if (!dst.isDirectory()) throw new UsageError(`${o.option} ${o.path}: ${dir} is not a folder`);
    let st: fs.Stats | null = null;
    try {
      st = fs.lstatSync(abs);
    } catch {
      st = null;
    }
    if (st === null || st.isFile() || st.isCharacterDevice() || st.isFIFO()) continue;
    const what = st.isSymbolicLink()
      ? "it is a symbolic link (pfw does not write through links)"
      : st.isDirectory()
        ? "it is a folder, not a file"
        : "it is not a regular file";
    throw new UsageError(`${o.option} ${o.path}: ${what}`);
  }
}
