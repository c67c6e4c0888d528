/** System error codes as sentences for users ("ENOENT" -> "no such file or folder"). */

const SENTENCES: Record<string, string> = {
  ENOENT: "no such file or folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "it is a folder",
  ENOTDIR: "a part of the path is not a folder",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EEXIST: "it already exists",
  ELOOP: "it is a symbolic link (pfw does not follow links for files it writes)",
  EMFILE: "too many open files",
  ENAMETOOLONG: "the name is too long",
  EINVAL: "the operation is not supported there",
  ENXIO: "no such device",
  EIO: "input/output error",
  EBUSY: "the file is busy",
  ETXTBSY: "the file is busy",
  EFBIG: "the file is too large",
};

/** A sentence for an errno code, or the code itself when it has none. */
export function errnoSentence(code: string | undefined): string {
  if (!code) return "unknown error";
  return SENTENCES[code] ?? code;
}

/** The sentence of a thrown fs error (its code's sentence, else its message). */
export function ioReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === "string") return errnoSentence(err.code);
  return (e as Error)?.message ?? String(e);
}
