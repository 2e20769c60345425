/**
 * A ready-made, empty PGlite cluster that a first start copies instead of running initdb.
 *
 * initdb and the migrations are most of a first start on PGlite (PostgreSQL's bootstrap in
 * WebAssembly on V8's baseline compiler, src/db/pglite-memory.ts), and their result is the same
 * for every install of one PGlite version with one set of initdb settings and one migrations
 * folder. `npm install` makes it once (package.json `postinstall` →
 * src/db/make-pglite-template.ts) in node_modules' cache folder; a start on an empty DATA_DIR
 * copies it (~40 MB of files) and opens the copy as a later start does: its migrations find
 * nothing left to apply. Without a template (install scripts skipped, a read-only or different
 * install) a first start runs initdb as before (src/db/pglite-init.ts); nothing else depends on it.
 *
 * The template's name holds the PGlite version and a hash of the initdb settings and of the
 * migrations folder, so an upgrade, a changed setting or a new migration looks for a new one
 * (made by the next `npm install`; until then first starts run initdb) rather than copying a
 * stale one. It is made in a temporary folder and renamed into place, so a copy never sees half a
 * template, and two installs (or test processes) making it at once each finish with one whole
 * template. The copy shares the template's PostgreSQL system identifier; nothing in AniSync uses it.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type * as PgliteClient from "@electric-sql/pglite";
import { openPgliteDir } from "./pglite-init.ts";

type Pglite = Pick<typeof PgliteClient, "PGlite" | "MemoryFS">;

const CACHE_DIR = fileURLToPath(new URL("../../node_modules/.cache/anisync", import.meta.url));

function pgliteVersion(): string {
  // the package's own package.json is not in its exports: found next to an exported file
  const wasm = createRequire(import.meta.url).resolve("@electric-sql/pglite/pglite.wasm");
  for (let dir = path.dirname(wasm); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "@electric-sql/pglite" && pkg.version) return pkg.version;
  }
  throw new Error("cannot find @electric-sql/pglite's version");
}

/** every file of the migrations folder, in order: the template holds their result */
function migrationsDigest(migrationsDir: string): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else
        hash
          .update(`${path.relative(migrationsDir, file)}\0`)
          .update(readFileSync(file))
          .update("\0");
    }
  };
  walk(migrationsDir);
  return hash.digest("hex");
}

/**
 * Where the template for these PGlite options and these migrations lives (whether or not it
 * exists yet). Another PGlite version, initdb setting or migration gives another name.
 */
export function pgliteTemplateDir(
  options: PgliteClient.PGliteOptions,
  migrationsDir: string,
  cacheDir = CACHE_DIR,
): string {
  const hash = createHash("sha256")
    .update(JSON.stringify(options.initDbStartParams ?? null))
    .update(migrationsDigest(migrationsDir))
    .digest("hex")
    .slice(0, 12);
  return path.join(cacheDir, `pglite-template-${pgliteVersion()}-${hash}`);
}

/** Makes the template at `dir` (initdb, then `migrate`) unless it is there. */
export async function makePgliteTemplate(
  dir: string,
  pglite: Pglite,
  options: PgliteClient.PGliteOptions,
  migrate: (pg: PgliteClient.PGlite) => Promise<void>,
): Promise<void> {
  if (existsSync(dir)) return;
  mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const pg = await openPgliteDir(tmp, pglite, options, () => null);
  try {
    await migrate(pg);
  } finally {
    await pg.close(); // a clean shutdown: the copy opens without recovery
  }
  try {
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw err; // else another process made it first: same content
  }
}
