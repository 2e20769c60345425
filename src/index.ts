/**
 * Entry point: `npm start`. Reads the environment, starts one AniSync process. Everything the
 * process prints, its dependencies' console output included, is a JSON log line (src/ops/log-stream.ts).
 */
import { loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { captureProcessOutput } from "./ops/log-stream.ts";
import { releaseStartupGarbage } from "./ops/startup-garbage.ts";
import { createAniSync } from "./server.ts";

let log = createLogger("info");
try {
  const config = loadConfig();
  log = createLogger(config.LOG_LEVEL);
  captureProcessOutput(log);
  await createAniSync(config, { log, exitOnSignal: true });
  releaseStartupGarbage();
} catch (err) {
  // a bad setting, a locked DATA_DIR, an unreachable database: say what, and stop
  log.error(`anisync: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
