import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@colyseus/sdk";
import { createOptions, joined } from "../helpers/server.ts";
import { startServerProcess, type ServerProcess } from "../helpers/process.ts";

/**
 * SIGKILL mid-run, then a restart on the same data: on PostgreSQL when the run has one, else on
 * a PGlite directory of this test's own. PGlite writes through to its files without fsync, so
 * what holds there is a process crash, not a power cut (docs/operations.md).
 */
describe("SIGKILL of a server mid-run, then a restart on the same data", function () {
  this.timeout(90_000);
  const dataDir = process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-crash-"));
  const env = {
    DATABASE_URL: process.env.DATABASE_URL,
    DATA_DIR: dataDir,
    REDIS_URL: "",
    LOG_LEVEL: "warn",
    AUTH_MODE: "open",
    RATE_CONTROL_PER_S: "100",
    RATE_COMMENT_PER_MIN: "1000",
    RATE_MANAGE_PER_HOUR: "100000",
  };
  let first: ServerProcess | undefined;
  let second: ServerProcess | undefined;
  after(async () => {
    await first?.stop("SIGKILL");
    await second?.stop("SIGTERM");
  });

  async function call(srv: ServerProcess, method: string, route: string, token?: string, body?: unknown) {
    const res = await fetch(`${srv.baseUrl}${route}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  }

  it("every acknowledged comment, host action, room and delete is there", async () => {
    first = await startServerProcess(env);
    const acked: { roomId: string; anime: string; comments: number[]; controls: number; last?: any }[] = [];
    const hosts = [];
    for (let i = 0; i < 2; i++) {
      const options = createOptions();
      const host = await joined(new Client(first.baseUrl).create("watch_party", options));
      host.room.onMessage("comment", () => {});
      hosts.push(host);
      acked.push({ roomId: host.room.roomId, anime: options.anime_id, comments: [], controls: 0 });
    }
    const doomed = await joined(new Client(first.baseUrl).create("watch_party", createOptions()));
    const del = await call(first, "DELETE", `/api/rooms/${doomed.room.roomId}`, doomed.welcome.member_token);
    assert.equal(del.status, 200, JSON.stringify(del.body));

    // a burst of writes; the process is killed right after the last answer
    for (let step = 0; step < 6; step++) {
      for (const [i, host] of hosts.entries()) {
        const token = host.welcome.member_token;
        const c = await call(first, "POST", "/api/comments", token, {
          message: `c${step}`,
          video_timestamp: step,
        });
        assert.equal(c.status, 201, JSON.stringify(c.body));
        acked[i]!.comments.push(c.body.data.id);
        const action = step % 2 ? "pause" : "play";
        const ctl = await call(first, "POST", `/api/rooms/${acked[i]!.roomId}/control`, token, {
          action,
          current_time: 10 * step + i,
        });
        assert.equal(ctl.status, 200, JSON.stringify(ctl.body));
        acked[i]!.controls++;
        acked[i]!.last = ctl.body.data;
      }
    }
    // the last answers were pauses at known positions
    first.child.kill("SIGKILL");
    assert.equal(await first.stop("SIGKILL"), null);
    first = undefined;

    if (dataDir) {
      // the old PID now belongs to another live process (this one): the lock is still stale
      const file = path.join(dataDir, "anisync.lock");
      writeFileSync(file, readFileSync(file, "utf8").replace(/^\d+/, String(process.pid)));
    }
    second = await startServerProcess(env);
    for (const room of acked) {
      const got = await call(second, "GET", `/api/rooms/${room.roomId}/playback`);
      assert.equal(got.status, 200, JSON.stringify(got.body));
      assert.deepEqual(
        [got.body.data.position, got.body.data.seq, got.body.data.is_playing],
        [room.last.position, room.last.seq, false],
      );
      const stats = await call(second, "GET", `/api/rooms/${room.roomId}/stats`);
      assert.equal(stats.body.data.host_actions, room.controls);
      const thread = await call(
        second,
        "GET",
        `/api/comments?anime_id=${room.anime}&episode_number=3&limit=100`,
      );
      const ids = thread.body.data.comments.map((c: { id: number }) => c.id);
      for (const id of room.comments) assert.ok(ids.includes(id), `comment ${id} is there`);
    }
    assert.equal((await call(second, "GET", `/api/rooms/${doomed.room.roomId}`)).status, 404);
  });
});
