/**
 * Box-drawing tables, byte for byte as cli-table3 0.6 draws them with pfw's settings (no colours, no
 * word wrap, no fixed widths), in a fraction of the time: cli-table3 measures every cell with string-width,
 * which compiles a fresh ANSI regular expression per call; its first table in a process took 85 ms for
 * pfw's 50-row flagged-flow table (25 ms warm), this takes well under 1 ms. (Measured 2026-11-26.)
 *
 * Only for cells of printable ASCII, newlines and "…" (each 1 column wide, as string-width says): anything
 * else returns null and the caller draws with cli-table3 itself, so wide characters, combining marks,
 * control characters and ANSI escapes keep cli-table3's exact rendering. test/report/box-table.test.ts
 * compares both on random tables.
 *
 * Layout (cli-table3's): every cell padded by one space each side; a column is as wide as its widest line;
 * a row is as tall as its tallest cell; a rule between every two rows (including after the head).
 */
import { createRequire } from "node:module";

const SIMPLE = /^[\x20-\x7e\n\u2026]*$/;

/** Lines of every cell of a table whose cells are all simple, else null. */
function split(rows: readonly (readonly string[])[]): string[][][] | null {
  const out: string[][][] = [];
  for (const r of rows) {
    const cells: string[][] = [];
    for (const c of r) {
      if (!SIMPLE.test(c)) return null;
      cells.push(c.split("\n"));
    }
    out.push(cells);
  }
  return out;
}

/**
 * The table text (no trailing newline), or null when a cell needs cli-table3's own measuring.
 * rows: the head (if any) first; every row has the same number of cells.
 */
export function boxTable(rows: readonly (readonly string[])[]): string | null {
  const cells = split(rows);
  if (cells === null || cells.length === 0) return null;
  const ncol = cells[0]!.length;
  if (ncol === 0 || cells.some((r) => r.length !== ncol)) return null;
  const widths = new Array<number>(ncol).fill(0);
  for (const r of cells)
    r.forEach((lines, i) => {
      for (const l of lines) if (l.length > widths[i]!) widths[i] = l.length;
    });
  const rule = (l: string, m: string, r: string): string =>
    l + widths.map((w) => "─".repeat(w + 2)).join(m) + r;
  const out: string[] = [rule("┌", "┬", "┐")];
  cells.forEach((r, ri) => {
    if (ri > 0) out.push(rule("├", "┼", "┤"));
    const height = Math.max(...r.map((lines) => lines.length));
    for (let h = 0; h < height; h++)
      out.push("│" + r.map((lines, i) => " " + (lines[h] ?? "").padEnd(widths[i]!) + " ").join("│") + "│");
  });
  out.push(rule("└", "┴", "┘"));
  return out.join("\n");
}

interface CliTable {
  push(...rows: unknown[]): void;
  toString(): string;
}
type CliTableCtor = new (opts: Record<string, unknown>) => CliTable;
let cliTable: CliTableCtor | null = null;

/** cli-table3's rendering of the same table (loaded on first use). */
export function cliTable3(head: readonly string[] | null, rows: readonly (readonly string[])[]): string {
  cliTable ??= createRequire(import.meta.url)("cli-table3") as CliTableCtor;
  const t = new cliTable({
    ...(head ? { head: [...head] } : {}),
    style: { head: [], border: [] },
    wordWrap: false,
  });
  t.push(...rows.map((r) => [...r]));
  return t.toString();
}

/** A table with a head row: boxTable() when it can, else cli-table3. */
export function renderTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return boxTable([head, ...rows]) ?? cliTable3(head, rows);
}

/** A two-column key / value table (cli-table3's "vertical" table of { key: value } rows). */
export function renderKeyValue(pairs: readonly (readonly [string, string])[]): string {
  const fast = boxTable(pairs);
  if (fast !== null) return fast;
  cliTable ??= createRequire(import.meta.url)("cli-table3") as CliTableCtor;
  const t = new cliTable({ style: { head: [], border: [] } });
  t.push(...pairs.map(([k, v]) => ({ [k]: v })));
  return t.toString();
}
