/**
 * `npm install`'s postinstall: makes the empty PGlite cluster a first start copies
 * (src/db/pglite-template.ts). Never fails the install: without a template a first start runs
 * initdb itself.
 */
import { performance } from "node:perf_hooks";
import { MIGRATIONS_DIR, serverPglite } from "./connect.ts";
import { makePgliteTemplate, pgliteTemplateDir } from "./pglite-template.ts";

try {
  const { PGlite, MemoryFS, drizzle, migrate, options } = serverPglite();
  const dir = pgliteTemplateDir(options, MIGRATIONS_DIR);
  const started = performance.now();
  await makePgliteTemplate(dir, { PGlite, MemoryFS }, options, (pg) =>
    migrate(drizzle(pg), { migrationsFolder: MIGRATIONS_DIR }),
  );
  console.log(`anisync: PGlite template ready in ${Math.round(performance.now() - started)} ms (${dir})`);
} catch (err) {
  console.log(`anisync: no PGlite template (a first start will run initdb): ${String(err)}`);
}
