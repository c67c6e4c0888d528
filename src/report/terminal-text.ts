/**
 * Text from captures and rule files (file names, rule ids and reasons, error messages) made safe for a
 * terminal: C0 and C1 control characters and DEL are shown as \xNN (newline and tab as \n and \t), so an
 * ESC in a reason or a file name cannot drive the terminal. The log files escape them their own way (JSON
 * strings); this is for everything printed to a terminal.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_NEWLINE = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/g;

function esc(c: string): string {
  if (c === "\n") return "\\n";
  if (c === "\t") return "\\t";
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
}

/** One line of text with every control character escaped (newlines too). */
export function terminalSafe(s: string): string {
  return s.replace(CONTROL, esc);
}

/** A message that may span lines: control characters escaped, line breaks kept. */
export function terminalSafeLines(s: string): string {
  return s.replace(CONTROL_BUT_NEWLINE, esc);
}
