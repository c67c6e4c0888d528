/** System error codes as sentences for users ("ENOENT" -> "no such file or folder"); one table, in capture/output-file.ts. */
import { reasonOf } from "../capture/output-file.js";

/** The sentence of a thrown fs error (its code's sentence, else its message). */
export const ioReason = reasonOf;
