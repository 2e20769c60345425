import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { openDatabase } from "../../src/db/connect.ts";
import { getOrCreateTokenSecret } from "../../src/db/settings-repo.ts";

describe("database", function () {
  this.timeout(60_000);

  it("keeps one generated token secret across opens", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "anisync-db-"));
    const first = await openDatabase({ dataDir: dir });
    const secret = await getOrCreateTokenSecret(first.db);
    await first.close();
    const second = await openDatabase({ dataDir: dir });
    assert.equal(await getOrCreateTokenSecret(second.db), secret);
    assert.ok(secret.length >= 32);
    await second.close();
  });

  it("two processes starting at once on a fresh PostgreSQL database migrate it once", async function () {
    const base = process.env.DATABASE_URL;
    if (!base) this.skip();
    const admin = await openDatabase({ databaseUrl: base!, dataDir: "" });
    const name = `anisync_mig_${process.pid}_${Date.now()}`;
    await admin.db.execute(sql.raw(`CREATE DATABASE ${name}`));
    const url = new URL(base!);
    url.pathname = `/${name}`;
    try {
      const [a, b] = await Promise.all([
        openDatabase({ databaseUrl: url.toString(), dataDir: "" }),
        openDatabase({ databaseUrl: url.toString(), dataDir: "" }),
      ]);
      const [sa, sb] = await Promise.all([getOrCreateTokenSecret(a.db), getOrCreateTokenSecret(b.db)]);
      assert.equal(sa, sb);
      await Promise.all([a.close(), b.close()]);
    } finally {
      await admin.db.execute(sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      await admin.close();
    }
  });
});
