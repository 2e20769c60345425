/**
 * Transactions on the PostgreSQL pool that always give their connection back.
 *
 * drizzle-orm's node-postgres `transaction()` (0.45) sends BEGIN outside its try/finally: when
 * BEGIN fails (the network to PostgreSQL cut, the client's read timeout) the checked-out client
 * is never released. Each such failure took one of the pool's connections for good, and
 * `pool.end()` at shutdown then waited forever (seen: a process that did not stop on SIGTERM
 * after a database outage). This one releases the client in every case, and releases it as
 * broken (the pool closes it) unless PostgreSQL itself answered the error.
 */
import type { Pool, PoolClient } from "pg";

/** An error PostgreSQL answered (it carries a SQLSTATE and a severity): the connection is fine. */
function answeredByServer(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, severity } = e as { code?: unknown; severity?: unknown };
    if (typeof code === "string" && typeof severity === "string") return true;
  }
  return false;
}

/** A database bound to one connection, whose own `transaction()` (BEGIN, savepoints when nested) is safe there. */
export interface OnOneConnection<Tx> {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

/**
 * Runs `fn` in a transaction on one pooled connection (drizzle's transaction on that connection,
 * so a nested one is a savepoint), and gives the connection back in every case.
 */
export async function inTransaction<Tx, T>(
  pool: Pool,
  bind: (client: PoolClient) => OnOneConnection<Tx>,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await bind(client).transaction(fn);
  } catch (err) {
    if (!answeredByServer(err)) broken = asError(err);
    throw err;
  } finally {
    client.release(broken);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
