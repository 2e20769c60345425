import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@colyseus/sdk";
import { openDatabase } from "../../src/db/connect.ts";
import { initdbMarker } from "../../src/db/pglite-init.ts";
import { getOrCreateTokenSecret } from "../../src/db/settings-repo.ts";
import { sql } from "../../src/db/drizzle.ts";
import { createOptions, joined } from "../helpers/server.ts";
import { freePort, startServerProcess, stoppedAfterEach } from "../helpers/process.ts";

/** The embedded database's first start: initdb the lean way (src/db/pglite-init.ts). PGlite also on a run with DATABASE_URL. */
describe("embedded PGlite, first start on an empty DATA_DIR", function () {
  this.timeout(120_000);
  const processes = stoppedAfterEach();

  const env = (dataDir: string) => ({
    DATABASE_URL: undefined,
    DATA_DIR: dataDir,
    REDIS_URL: "",
    LOG_LEVEL: "warn",
    AUTH_MODE: "open",
    // initdb, not npm install's template (pglite-template.test.ts): the longer, heavier first start
    PGLITE_TEMPLATE: "false",
  });
  const fresh = () => mkdtempSync(path.join(tmpdir(), "anisync-first-"));

  it("creates a database that later starts open as it is", async () => {
    const dir = fresh();
    const pgDir = path.join(dir, "pglite");
    const first = await openDatabase({ dataDir: dir });
    const secret = await getOrCreateTokenSecret(first.db);
    assert.ok(existsSync(path.join(pgDir, "PG_VERSION")));
    assert.ok(
      !existsSync(initdbMarker(pgDir)),
      "the unfinished-initdb marker is gone once the database is up",
    );
    const settings = (await first.db.execute(sql`SELECT current_setting('shared_buffers') AS sb`)) as {
      rows: { sb: string }[];
    };
    assert.equal(settings.rows[0]!.sb, "16MB");
    await first.close();
    // initdb wrote the memory setting into the directory's own configuration too
    assert.match(readFileSync(path.join(pgDir, "postgresql.conf"), "utf8"), /^shared_buffers = 16MB/m);

    const second = await openDatabase({ dataDir: dir });
    assert.equal(await getOrCreateTokenSecret(second.db), secret);
    await second.close();
  });

  it("a server killed during initdb leaves nothing that stops the next start", async () => {
    const dir = fresh();
    const pgDir = path.join(dir, "pglite");
    const port = await freePort();
    const doomed = spawn(process.execPath, ["src/index.ts"], {
      // "" is unset; an undefined value would reach the child as the string "undefined"
      env: { ...process.env, ...env(dir), DATABASE_URL: "", PORT: String(port), HOST: "127.0.0.1" },
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => doomed.on("exit", resolve));
    try {
      // PG_VERSION is among initdb's first files: a directory PGlite alone would take for a database
      const until = Date.now() + 60_000;
      while (!existsSync(path.join(pgDir, "PG_VERSION"))) {
        assert.equal(doomed.exitCode, null, "the server is still starting");
        assert.ok(Date.now() < until, "initdb started within 60 s");
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      doomed.kill("SIGKILL");
      await exited;
    }
    assert.ok(existsSync(initdbMarker(pgDir)), "killed before initdb finished");

    const next = await startServerProcess(env(dir));
    processes.push(next);
    try {
      const host = await joined(new Client(next.baseUrl).create("watch_party", createOptions()));
      assert.ok(host.room.roomId);
      await host.room.leave();
      assert.ok(!existsSync(initdbMarker(pgDir)));
    } finally {
      assert.equal(await next.stop("SIGTERM"), 0, next.output());
    }
  });

  it("keeps the server process's peak memory (VmHWM) at 500 MB or less", async function () {
    if (!existsSync("/proc/self/status")) this.skip();
    const server = await startServerProcess(env(fresh()));
    processes.push(server);
    try {
      const status = readFileSync(`/proc/${server.child.pid}/status`, "utf8");
      const peakMb = Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
      // ~450 MB on the 2-core test machine; ~600 MB when PGlite ran initdb its own way (docs/performance.md)
      assert.ok(peakMb <= 500, `peak ${peakMb.toFixed(0)} MB`);
    } finally {
      await server.stop("SIGTERM");
    }
  });
});
