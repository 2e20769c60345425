/** Entry point: `npm start`. Reads the environment, starts one AniSync process. */
import { ConfigError, loadConfig } from "./config.ts";
import { createAniSync } from "./server.ts";

try {
  const config = loadConfig();
  await createAniSync(config, { exitOnSignal: true });
} catch (err) {
  if (err instanceof ConfigError || (err as Error)?.name === "DataDirLockedError" || err instanceof Error) {
    process.stderr.write(`anisync: ${(err as Error).message}\n`);
  }
  process.exit(1);
}
