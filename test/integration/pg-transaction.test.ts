import assert from "node:assert/strict";
import { openDatabase, type Database } from "../../src/db/connect.ts";
import { sql } from "../../src/db/drizzle.ts";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.ts";

const base = process.env.DATABASE_URL;

/**
 * The server's transactions on PostgreSQL give their connection back, also when BEGIN itself
 * fails (drizzle's own kept the connection checked out for good, and the pool never closed).
 */
describe("PostgreSQL transactions and a cut network", function () {
  this.timeout(60_000);
  let proxy: TcpProxy;
  let database: Database;

  before(async function () {
    if (!base) this.skip(); // needs PostgreSQL
    const url = new URL(base!);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = "127.0.0.1";
    url.port = String(proxy.port);
    database = await openDatabase({
      databaseUrl: url.toString(),
      dataDir: "./data",
      timeouts: { connectMs: 300, statementMs: 300, idleMs: 30_000 },
    });
  });
  after(async () => {
    await proxy?.close();
  });

  it("a transaction inside a transaction is a savepoint: the outer one goes on", async () => {
    const nowOf = async (tx: typeof database.db) =>
      String(
        ((await tx.execute(sql`SELECT now()::text AS t`)) as unknown as { rows: { t: string }[] }).rows[0]!.t,
      );
    const [before, after] = await database.db.transaction(async (tx) => {
      const t1 = await nowOf(tx);
      await tx.transaction(async (inner) => void (await inner.execute(sql`SELECT 1`)));
      await new Promise((r) => setTimeout(r, 20));
      return [t1, await nowOf(tx)];
    });
    assert.equal(after, before, "still one transaction (now() does not move within one)");
  });

  it("a BEGIN that times out releases its connection: the pool works again and closes", async () => {
    const { db } = database;
    const one = () =>
      db.transaction(async (tx) => {
        await tx.execute(sql`SELECT 1`);
        return 1;
      });
    assert.equal(await one(), 1);
    proxy.cut();
    // more failed BEGINs than the pool has connections (10)
    for (let i = 0; i < 12; i++) await assert.rejects(one());
    proxy.restore();
    assert.equal(await one(), 1, "the pool still has connections to give");
    await Promise.race([
      database.close(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("closing the pool hangs")), 5000)),
    ]);
  });
});
