import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { acquireDirLock, DataDirLockedError } from "../../src/db/dir-lock.ts";

describe("the PGlite data directory lock", () => {
  const dir = () => mkdtempSync(path.join(tmpdir(), "anisync-dirlock-"));

  it("refuses a second holder while the first lives", () => {
    const d = dir();
    const lock = acquireDirLock(d);
    assert.throws(() => acquireDirLock(d), DataDirLockedError);
    lock.release();
    acquireDirLock(d).release();
  });

  it("takes over a lock whose process is gone", () => {
    const d = dir();
    writeFileSync(path.join(d, "anisync.lock"), "999999999 12345");
    acquireDirLock(d).release();
  });

  it("takes over a lock whose PID now belongs to another live process", async function () {
    if (process.platform !== "linux") this.skip(); // start times come from /proc
    const d = dir();
    const lock = acquireDirLock(d);
    const mine = readFileSync(path.join(d, "anisync.lock"), "utf8");
    lock.release();
    // the crashed holder's PID is reused by an unrelated process started later
    const other = spawn("sleep", ["5"]);
    try {
      await new Promise((r) => other.once("spawn", r));
      writeFileSync(path.join(d, "anisync.lock"), mine.replace(/^\d+/, String(other.pid)));
      acquireDirLock(d).release();
    } finally {
      other.kill();
    }
  });

  it("an empty lockfile (a crash while writing it) never blocks", () => {
    const d = dir();
    writeFileSync(path.join(d, "anisync.lock"), "");
    acquireDirLock(d).release();
  });
});
