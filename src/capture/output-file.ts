/**
 * Files pfw writes (reports, logs, captures), opened so that a hostile filesystem cannot turn them against
 * a root process, and so that a report under its final name is always whole:
 *  - Never through a symbolic link: the final component is checked with lstat and opened with O_NOFOLLOW;
 *    an existing symlink, folder, socket or other non-regular file there is an error naming it. Character
 *    devices and FIFOs (/dev/null, /dev/stdout, a named pipe) are written directly.
 *  - Atomic mode (reports of a scan): written to a randomly named temporary file created with O_EXCL in
 *    the destination folder, then renamed over the final name by commit(); abandon() (or a failed write)
 *    removes it, so a crash, a signal or a full disk never leaves a half-written file under a final name.
 *  - Direct mode (live logs, which must be readable while they grow): opened with O_NOFOLLOW at the final
 *    name, created with O_EXCL when absent.
 *  - "-" is standard output; EPIPE there ends the output silently (`| head`), EAGAIN is waited out.
 *  - A write error (ENOSPC, EIO, EPIPE on a file, ...) is kept, not thrown: later writes are dropped, the
 *    file is not committed, and `error` says what happened, so the other outputs of a run still complete.
 *  - Mode: 0666 less the umask, or 0600 where asked (files that hold packet payload bytes).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { PfwError } from "../net/errors.js";

const WAIT = new Int32Array(new SharedArrayBuffer(4));
const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_TRUNC } = fs.constants;

/** An output that cannot be opened (a link, a folder, no such folder, permission, ...). */
export class OutputError extends PfwError {
  constructor(file: string, reason: string, code = "OUTPUT") {
    super(code, `${file}: cannot write: ${reason}`, { file });
  }
}

/** Every open temporary file of this process (removed by abandonAllOutputs on a hard exit). */
const OPEN = new Set<OutputFile>();

/** Remove every temporary file not yet committed (a second Ctrl-C: exit at once, leave no debris). */
export function abandonAllOutputs(): void {
  for (const f of [...OPEN]) f.abandon();
}

/** How to open an output. */
export interface OutputOptions {
  /** Temporary name + rename on commit (default true). false: write at the final name. */
  atomic?: boolean;
  /** File mode before the umask (default 0o666; 0o600 for payload bytes). */
  mode?: number;
}

/** One output file. */
export class OutputFile {
  /** The first write error, if any (the file is then not committed). */
  error: NodeJS.ErrnoException | null = null;
  /** True when the reader of stdout went away. */
  broken = false;
  private fd: number;
  private readonly tmp: string | null;
  private readonly stdout: boolean;
  private done = false;

  /** Open `file` for writing (see the module header). Throws OutputError when it cannot. */
  constructor(
    readonly file: string,
    opts: OutputOptions = {},
  ) {
    const mode = opts.mode ?? 0o666;
    this.stdout = file === "-";
    this.tmp = null;
    if (this.stdout) {
      this.fd = 1;
      return;
    }
    let st: fs.Stats | null = null;
    try {
      st = fs.lstatSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new OutputError(file, reasonOf(e));
    }
    if (st !== null) {
      if (st.isSymbolicLink())
        throw new OutputError(
          file,
          "it is a symbolic link (pfw does not write through links)",
          "OUTPUT_LINK",
        );
      if (st.isDirectory()) throw new OutputError(file, "it is a folder", "OUTPUT_FOLDER");
      if (st.isCharacterDevice() || st.isFIFO()) {
        this.fd = openOrThrow(file, O_WRONLY | O_NOFOLLOW, mode);
        return;
      }
      if (!st.isFile()) throw new OutputError(file, "it is not a regular file", "OUTPUT_SPECIAL");
    }
    if (opts.atomic === false) {
      this.fd = openOrThrow(file, O_WRONLY | O_NOFOLLOW | (st ? O_TRUNC : O_CREAT | O_EXCL), mode);
      if (st && mode !== 0o666) fs.fchmodSync(this.fd, mode);
      return;
    }
    const dir = path.dirname(path.resolve(file));
    const tmp = path.join(dir, `.${path.basename(file)}.${crypto.randomBytes(6).toString("hex")}.pfw-tmp`);
    this.fd = openOrThrow(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode, file);
    this.tmp = tmp;
    OPEN.add(this);
  }

  /** Write all of data[off, off + len) (errors are kept in `error`, see the module header). */
  write(data: Uint8Array, off = 0, len = data.length - off): void {
    let p = off;
    const end = off + len;
    while (p < end && this.error === null && !this.broken && this.fd >= 0) {
      try {
        p += fs.writeSync(this.fd, data, p, end - p);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") {
          Atomics.wait(WAIT, 0, 0, 1); // a non-blocking pipe is full: wait 1 ms for the reader
          continue;
        }
        if (this.stdout && code === "EPIPE") {
          this.broken = true;
          return;
        }
        this.error = e as NodeJS.ErrnoException;
      }
    }
  }

  /** Push written data to the disk (the live log on exit). Errors are kept in `error`. */
  sync(): void {
    if (this.fd < 0 || this.stdout || this.error) return;
    try {
      fs.fsyncSync(this.fd);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EINVAL" && code !== "EROFS") this.error = e as NodeJS.ErrnoException; // devices, pipes
    }
  }

  /** Close, and (atomic mode) move the file under its final name, unless a write failed. Idempotent. */
  commit(): void {
    if (this.done) return;
    this.done = true;
    OPEN.delete(this);
    if (this.fd >= 0 && !this.stdout) {
      try {
        fs.closeSync(this.fd);
      } catch (e) {
        this.error ??= e as NodeJS.ErrnoException;
      }
    }
    this.fd = -1;
    if (this.tmp === null) return;
    if (this.error) {
      fs.rmSync(this.tmp, { force: true });
      return;
    }
    try {
      fs.renameSync(this.tmp, this.file);
    } catch (e) {
      this.error = e as NodeJS.ErrnoException;
      fs.rmSync(this.tmp, { force: true });
    }
  }

  /** Close and remove the temporary file: nothing appears under the final name. Idempotent. */
  abandon(): void {
    if (this.done) return;
    this.done = true;
    OPEN.delete(this);
    if (this.fd >= 0 && !this.stdout) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // closing is best effort here
      }
    }
    this.fd = -1;
    if (this.tmp !== null) fs.rmSync(this.tmp, { force: true });
  }

  /** The error as one sentence naming the file, or null. */
  errorMessage(): string | null {
    return this.error ? `${this.file}: cannot write: ${reasonOf(this.error)}` : null;
  }
}

function openOrThrow(p: string, flags: number, mode: number, shown = p): number {
  try {
    return fs.openSync(p, flags, mode);
  } catch (e) {
    throw new OutputError(shown, reasonOf(e));
  }
}

const REASONS: Record<string, string> = {
  ENOENT: "no such file or folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "it is a folder",
  ENOTDIR: "a part of the path is not a folder",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EEXIST: "it already exists",
  ELOOP: "it is a symbolic link (pfw does not write through links)",
  EIO: "input/output error",
  EPIPE: "the reader went away (broken pipe)",
  EFBIG: "the file is too large",
  ENXIO: "no such device",
};

/** A sentence for a system error. */
export function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code === "string") return REASONS[code] ?? code;
  return (e as Error)?.message ?? String(e);
}
