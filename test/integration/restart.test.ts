import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@colyseus/sdk";
import { createOptions, joined, nextMessage, uid } from "../helpers/server.ts";
import { startServerProcess, stoppedAfterEach } from "../helpers/process.ts";

describe("a server restart on the same database", function () {
  this.timeout(90_000);
  const processes = stoppedAfterEach();

  // PostgreSQL when the run has one; otherwise a PGlite directory of this test's own (the
  // shared in-process server holds the run's directory, and PGlite allows one process).
  const env = {
    DATABASE_URL: process.env.DATABASE_URL,
    DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-restart-")),
    REDIS_URL: "",
    LOG_LEVEL: "warn",
    AUTH_MODE: "open",
  };

  it("restores the room paused at its last position, with the same id and key", async () => {
    const first = await startServerProcess(env);
    processes.push(first);
    let roomId: string;
    let key: string | undefined;
    let stoppedAt: number;
    let told: Promise<{ reason: string }> | undefined;
    try {
      const host = await joined(
        new Client(first.baseUrl).create("watch_party", createOptions({ is_public: false })),
      );
      roomId = host.room.roomId;
      key = host.welcome.access_key;
      host.room.send("control", { action: "play", current_time: 42 });
      await new Promise((r) => setTimeout(r, 600));
      stoppedAt = Date.now();
      told = nextMessage(host.room, "server_shutdown");
    } finally {
      const code = await first.stop("SIGTERM");
      assert.equal(code, 0, first.output());
    }
    assert.ok(Date.now() - stoppedAt < 10_000, "exits within 10 s of SIGTERM");
    assert.match((await told!).reason, /restarting/);

    const second = await startServerProcess(env);
    processes.push(second);
    try {
      const wrong = new Client(second.baseUrl).joinById(roomId, {
        user_id: uid("x"),
        username: "X",
        access_key: "nope",
      });
      await assert.rejects(wrong, (e: any) => e.message.startsWith("INVALID_ACCESS_KEY:"));
      const back = await joined(
        new Client(second.baseUrl).joinById(roomId, {
          user_id: uid("back"),
          username: "Back",
          access_key: key,
        }),
      );
      assert.equal(back.room.roomId, roomId);
      assert.equal(back.welcome.access_key, key);
      const pb = back.room.state.playback;
      assert.equal(pb.is_playing, false);
      assert.equal(pb.seq, 1);
      // it had played ~0.6 s from 42 when the process was told to stop
      assert.ok(
        pb.position >= 42.5 && pb.position <= 42 + (Date.now() - stoppedAt) / 1000 + 1,
        `position ${pb.position}`,
      );
      await back.room.leave();
    } finally {
      await second.stop("SIGTERM");
    }
  });

  it("refuses a second process on the same embedded data directory", async function () {
    if (process.env.DATABASE_URL) this.skip();
    const dir = mkdtempSync(path.join(tmpdir(), "anisync-lock-"));
    const one = await startServerProcess({ ...env, DATA_DIR: dir });
    processes.push(one);
    try {
      const two = startServerProcess({ ...env, DATA_DIR: dir });
      // should it start after all, the hook stops it too
      two.then(
        (p) => processes.push(p),
        () => undefined,
      );
      await assert.rejects(two, /DATA_DIR .* is in use by process/);
    } finally {
      await one.stop();
    }
  });
});
