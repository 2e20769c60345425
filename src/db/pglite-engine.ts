/**
 * Embedded PGlite as AniSync runs it, without drizzle: PGlite's class, its in-memory filesystem
 * class (src/db/pglite-init.ts extends it) and the server's options (src/db/pglite-memory.ts).
 * PGlite's CommonJS build: the copy drizzle's own driver module requires, so a process that loads
 * both (npm install's template script) has one PGlite. PGlite's thread (src/db/pglite-worker.ts)
 * loads this alone; drizzle stays on the main thread.
 */
import { createRequire } from "node:module";
import type * as PgliteClient from "@electric-sql/pglite";
import { keepWasmOnBaselineCompiler, pgliteMemoryOptions } from "./pglite-memory.ts";

const require = createRequire(import.meta.url);

export function pgliteEngine() {
  const { PGlite, MemoryFS } = require("@electric-sql/pglite") as typeof PgliteClient;
  keepWasmOnBaselineCompiler();
  return { PGlite, MemoryFS, options: pgliteMemoryOptions(PGlite.defaultStartParams) };
}
