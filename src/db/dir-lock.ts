/**
 * A lockfile so two processes never open the same PGlite directory (PGlite would silently
 * lose writes). A lock left by a dead process is taken over.
 */
import { openSync, writeSync, closeSync, readFileSync, unlinkSync } from "node:fs";
import path from "node:path";

export interface DirLock {
  release(): void;
}

export class DataDirLockedError extends Error {}

export function acquireDirLock(dir: string): DirLock {
  const file = path.join(dir, "anisync.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            unlinkSync(file);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(readFileSync(file, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && (holder === process.pid || isAlive(holder))) {
        throw new DataDirLockedError(
          `DATA_DIR ${dir} is in use by process ${holder}; stop it, use another DATA_DIR, or set DATABASE_URL`,
        );
      }
      unlinkSync(file); // stale: its process is gone
    }
  }
  throw new DataDirLockedError(`could not lock DATA_DIR ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
