/**
 * The first half of opening embedded PGlite: DATA_DIR locked, PGlite's thread started
 * (pglite-thread.ts), with nothing heavier than that loaded. `npm start` calls it before it
 * loads the server's modules when DATA_DIR already holds a database (a later start): the thread
 * then opens PGlite (its WebAssembly, PostgreSQL's start) on the second core while this one loads
 * the server, instead of after it (a later start's /health ~0.4 s sooner, docs/performance.md).
 * connect.ts finishes the opening (migrations, drizzle) either way.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { acquireDirLock, type DirLock } from "./dir-lock.ts";
import { hasCluster } from "./pglite-init.ts";
import { PgliteThread } from "./pglite-thread.ts";
import { releaseStartupGarbage } from "../ops/startup-garbage.ts";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations", import.meta.url));

export interface StartedPglite {
  lock: DirLock;
  /** resolves once PGlite is open on its thread; a failure waits for whoever opens the database */
  thread: Promise<PgliteThread>;
}

export function startPglite(dataDir: string, useTemplate: boolean): StartedPglite {
  const dir = path.resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const lock = acquireDirLock(dir);
  try {
    // a first start copies the template npm install made, or runs initdb the lean way
    // (pglite-template.ts, pglite-init.ts), which collects that thread's garbage around initdb:
    // this thread's start-up garbage goes first
    const pgDir = path.join(dir, "pglite");
    if (!hasCluster(pgDir)) releaseStartupGarbage();
    const thread = PgliteThread.open({ pgDir, useTemplate, migrationsDir: MIGRATIONS_DIR });
    thread.catch(() => {}); // not unhandled while nobody awaits it yet: openDatabase will
    return { lock, thread };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/**
 * startPglite when DATA_DIR already holds a database; undefined on a first start, whose initdb
 * must not overlap the module loading's garbage (the first start's memory peak).
 */
export function startPgliteEarly(dataDir: string, useTemplate: boolean): StartedPglite | undefined {
  return hasCluster(path.join(path.resolve(dataDir), "pglite"))
    ? startPglite(dataDir, useTemplate)
    : undefined;
}
