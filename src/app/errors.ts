/** Errors of the use cases: a user mistake (bad argument, bad rule file, unwritable output). */
import { PfwError } from "../net/errors.js";

/** A user mistake: printed as one line (or a list of rule problems), exit code 2, no stack trace. */
export class UsageError extends PfwError {
  constructor(message: string, where: { file?: string; rulePath?: string } = {}) {
    super("USAGE", message, where);
  }
}
