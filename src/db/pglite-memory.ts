/**
 * Memory settings for embedded PGlite (PostgreSQL compiled to WebAssembly), measured with
 * `npm run bench:footprint` (docs/performance.md, "Footprint"). Queries, results and data are the
 * same as with PGlite's defaults; only where memory goes changes:
 *
 * - shared_buffers 16MB instead of initdb's 128MB. In PGlite shared memory is ordinary WebAssembly
 *   memory, zeroed (so resident) in full at start: 128MB cost ~118 MB RSS for a cache that
 *   duplicates the OS page cache the data files are read through anyway.
 * - WebAssembly code stays on V8's baseline compiler (Liftoff). V8's optimizing tier (TurboFan)
 *   recompiles hot functions in the background; one of PostgreSQL's (wasm function #2272, 105 KB
 *   of code) needs ~600 MB of compiler memory for ~0.3 s, shortly after the first queries, and
 *   on two cores the tier-up also made a first start ~3x slower. Cost: once warm, queries run
 *   ~1.5-2x slower than fully optimized code (an indexed lookup ~0.4 ms instead of ~0.2-0.27 ms;
 *   before the warm-up they are faster). The flags are process-wide; the process's other
 *   WebAssembly (Node's TypeScript stripping) only loses the same optimization.
 */
import v8 from "node:v8";

const SHARED_BUFFERS = "shared_buffers=16MB";

let baselineOnly = false;

/** Call before PGlite compiles its WebAssembly (before the first PGlite.create). */
export function keepWasmOnBaselineCompiler(): void {
  if (baselineOnly) return;
  // --liftoff-only would say it, but is read only at V8's start-up; these two are read when a
  // module is compiled
  v8.setFlagsFromString("--no-wasm-tier-up --no-wasm-dynamic-tiering");
  baselineOnly = true;
}

/** PGlite options: `defaultStartParams` is PGlite's own list, which `startParams` replaces. */
export function pgliteMemoryOptions(defaultStartParams: readonly string[]) {
  return {
    // also overrides the 128MB that directories initialised before this setting have in postgresql.conf
    startParams: [...defaultStartParams, "-c", SHARED_BUFFERS],
    // initdb runs PostgreSQL several times in a second, throwaway instance: the same setting
    // there, and in the postgresql.conf it writes
    initDbStartParams: ["--set", SHARED_BUFFERS],
  };
}
