/**
 * Opens the database: PostgreSQL when DATABASE_URL is set, else embedded PGlite in DATA_DIR
 * (one process at a time, guarded by a lockfile). Applies migrations/ on open; on PostgreSQL
 * under an advisory lock so concurrent processes never migrate twice.
 *
 * PostgreSQL connections are bounded in time so that a database that goes away (a network cut
 * drops packets without closing anything) turns into errors the room outboxes retry, instead of
 * queries that hang: a connect timeout, a server-side statement timeout with a client-side read
 * timeout 1 s behind it, an idle-in-transaction timeout, an idle timeout for pooled connections,
 * and TCP keepalive (first probe after 10 s idle) so the kernel notices a dead peer.
 */
import { loadNodePostgres, loadPglite, sql, type PgDatabase, type PgQueryResultHKT } from "./drizzle.ts";
import * as schema from "./schema.ts";
import { inTransaction, type OnOneConnection } from "./pg-transaction.ts";
import type { PoolClient } from "pg";
import { pgliteEngine } from "./pglite-engine.ts";
import { MIGRATIONS_DIR, startPglite, type StartedPglite } from "./pglite-start.ts";

export { MIGRATIONS_DIR };

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: "postgres" | "pglite";
  /** a cheap round trip, for health checks */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** arbitrary constant: the advisory lock key AniSync migrates under */
const MIGRATION_LOCK_KEY = 7_310_442_001;

export interface PostgresTimeouts {
  connectMs: number;
  statementMs: number;
  idleMs: number;
}

const DEFAULT_TIMEOUTS: PostgresTimeouts = { connectMs: 5000, statementMs: 15_000, idleMs: 30_000 };
/** the client's read timeout trails the server's statement timeout, so the server cancels first */
const READ_TIMEOUT_MARGIN_MS = 1000;
const KEEPALIVE_IDLE_MS = 10_000;

export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  timeouts?: PostgresTimeouts;
  /** PGlite: copy npm install's empty cluster on a first start (default true) */
  pgliteTemplate?: boolean;
  /** PGlite: its thread, already started (pglite-start.ts) */
  pglite?: StartedPglite;
}): Promise<Database> {
  return opts.databaseUrl
    ? openPostgres(opts.databaseUrl, opts.timeouts ?? DEFAULT_TIMEOUTS)
    : openPglite(opts.pglite ?? startPglite(opts.dataDir, opts.pgliteTemplate ?? true));
}

async function openPostgres(url: string, timeouts: PostgresTimeouts): Promise<Database> {
  const { default: pg } = await import("pg");
  const { drizzle, migrate } = loadNodePostgres();
  // JIT compiles for ~10 ms whenever the planner's estimate is large (a recursive thread
  // query is): never worth it for short OLTP queries
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    options: "-c jit=off",
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.statementMs,
    query_timeout: timeouts.statementMs + READ_TIMEOUT_MARGIN_MS,
    idle_in_transaction_session_timeout: timeouts.statementMs,
    idleTimeoutMillis: timeouts.idleMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
  });
  // a dropped connection (server restart, forced drop) must not crash the process: the pool
  // listens on idle clients only, so each client also gets a listener of its own for while it is
  // checked out (a transaction's): without it a connection lost between two statements of a room
  // write was an uncaught exception (a network cut healing). Its queries still fail, and the pool
  // drops the client when it is released.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = drizzle(pool, { schema });
  // drizzle's own leaks the connection when BEGIN fails (src/db/pg-transaction.ts)
  const bind = (client: PoolClient) => drizzle(client, { schema }) as unknown as OnOneConnection<Db>;
  Object.assign(db, { transaction: <T>(fn: (tx: Db) => Promise<T>) => inTransaction(pool, bind, fn) });

  // migrations run on a connection of their own, without the statement timeouts: waiting for
  // another process's migration, or one long migration, may take longer than any query should
  const migrator = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeouts.connectMs,
    keepAlive: true,
  });
  migrator.on("error", () => {});
  await migrator.connect();
  try {
    await migrator.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await migrate(drizzle(migrator), { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    await migrator.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    await migrator.end().catch(() => {});
  }

  return {
    db: db as unknown as Db,
    kind: "postgres",
    ping: async () => void (await pool.query("SELECT 1")),
    close: () => pool.end(),
  };
}

/**
 * PGlite as npm install's template script makes it (src/db/make-pglite-template.ts), in its own
 * process: PGlite's classes and options exactly as the server's PGlite thread has them, and
 * drizzle over it.
 */
export function serverPglite() {
  return { ...loadPglite(), ...pgliteEngine() };
}

async function openPglite(started: StartedPglite): Promise<Database> {
  const { lock } = started;
  try {
    const client = await started.thread;
    try {
      const { drizzle, migrate } = loadPglite();
      const db = drizzle({ client: client.asPglite(), schema });
      await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
      return {
        db: db as unknown as Db,
        kind: "pglite",
        ping: async () => void (await db.execute(sql`SELECT 1`)),
        close: async () => {
          await client.close();
          lock.release();
        },
      };
    } catch (err) {
      await client.close().catch(() => {});
      throw err;
    }
  } catch (err) {
    lock.release();
    throw err;
  }
}
