import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { MIGRATIONS_DIR, serverPglite } from "../../src/db/connect.ts";
import { initdbMarker, openPgliteDir } from "../../src/db/pglite-init.ts";
import { makePgliteTemplate, pgliteTemplateDir } from "../../src/db/pglite-template.ts";

/** A first PGlite start copies the empty cluster npm install made (src/db/pglite-template.ts). */
describe("embedded PGlite, the first-start template", function () {
  this.timeout(120_000);
  const { PGlite, MemoryFS, options } = serverPglite();
  const fresh = () => mkdtempSync(path.join(tmpdir(), "anisync-template-"));
  const noMigrations = async () => {};

  /** PostgreSQL's system identifier: initdb draws a new one, a copied cluster keeps its source's */
  async function openedIdentity(pgDir: string, template: string | null | (() => never)) {
    const lookup = typeof template === "function" ? template : () => template;
    const pg = await openPgliteDir(pgDir, { PGlite, MemoryFS }, options, lookup);
    try {
      const { rows } = await pg.query<{ id: string; sb: string }>(
        "SELECT system_identifier::text AS id, current_setting('shared_buffers') AS sb FROM pg_control_system()",
      );
      return rows[0]!;
    } finally {
      await pg.close();
    }
  }

  it("npm install made the template for the server's own PGlite options and migrations", async () => {
    const dir = pgliteTemplateDir(options, MIGRATIONS_DIR);
    assert.ok(existsSync(path.join(dir, "PG_VERSION")), `${dir} (package.json postinstall)`);
    assert.match(path.basename(dir), /^pglite-template-\d+\.\d+\.\d+-[0-9a-f]{12}$/);
    // another initdb setting, another template; another migration, another template
    assert.notEqual(
      pgliteTemplateDir({ ...options, initDbStartParams: ["--set", "shared_buffers=32MB"] }, MIGRATIONS_DIR),
      dir,
    );
    const migrations = fresh();
    cpSync(MIGRATIONS_DIR, migrations, { recursive: true });
    assert.equal(pgliteTemplateDir(options, migrations), dir);
    writeFileSync(path.join(migrations, "9999_next.sql"), "SELECT 1;");
    assert.notEqual(pgliteTemplateDir(options, migrations), dir);
    // a copy has the schema: the start's own migrations find nothing to do
    const pg = await openPgliteDir(path.join(fresh(), "pglite"), { PGlite, MemoryFS }, options, () => dir);
    try {
      const { rows } = await pg.query<{ n: number }>("SELECT count(*)::int AS n FROM rooms");
      assert.equal(rows[0]!.n, 0);
    } finally {
      await pg.close();
    }
  });

  it("empty directories are copies of the template, not new clusters; without one, initdb runs", async () => {
    const cache = fresh();
    const template = path.join(cache, "t");
    await makePgliteTemplate(template, { PGlite, MemoryFS }, options, noMigrations);
    await makePgliteTemplate(template, { PGlite, MemoryFS }, options, noMigrations); // there: left as it is
    const a = await openedIdentity(path.join(fresh(), "pglite"), template);
    const b = await openedIdentity(path.join(fresh(), "pglite"), template);
    const own = await openedIdentity(path.join(fresh(), "pglite"), null);
    assert.equal(a.id, b.id, "both copied from one template");
    assert.notEqual(own.id, a.id, "initdb made a cluster of its own");
    assert.equal(a.sb, "16MB");
    // a copy that was opened is a database: reopened as it is, not copied again
    const dir = path.join(fresh(), "pglite");
    const copied = await openedIdentity(dir, template);
    const laterStart = () => assert.fail("a later start looks no template up (no hashing of migrations/)");
    assert.equal((await openedIdentity(dir, laterStart)).id, copied.id);
  });

  it("a copy cut short (the marker is there) is made again on the next start", async () => {
    const cache = fresh();
    const template = path.join(cache, "t");
    await makePgliteTemplate(template, { PGlite, MemoryFS }, options, noMigrations);
    const pgDir = path.join(fresh(), "pglite");
    mkdirSync(pgDir);
    writeFileSync(path.join(pgDir, "PG_VERSION"), "17\n"); // a half-copied directory
    writeFileSync(initdbMarker(pgDir), "killed\n");
    const opened = await openedIdentity(pgDir, template);
    assert.equal(opened.sb, "16MB");
    assert.ok(!existsSync(initdbMarker(pgDir)));
  });
});
