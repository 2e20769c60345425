/**
 * Opens embedded PGlite's directory, and on a first start creates it (initdb) in a way that
 * peaks ~180 MB lower than `PGlite.create` on an empty directory does.
 *
 * PGlite runs initdb in a second, throwaway PostgreSQL instance: 128 MB of WebAssembly memory
 * (the module's declared minimum), all of it written, plus a 128 MB copy to reset it between
 * PostgreSQL's runs. That much is PGlite's own and stays. What this module removes:
 *
 * - For a directory on disk PGlite lets initdb write the cluster (~40 MB) into an in-memory
 *   filesystem, packs it into a tarball and unpacks that into the directory, with the throwaway
 *   instance still alive. Only for an in-memory database does it let initdb write through to the
 *   database's own filesystem. `InitdbFs` is PGlite's in-memory filesystem class (so PGlite takes
 *   that path) with the directory mounted where the data goes, exactly as PGlite's NodeFS mounts
 *   it: the cluster goes straight to disk, once, and from then on the instance reads and writes
 *   the directory as it would through NodeFS (the class adds nothing else).
 * - Garbage: what loading the server left (~70 MB, young generation and module loading), and the
 *   throwaway instance's memory (~260 MB), which stayed resident until V8's next full collection,
 *   after the new instance had started PostgreSQL on top of it. One collection before initdb,
 *   one right after it (PGlite syncs the filesystem once the throwaway instance is closed, before
 *   it starts PostgreSQL): ~50-100 ms each, on a first start only.
 *
 * Interruption: PGlite writes into the directory as initdb goes, so a start killed halfway would
 * leave a directory PGlite takes for a database (PG_VERSION is among the first files). A marker
 * file next to the directory exists from before initdb until the new instance is up; the next
 * start finds it and deletes the unfinished directory first. No query of the caller's runs before
 * the marker is gone, so nothing but initdb's output is ever deleted. The caller holds the
 * DATA_DIR lock (src/db/dir-lock.ts). Like every PGlite write, none of this is fsynced
 * (docs/operations.md: PGlite survives a process crash, not a power cut).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import type * as PgliteClient from "@electric-sql/pglite";
import { releaseStartupGarbage } from "../ops/startup-garbage.ts";

type Pglite = Pick<typeof PgliteClient, "PGlite" | "MemoryFS">;
type MemoryFs = InstanceType<typeof PgliteClient.MemoryFS>;
type EmscriptenOptions = Parameters<MemoryFs["init"]>[1];
type PreRun = NonNullable<EmscriptenOptions["preRun"]>[number];
/** the part of PGlite's Emscripten module a mount needs (its own types do not resolve here) */
interface EmscriptenFs {
  FS: { mkdirTree(path: string): void; mount(type: unknown, opts: { root: string }, path: string): void };
  NODEFS: unknown;
}

/** the marker of an unfinished first start, next to the directory */
export function initdbMarker(pgDir: string): string {
  return `${pgDir}.initdb-unfinished`;
}

/** whether `pgDir` holds a cluster a later start opens: there, not empty, no unfinished first start */
export function hasCluster(pgDir: string): boolean {
  return !existsSync(initdbMarker(pgDir)) && existsSync(pgDir) && readdirSync(pgDir).length > 0;
}

/**
 * PGlite on `pgDir` (DATA_DIR/pglite). A directory that is there and not empty is opened as
 * PGlite opens it; an absent or empty one is first copied from the folder `template()` names
 * when that exists (a cluster made by initdb with the same options, src/db/pglite-template.ts),
 * else initialised as described above. `template` is called on a first start only.
 */
export async function openPgliteDir(
  pgDir: string,
  pglite: Pglite,
  options: PgliteClient.PGliteOptions,
  template: () => string | null,
): Promise<PgliteClient.PGlite> {
  const marker = initdbMarker(pgDir);
  if (existsSync(marker)) {
    rmSync(pgDir, { recursive: true, force: true }); // an interrupted first start's, see above
    rmSync(marker);
  }
  if (hasCluster(pgDir)) return pglite.PGlite.create(pgDir, options);

  writeFileSync(marker, `first start of ${pgDir} by process ${process.pid}\n`);
  const templateDir = template();
  if (templateDir && existsSync(templateDir)) {
    cpSync(templateDir, pgDir, { recursive: true });
    rmSync(marker);
    return pglite.PGlite.create(pgDir, options);
  }
  mkdirSync(pgDir, { recursive: true });
  releaseStartupGarbage();
  const fs = new (initdbFsClass(pglite))(pgDir);
  let pg: PgliteClient.PGlite | undefined;
  try {
    pg = await pglite.PGlite.create({ ...options, fs });
    rmSync(marker);
    return pg;
  } catch (err) {
    await pg?.close().catch(() => {});
    throw err; // the marker stays: the next start begins afresh
  }
}

/** PGlite's MemoryFS, with a directory on disk mounted as PGDATA; see the top of the file */
function initdbFsClass({ PGlite, MemoryFS }: Pglite) {
  return class InitdbFs extends MemoryFS {
    readonly #root: string;
    #synced = false;

    constructor(root: string) {
      super();
      this.#root = root;
    }

    override async init(pg: PgliteClient.PGlite, opts: EmscriptenOptions) {
      const { emscriptenOpts } = await super.init(pg, opts);
      // what PGlite's NodeFS does
      const mountDisk: PreRun = (module) => {
        const mod = module as unknown as EmscriptenFs;
        mod.FS.mkdirTree(PGlite.paths.PGDATA);
        mod.FS.mount(mod.NODEFS, { root: this.#root }, PGlite.paths.PGDATA);
      };
      return {
        emscriptenOpts: { ...emscriptenOpts, preRun: [...(emscriptenOpts.preRun ?? []), mountDisk] },
      };
    }

    /** first called right after initdb, its instance closed and PostgreSQL not started yet */
    override async syncToFs(): Promise<void> {
      if (this.#synced) return;
      this.#synced = true;
      releaseStartupGarbage();
    }
  };
}
