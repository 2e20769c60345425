/**
 * A lockfile so two processes never open the same PGlite directory (PGlite would silently
 * lose writes). The file holds the owner's PID and, where /proc exists (Linux), the process's
 * start time (field 22 of /proc/<pid>/stat). A lock left by a crash or SIGKILL is taken over:
 * when its PID is gone, and also when the PID now belongs to another process (a restarted
 * container's PID 1 is the same number) — then the start time differs.
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
      writeSync(fd, [process.pid, startTime(process.pid)].filter(Boolean).join(" "));
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
      const [pid, started] = readFileSync(file, "utf8").trim().split(/\s+/);
      const holder = Number(pid);
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder) && sameStart(holder, started)) {
        throw new DataDirLockedError(
          `DATA_DIR ${dir} is in use by process ${holder}; stop it, use another DATA_DIR, or set DATABASE_URL`,
        );
      }
      unlinkSync(file); // stale: its process is gone (or the PID is another process's now)
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

/** The process's start time in clock ticks since boot, where /proc exists. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // the command name (field 2) may hold spaces and parentheses: count from the last ")"
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Whether the live process `pid` is the one that wrote the lock (unknown start times count as yes). */
function sameStart(pid: number, recorded: string | undefined): boolean {
  if (recorded === undefined) return true;
  const now = startTime(pid);
  return now === undefined || now === recorded;
}
