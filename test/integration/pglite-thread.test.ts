import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import v8 from "node:v8";
import { sql } from "drizzle-orm";
import { MIGRATIONS_DIR, openDatabase, type Database } from "../../src/db/connect.ts";
import { isTransient } from "../../src/db/outbox.ts";
import { PgliteThread } from "../../src/db/pglite-thread.ts";

/** the cause drizzle wraps a driver's error in */
function causeOf(err: unknown): Record<string, unknown> {
  return (err as { cause: Record<string, unknown> }).cause;
}

type Rows = { rows: Record<string, unknown>[] };

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail("expected a rejection");
}

describe("embedded PGlite on a thread of its own", function () {
  this.timeout(60_000);
  let dir: string;
  let database: Database;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "anisync-thread-"));
    database = await openDatabase({ dataDir: dir });
    await database.db.execute(
      sql`CREATE TABLE thread_test (n int PRIMARY KEY, at timestamptz DEFAULT now())`,
    );
  });
  after(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => database.db.execute(sql`DELETE FROM thread_test`));

  it("leaves the event loop free while a query runs", async () => {
    let last = performance.now();
    let longestGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 5);
    const started = performance.now();
    await database.db.execute(sql`SELECT count(*) FROM generate_series(1, 3000000)`);
    const took = performance.now() - started;
    clearInterval(timer);
    longestGap = Math.max(longestGap, performance.now() - last); // also when no tick ran at all
    // on the event loop, the query would be one gap as long as itself
    assert.ok(took >= 200, `the query took ${took.toFixed(0)} ms: too short to tell`);
    assert.ok(
      longestGap < took / 2,
      `a ${longestGap.toFixed(0)} ms gap during a ${took.toFixed(0)} ms query`,
    );
  });

  it("commits a transaction's writes together, and rolls them all back when its callback throws", async () => {
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`INSERT INTO thread_test (n) VALUES (1)`);
      await tx.execute(sql`INSERT INTO thread_test (n) VALUES (2)`);
    });
    const err = await rejection(
      database.db.transaction(async (tx) => {
        await tx.execute(sql`INSERT INTO thread_test (n) VALUES (3)`);
        throw new Error("changed my mind");
      }),
    );
    assert.equal((err as Error).message, "changed my mind");
    const { rows } = (await database.db.execute(sql`SELECT n FROM thread_test ORDER BY n`)) as Rows;
    assert.deepEqual(
      rows.map((r) => r.n),
      [1, 2],
    );
  });

  it("a query from outside a transaction runs after it, as on one connection", async () => {
    let outside: Promise<unknown> | undefined;
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`INSERT INTO thread_test (n) VALUES (1)`);
      outside = database.db.execute(sql`SELECT count(*)::int AS c FROM thread_test`);
      await new Promise((r) => setTimeout(r, 50));
      await tx.execute(sql`INSERT INTO thread_test (n) VALUES (2)`);
    });
    assert.equal(((await outside!) as Rows).rows[0]!.c, 2);
  });

  it("a database error keeps PostgreSQL's fields, so a write is not retried for ever", async () => {
    await database.db.execute(sql`INSERT INTO thread_test (n) VALUES (1)`);
    const err = await rejection(database.db.execute(sql`INSERT INTO thread_test (n) VALUES (1)`));
    const cause = causeOf(err);
    assert.equal(cause.code, "23505");
    assert.equal(cause.severity, "ERROR");
    assert.equal(cause.constraint, "thread_test_pkey");
    assert.equal(isTransient(err), false);
  });

  it("keeps timestamps as PostgreSQL's text, as drizzle asks", async () => {
    await database.db.execute(sql`INSERT INTO thread_test (n) VALUES (1)`);
    const { rows } = (await database.db.execute(sql`SELECT at FROM thread_test`)) as Rows;
    assert.equal(typeof rows[0]!.at, "string");
  });

  it("a parameter that cannot cross to the thread fails that query only", async () => {
    const err = await rejection(database.db.execute(sql`SELECT ${() => 1}::text AS f`));
    assert.match(String(causeOf(err)), /could not be cloned/);
    const { rows } = (await database.db.execute(sql`SELECT 1 AS one`)) as Rows;
    assert.equal(rows[0]!.one, 1);
  });

  it("once closed, a query fails instead of waiting", async () => {
    const own = mkdtempSync(path.join(tmpdir(), "anisync-thread-"));
    try {
      const closed = await openDatabase({ dataDir: own });
      await closed.close();
      const err = await rejection(closed.db.execute(sql`SELECT 1`));
      assert.match(String(causeOf(err)), /PGlite is closed/);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});

describe("PGlite's thread's heap", function () {
  this.timeout(60_000);

  it("keeps a small young generation when the process runs with a large one", async () => {
    v8.setFlagsFromString("--max-semi-space-size=64"); // a large process-wide flag (e.g. in NODE_OPTIONS)
    const dir = mkdtempSync(path.join(tmpdir(), "anisync-thread-"));
    const thread = await PgliteThread.open({
      pgDir: path.join(dir, "pglite"),
      useTemplate: true,
      migrationsDir: MIGRATIONS_DIR,
    });
    try {
      // rows that live until they are posted: a young generation allowed to grow does
      for (let i = 0; i < 40; i++)
        await thread.query("SELECT repeat('x', 2000) AS x FROM generate_series(1, 4000)");
      const heap = await thread.heap();
      assert.ok(
        heap.young_bytes <= 24 * 2 ** 20,
        `young generation ${(heap.young_bytes / 2 ** 20).toFixed(0)} MB`,
      );
    } finally {
      await thread.close();
      v8.setFlagsFromString("--max-semi-space-size=0");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
