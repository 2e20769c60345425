/**
 * An AniSync process whose PostgreSQL is reached through a TCP proxy a test can cut (outage
 * tests), on a database of its own, with a direct pool to look at what was stored.
 */
import type { Pool } from "pg";
import { createDatabase, dropDatabase } from "./pg-database.ts";
import { startServerProcess, type ServerProcess } from "./process.ts";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";

export interface BehindProxy {
  proxy: TcpProxy;
  srv: ServerProcess;
  /** straight to the database, past the proxy */
  db: Pool;
  /** restores the network, stops the process with `signal`, drops the database; the exit code */
  close(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `env` is added to AUTH_MODE=open, no Redis, warnings only. */
export async function serverBehindProxy(
  base: string,
  dbName: string,
  env: Record<string, string | undefined>,
): Promise<BehindProxy> {
  const url = new URL(await createDatabase(base, dbName));
  const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  const { default: pg } = await import("pg");
  const db = new pg.Pool({ connectionString: url.toString() });
  db.on("error", () => {});
  const viaProxy = new URL(url);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(proxy.port);
  const srv = await startServerProcess({
    DATABASE_URL: viaProxy.toString(),
    DATA_DIR: undefined,
    REDIS_URL: "",
    LOG_LEVEL: "warn",
    AUTH_MODE: "open",
    ...env,
  });
  return {
    proxy,
    srv,
    db,
    async close(signal = "SIGTERM") {
      proxy.restore();
      const code = await srv.stop(signal);
      await proxy.close();
      await db.end();
      await dropDatabase(base, dbName);
      return code;
    },
  };
}
