import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { boxTable, cliTable3, renderKeyValue, renderTable } from "../../src/report/box-table.js";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** Cells drawn from characters that matter to the layout: ASCII, spaces, newlines, "…", and non-simple ones. */
const simpleCell = fc.string({
  unit: fc.constantFrom("a", "Z", "0", " ", "-", ".", ":", "\n", "…", "|", "~"),
  maxLength: 12,
});
const anyCell = fc.string({
  unit: fc.constantFrom("a", " ", "\n", "…", "é", "中", "😀", "\t", "\u0301", "\x1b[31m", "\x1b[0m"),
  maxLength: 8,
});

function table(cell: fc.Arbitrary<string>): fc.Arbitrary<{ head: string[]; rows: string[][] }> {
  return fc.integer({ min: 1, max: 6 }).chain((n) =>
    fc.record({
      head: fc.array(cell, { minLength: n, maxLength: n }),
      rows: fc.array(fc.array(cell, { minLength: n, maxLength: n }), { maxLength: 6 }),
    }),
  );
}

describe("box tables drawn like cli-table3", () => {
  it("boxTable equals cli-table3 on random tables of simple cells", () => {
    fc.assert(
      fc.property(table(simpleCell), ({ head, rows }) => {
        const fast = boxTable([head, ...rows]);
        expect(fast).not.toBeNull();
        expect(fast).toBe(cliTable3(head, rows));
      }),
      { numRuns: 400 },
    );
  });

  it("renderTable equals cli-table3 on any cells (wide, combining, control, ANSI: cli-table3 draws those)", () => {
    fc.assert(
      fc.property(table(anyCell), ({ head, rows }) => {
        expect(renderTable(head, rows)).toBe(cliTable3(head, rows));
      }),
      { numRuns: 300 },
    );
  });

  it("renderKeyValue equals cli-table3's vertical table", () => {
    const Table = require("cli-table3") as new (o: object) => {
      push(...r: object[]): void;
      toString(): string;
    };
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            simpleCell.filter((k) => k.length > 0 && !k.includes("\n")),
            anyCell,
          ),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        (pairs) => {
          // cli-table3 takes one object per row; duplicate keys are fine (one row each)
          const t = new Table({ style: { head: [], border: [] } });
          t.push(...pairs.map(([k, v]) => ({ [k]: v })));
          expect(renderKeyValue(pairs)).toBe(t.toString());
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses cells it cannot measure", () => {
    expect(boxTable([["中"]])).toBeNull();
    expect(boxTable([["a\tb"]])).toBeNull();
    expect(boxTable([["\x1b[31mred"]])).toBeNull();
    expect(boxTable([["ok", "…"]])).not.toBeNull();
  });
});
