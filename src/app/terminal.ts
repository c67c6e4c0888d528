/** What a front end needs to print safely and to leave no debris on a hard exit. */
export { terminalSafe, terminalSafeLines } from "../report/terminal-text.js";
export { abandonAllOutputs } from "../capture/output-file.js";
