/**
 * Entry point: `npm start`. Reads the environment, starts one AniSync process. Everything the
 * process prints, its dependencies' console output included, is a JSON log line (src/ops/log-stream.ts).
 */
import module from "node:module";
import { fileURLToPath } from "node:url";

// V8's compile cache (Node's own, keyed by each file's content) for every module loaded below:
// a later start skips most of parsing and compiling them. The modules load
// dynamically so that they come after this line. A read-only folder only turns the cache off.
module.enableCompileCache(
  fileURLToPath(new URL("../node_modules/.cache/anisync/compile-cache", import.meta.url)),
);
const { loadConfig } = await import("./config.ts");
const { createLogger } = await import("./log.ts");
const { captureProcessOutput } = await import("./ops/log-stream.ts");
const { releaseStartupGarbage } = await import("./ops/startup-garbage.ts");
const { startPgliteEarly } = await import("./db/pglite-start.ts");

let log = createLogger("info");
try {
  const config = loadConfig();
  log = createLogger(config.LOG_LEVEL);
  captureProcessOutput(log);
  // a later PGlite start: PGlite's thread opens the database while this one loads the server
  const pglite = config.DATABASE_URL ? undefined : startPgliteEarly(config.DATA_DIR, config.PGLITE_TEMPLATE);
  const { createAniSync } = await import("./server.ts");
  await createAniSync(config, { log, exitOnSignal: true, pglite });
  releaseStartupGarbage();
} catch (err) {
  // a bad setting, a locked DATA_DIR, an unreachable database: say what, and stop
  log.error(`anisync: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
