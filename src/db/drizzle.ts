/**
 * drizzle-orm for the rest of the server: the same functions and types as `import … from
 * "drizzle-orm"`, loaded through drizzle's CommonJS build. Import drizzle from here, never from
 * "drizzle-orm/…" directly (types only are fine).
 *
 * Why: Node 24's ESM loader reparses drizzle-orm's package.json (an `exports` map of 447 entries)
 * for each of the ~450 drizzle modules it loads; `import("drizzle-orm/pg-core")` alone left the
 * process at ~240 MB RSS. The CommonJS loader reads that file once: ~60 MB for the same code.
 * Drivers load on demand, as before: only the one the configuration picks.
 */
import { createRequire } from "node:module";
import type * as Orm from "drizzle-orm";
import type * as PgCore from "drizzle-orm/pg-core";
import type * as NodePostgres from "drizzle-orm/node-postgres";
import type * as NodePostgresMigrator from "drizzle-orm/node-postgres/migrator";
import type * as Pglite from "drizzle-orm/pglite";
import type * as PgliteMigrator from "drizzle-orm/pglite/migrator";

const require = createRequire(import.meta.url);

export type { SQL } from "drizzle-orm";
export type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";

export const { and, desc, eq, gte, inArray, isNotNull, isNull, lt, or, sql } =
  require("drizzle-orm") as typeof Orm;

export const {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} = require("drizzle-orm/pg-core") as typeof PgCore;

/** drizzle over node-postgres (DATABASE_URL), with its migrator */
export function loadNodePostgres() {
  return {
    ...(require("drizzle-orm/node-postgres") as typeof NodePostgres),
    ...(require("drizzle-orm/node-postgres/migrator") as typeof NodePostgresMigrator),
  };
}

/**
 * drizzle over embedded PGlite, with its migrator. It requires PGlite's CommonJS build, as
 * src/db/pglite-engine.ts does (one copy of PGlite in a process that opens it here).
 */
export function loadPglite() {
  return {
    ...(require("drizzle-orm/pglite") as typeof Pglite),
    ...(require("drizzle-orm/pglite/migrator") as typeof PgliteMigrator),
  };
}
