/**
 * Build step after tsc (`npm run build`): bundle the CLI entry dist/src/cli/main.js, with the scan and
 * packets commands and their npm dependencies (commander, cli-table3, csv-stringify), into a few ESM files,
 * so `pfw scan` starts without resolving and loading ~80 separate modules (about 30 ms less per run).
 *
 * - The bundle replaces dist/src/cli/main.js in place; what it loads lazily lives in dist/src/cli/chunks/.
 *   `node dist/src/cli/main.js` keeps working, and so does a plain tsc build (it rewrites main.js unbundled).
 * - live, rules and enforce stay separate (external, tsc output): live locates its native addon from
 *   import.meta.url, which must not move into chunks/. A new command module that does the same must be
 *   added to EXTERNAL.
 * - Source maps chain through tsc's maps to src/*.ts.
 * - Without esbuild (not installed), or when main.js is already a bundle (no tsc run since), the tsc output
 *   is left as it is and the step only says so: the CLI works either way, only start-up is slower.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = path.join(ROOT, "dist", "src", "cli");
const MAIN = path.join(CLI, "main.js");
const CHUNKS = path.join(CLI, "chunks");
/** Marks a bundled main.js (so a second run without tsc in between does nothing). */
const MARK = "/* pfw: bundled by scripts/bundle-cli.ts */";
/** Command modules loaded from their tsc output, not bundled. */
const EXTERNAL = ["./live.js", "./rules.js", "./enforce.js", "cap"];

async function main(): Promise<void> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run tsc -p tsconfig.build.json first`);
  if (fs.readFileSync(MAIN, "utf8").includes(MARK)) {
    console.log("bundle-cli: dist/src/cli/main.js is already bundled (no tsc run since); left as is");
    return;
  }
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch {
    console.warn("bundle-cli: esbuild is not installed; the CLI stays unbundled (slower start-up)");
    return;
  }
  fs.rmSync(CHUNKS, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: { main: MAIN },
    outdir: CLI,
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: EXTERNAL,
    sourcemap: true,
    allowOverwrite: true,
    logLevel: "warning",
    // CommonJS dependencies (commander, cli-table3) call require() for node built-ins
    banner: {
      js: `${MARK}\nimport { createRequire as __pfwCreateRequire } from "node:module";\nconst require = __pfwCreateRequire(import.meta.url);`,
    },
  });
  const n = fs.readdirSync(CHUNKS).filter((f) => f.endsWith(".js")).length;
  console.log(`bundle-cli: dist/src/cli/main.js bundled (${n} chunks in dist/src/cli/chunks/)`);
}

await main();
