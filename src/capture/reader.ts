/**
 * Capture-file readers: pcap / pcapng, optionally gzip-compressed (detected by the 1f 8b magic, never by name).
 *
 * Guarantees:
 * - Streaming: plain files are read in 1 MiB chunks into TWO reused buffers that are pushed to a CaptureParser
 *   in turn; for regular files the read of the next chunk is issued before the current one is parsed, so the
 *   thread-pool read overlaps parsing (safe: records are views valid only during the sink call, and the
 *   parser copies whatever it carries across chunks). Pipes and character devices are read sequentially
 *   (position null), one read at a time, no prefetch. gzip files stream through zlib (bounded chunks,
 *   backpressure). Memory does not grow with the file size.
 * - Content errors (truncation, corruption, unsupported variants) are RETURNED as `error` after every readable
 *   record was delivered; I/O errors (ENOENT, EACCES, ...) are thrown with a message naming the file.
 * - Records handed to the sink are views valid only during the call (see types.ts).
 */
import * as fs from "node:fs";
import { Readable } from "node:stream";
import * as zlib from "node:zlib";
import { CaptureFormatError } from "./errors.js";
import { CaptureParser } from "./parser.js";
import type { RecordSink } from "./types.js";

/** Size of the reused read buffer. */
export const READ_CHUNK = 1024 * 1024;

/** Result of reading a capture file. */
export interface ReadResult {
  /** Records delivered to the sink. */
  packets: number;
  /** Capture bytes parsed (decompressed bytes for gzip). */
  bytes: number;
  /** Detected format: "pcap" | "pcap-nsec" | "pcap-modified" | "pcapng" ("" if the header was unreadable). */
  format: string;
  /** True when the file was gzip-compressed. */
  gzip: boolean;
  /** Distinct link types of the file, in order of appearance. */
  linktypes: number[];
  /** Set when the file is truncated/corrupt; every record before the problem was delivered. */
  error?: CaptureFormatError;
}

/** Options of readCaptureFile. */
export interface ReadOptions {
  /** Called after each chunk with bytes of the (compressed) file read so far and the file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Aborts the read; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Read size of plain files (default READ_CHUNK); tests use small sizes to exercise chunk boundaries. */
  chunkSize?: number;
}

/** A failed read, resolved rather than rejected (see readCaptureFile). */
interface ReadFailure {
  failure: unknown;
}

function ioError(path: string, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  const msg = `${path}: cannot read capture: ${err.code ? err.code + " " : ""}${err.message ?? String(e)}`;
  const out = new Error(msg, { cause: e }) as NodeJS.ErrnoException;
  if (err.code) out.code = err.code;
  return out;
}

function result(parser: CaptureParser, gzip: boolean, error?: CaptureFormatError): ReadResult {
  const r: ReadResult = {
    packets: parser.packets,
    bytes: parser.bytesConsumed,
    format: parser.formatName,
    gzip,
    linktypes: parser.linktypes(),
  };
  if (error) r.error = error;
  return r;
}

/** Push a chunk / end the parser, turning format errors into a returned value. */
function guard(fn: () => void): CaptureFormatError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof CaptureFormatError) return e;
    throw e;
  }
}

function isGzip(buf: Uint8Array, n: number): boolean {
  return n >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

function gzipError(path: string, parser: CaptureParser, e: unknown): CaptureFormatError {
  const m = (e as Error).message ?? String(e);
  return new CaptureFormatError("GZIP_CORRUPT", path, parser.bytesConsumed, `gzip: ${m}`);
}

/** Read a capture file, delivering every record to sink. */
export async function readCaptureFile(
  path: string,
  sink: RecordSink,
  opts: ReadOptions = {},
): Promise<ReadResult> {
  const { onProgress, signal } = opts;
  const chunk = Math.max(1, Math.floor(opts.chunkSize ?? READ_CHUNK));
  signal?.throwIfAborted();
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(path, "r");
  } catch (e) {
    throw ioError(path, e);
  }
  const parser = new CaptureParser(sink, { fileName: path });
  // The read in flight, if any. It never rejects (errors are resolved as a ReadFailure), so a prefetch that
  // is abandoned (format error, abort, sink exception) cannot become an unhandled rejection; fh.close()
  // waits for it before the descriptor is released.
  let inFlight: Promise<number | ReadFailure> | null = null;
  try {
    let regular: boolean;
    let total: number;
    try {
      const st = await fh.stat();
      regular = st.isFile();
      total = regular ? st.size : 0;
    } catch (e) {
      throw ioError(path, e);
    }
    // Regular files: two buffers, the read of chunk k+1 (thread pool) runs while chunk k is parsed; there is
    // never more than one read in flight. Pipes and character devices are read sequentially (position null)
    // and without prefetch: a read there may wait for the writer, which must not delay an error or an abort.
    const bufs = [Buffer.allocUnsafe(chunk), Buffer.allocUnsafe(chunk)] as const;
    const readInto = (b: Buffer, at: number): Promise<number | ReadFailure> =>
      fh.read(b, 0, chunk, regular ? at : null).then(
        (r) => r.bytesRead,
        (e: unknown) => ({ failure: e }),
      );
    const take = async (): Promise<number> => {
      const r = await inFlight!;
      inFlight = null;
      if (typeof r !== "number") throw ioError(path, r.failure);
      return r;
    };
    let cur = 0;
    inFlight = readInto(bufs[0], 0);
    let n = await take();
    // gzip is detected before any further read, so a pipe has consumed exactly the first chunk
    if (isGzip(bufs[0], n)) {
      const head = Buffer.from(bufs[0].subarray(0, n));
      return await readGzip(path, fh, regular, head, total, parser, opts);
    }
    let pos = 0;
    while (n > 0) {
      const buf = bufs[cur]!;
      pos += n;
      cur ^= 1;
      if (regular) inFlight = readInto(bufs[cur]!, pos); // prefetch the next chunk into the other buffer
      const err = guard(() => parser.push(n === chunk ? buf : buf.subarray(0, n)));
      onProgress?.(pos, total);
      if (err) return result(parser, false, err);
      signal?.throwIfAborted();
      if (!regular) inFlight = readInto(bufs[cur]!, pos);
      n = await take();
    }
    return result(
      parser,
      false,
      guard(() => parser.end()),
    );
  } finally {
    // an abandoned prefetch: close() waits for it anyway; its outcome no longer matters
    if (inFlight) await inFlight;
    await fh.close();
  }
}

/** Stream a gzip file (whose first bytes, already read, are head) through zlib into the parser. */
async function readGzip(
  path: string,
  fh: fs.promises.FileHandle,
  regular: boolean,
  head: Buffer,
  total: number,
  parser: CaptureParser,
  opts: ReadOptions,
): Promise<ReadResult> {
  const { onProgress, signal } = opts;
  let rawRead = head.length;
  let rawError: unknown = null;
  async function* rawChunks(): AsyncGenerator<Buffer> {
    yield head;
    while (true) {
      const b = Buffer.allocUnsafe(READ_CHUNK); // zlib may keep a reference: one buffer per chunk, GC'd
      let n: number;
      try {
        n = (await fh.read(b, 0, READ_CHUNK, regular ? rawRead : null)).bytesRead;
      } catch (e) {
        rawError = e;
        throw e;
      }
      if (n === 0) return;
      rawRead += n;
      yield b.subarray(0, n);
    }
  }
  const raw = Readable.from(rawChunks(), { objectMode: false });
  const gunzip = zlib.createGunzip({ chunkSize: READ_CHUNK });
  raw.on("error", (e) => gunzip.destroy(e));
  raw.pipe(gunzip);
  let err: CaptureFormatError | undefined;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      signal?.throwIfAborted();
      err = guard(() => parser.push(chunk));
      onProgress?.(rawRead, total);
      if (err) break;
    }
  } catch (e) {
    if (rawError) throw ioError(path, rawError);
    if (signal?.aborted) throw e;
    if (e instanceof CaptureFormatError) err = e;
    else err = gzipError(path, parser, e);
  } finally {
    raw.unpipe(gunzip);
    raw.destroy();
    gunzip.destroy();
  }
  if (!err) err = guard(() => parser.end());
  return result(parser, true, err);
}

/** The rejection of an aborted read whose signal carries no Error (e.g. the reason "SIGTERM"). */
class AbortError extends Error {
  constructor(reason: unknown) {
    super(typeof reason === "string" ? reason : "aborted");
    this.name = "AbortError";
  }
}

/**
 * Read a capture from a stream (standard input: `pfw scan -`; any pipe or socket, which /dev/stdin cannot
 * always open). gzip is detected from the first bytes. Records are delivered as from readCaptureFile.
 */
export async function readCaptureStream(
  name: string,
  input: AsyncIterable<Buffer | string>,
  sink: RecordSink,
  opts: Pick<ReadOptions, "signal"> = {},
): Promise<ReadResult> {
  const parser = new CaptureParser(sink, { fileName: name });
  const it = input[Symbol.asyncIterator]();
  // A pipe may stay silent for a long time: an abort must not wait for its next chunk.
  const signal = opts.signal;
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    const fail = (): void =>
      reject(signal.reason instanceof Error ? signal.reason : new AbortError(signal.reason));
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
  aborted.catch(() => undefined);
  const next = (): Promise<IteratorResult<Buffer | string>> =>
    signal ? Promise.race([it.next(), aborted]) : it.next();
  const chunks = async function* (first: Buffer | null): AsyncGenerator<Buffer> {
    if (first) yield first;
    for (;;) {
      const r = await next();
      if (r.done) return;
      yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    }
  };
  let first: Buffer | null = null;
  try {
    const r = await next();
    if (!r.done) first = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
  } catch (e) {
    if (signal?.aborted) throw e;
    throw ioError(name, e);
  }
  const gzip = first !== null && isGzip(first, first.length);
  let err: CaptureFormatError | undefined;
  let src: AsyncIterable<Buffer> = chunks(first);
  let gunzip: zlib.Gunzip | null = null;
  if (gzip) {
    gunzip = zlib.createGunzip({ chunkSize: READ_CHUNK });
    const raw = Readable.from(src, { objectMode: false });
    raw.on("error", (e) => gunzip!.destroy(e));
    raw.pipe(gunzip);
    src = gunzip as AsyncIterable<Buffer>;
  }
  try {
    for await (const chunk of src) {
      opts.signal?.throwIfAborted();
      err = guard(() => parser.push(chunk));
      if (err) break;
    }
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    if (e instanceof CaptureFormatError) err = e;
    else if (gzip) err = gzipError(name, parser, e);
    else throw ioError(name, e);
  } finally {
    gunzip?.destroy();
  }
  if (!err) err = guard(() => parser.end());
  return result(parser, gzip, err);
}

/**
 * Synchronous variant (tests, small tools). Plain files stream through one reused buffer; gzip files are
 * decompressed in one piece (zlib has no public synchronous streaming API), so memory grows with gzip files.
 */
export function readCaptureFileSync(path: string, sink: RecordSink): ReadResult {
  let fd: number;
  try {
    fd = fs.openSync(path, "r");
  } catch (e) {
    throw ioError(path, e);
  }
  const parser = new CaptureParser(sink, { fileName: path });
  try {
    const regular = fs.fstatSync(fd).isFile();
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    let pos = 0;
    let first = true;
    while (true) {
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, READ_CHUNK, regular ? pos : null);
      } catch (e) {
        throw ioError(path, e);
      }
      if (first) {
        first = false;
        if (isGzip(buf, n)) {
          let data: Buffer;
          try {
            // positional reads leave a regular file's offset at 0; a pipe has consumed the first chunk
            const rest = fs.readFileSync(fd);
            data = zlib.gunzipSync(regular ? rest : Buffer.concat([buf.subarray(0, n), rest]));
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code?.startsWith("Z_")) {
              return result(parser, true, gzipError(path, parser, e));
            }
            throw ioError(path, e);
          }
          const err = guard(() => parser.push(data)) ?? guard(() => parser.end());
          return result(parser, true, err);
        }
      }
      if (n === 0) break;
      pos += n;
      const err = guard(() => parser.push(n === READ_CHUNK ? buf : buf.subarray(0, n)));
      if (err) return result(parser, false, err);
    }
    return result(
      parser,
      false,
      guard(() => parser.end()),
    );
  } finally {
    fs.closeSync(fd);
  }
}

/** Parse an in-memory capture (tests). chunkSize splits the input to exercise chunk boundaries. */
export function parseCaptureBuffer(
  data: Uint8Array,
  sink: RecordSink,
  opts: { fileName?: string; chunkSize?: number; maxRecord?: number } = {},
): ReadResult {
  const popts: { fileName?: string; maxRecord?: number } = { fileName: opts.fileName ?? "<buffer>" };
  if (opts.maxRecord !== undefined) popts.maxRecord = opts.maxRecord;
  const parser = new CaptureParser(sink, popts);
  const step = opts.chunkSize ?? (data.length || 1);
  for (let i = 0; i < data.length; i += step) {
    const err = guard(() => parser.push(data.subarray(i, Math.min(data.length, i + step))));
    if (err) return result(parser, false, err);
  }
  return result(
    parser,
    false,
    guard(() => parser.end()),
  );
}
