/**
 * The rule schema and the native-format writer must run in a browser (the dashboard's rule editor
 * validates with them): nothing they import, directly or through other modules, is a Node built-in.
 * Reading files is src/rules/file.ts only.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(import.meta.dirname, "../../src");

/** Every module reachable from entry through static imports / re-exports, and every non-relative specifier. */
function importGraph(entry: string): { modules: string[]; external: string[] } {
  const modules = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string): void => {
    if (modules.has(file)) return;
    modules.add(file);
    const text = fs.readFileSync(file, "utf8");
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)) {
      const spec = m[1] as string;
      if (!spec.startsWith(".")) external.add(spec);
      else visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, ".ts")));
    }
  };
  visit(entry);
  return { modules: [...modules].map((f) => path.relative(SRC, f)), external: [...external] };
}

describe("rule schema without Node built-ins", () => {
  for (const entry of ["rules/schema.ts", "rules/to-native.ts", "rules/needs.ts"]) {
    it(`${entry} imports no node: module and not rules/file.ts`, () => {
      const g = importGraph(path.join(SRC, entry));
      expect(g.modules.length).toBeGreaterThan(1);
      expect(g.external).toEqual([]);
      expect(g.modules).not.toContain("rules/file.ts");
    });
  }
  it("rules/file.ts is the one rules module that reads files", () => {
    const readers = fs
      .readdirSync(path.join(SRC, "rules"))
      .filter((f) => /from "node:fs"/.test(fs.readFileSync(path.join(SRC, "rules", f), "utf8")));
    expect(readers).toEqual(["file.ts"]);
  });
});
