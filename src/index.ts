/** Entry point: `npm start`. Reads the environment, starts one AniSync process. */
import { loadConfig } from "./config.ts";
import { releaseStartupGarbage } from "./ops/startup-garbage.ts";
import { createAniSync } from "./server.ts";

try {
  await createAniSync(loadConfig(), { exitOnSignal: true });
  releaseStartupGarbage();
} catch (err) {
  // a bad setting, a locked DATA_DIR, an unreachable database: say what, and stop
  process.stderr.write(`anisync: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
