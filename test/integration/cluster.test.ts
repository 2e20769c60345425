import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { sql } from "drizzle-orm";
import { Client } from "@colyseus/sdk";
import { openDatabase, type Database } from "../../src/db/connect.ts";
import { insertSamples } from "../../src/db/rooms-repo.ts";
import { insertComment } from "../../src/db/comments-repo.ts";
import { createOptions, eventually, joined, nextMessage, uid } from "../helpers/server.ts";
import { startServerProcess, type ServerProcess } from "../helpers/process.ts";

const base = process.env.DATABASE_URL;
const redisBase = process.env.REDIS_URL;

/** Two server processes on one PostgreSQL and one Redis (a Redis database of their own). */
describe("a cluster of two processes", function () {
  this.timeout(120_000);
  let a: ServerProcess;
  let b: ServerProcess;
  let db: Database;
  let redisUrl: string;

  before(async function () {
    if (!base || !redisBase) this.skip(); // needs real PostgreSQL and Redis: CI's first run has both
    const u = new URL(redisBase!);
    u.pathname = "/4";
    redisUrl = process.env.CLUSTER_REDIS_URL || u.toString();
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    redis.disconnect();
    db = await openDatabase({ databaseUrl: base!, dataDir: "" });
    // the cleanup test below wants the cluster's first pass one interval from now
    await db.db
      .execute(sql`INSERT INTO settings (key, value) VALUES ('cleanup_last_run', ${String(Date.now())})
      ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    await seedCleanup();
    const env = {
      DATABASE_URL: base,
      REDIS_URL: redisUrl,
      PUBLIC_ADDRESS: "auto",
      LOG_LEVEL: "warn",
      AUTH_MODE: "open",
      CLEANUP_INTERVAL_S: "6",
    };
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.close();
  });

  const old = new Date(Date.now() - 2 * 86_400_000);
  const seeded = { stale: uid("stale"), recent: uid("recent"), anime: uid("cleanup-anime") };

  async function seedCleanup() {
    for (const [roomId, lastActive] of [
      [seeded.stale, old],
      [seeded.recent, new Date()],
    ] as const) {
      await db.db
        .execute(sql`INSERT INTO rooms (room_id, title, anime_id, anime_title, episode_number, video_url, is_public,
        host_user_id, owner_user_id, updated_at, status, created_at, last_active_at)
        VALUES (${roomId}, 't', ${seeded.anime}, 'A', 1, 'https://v.example/x', true, 'h', 'h', 0, 'dormant', ${old}, ${lastActive})`);
      await db.db.execute(sql`INSERT INTO members (room_id, user_id, username, joined_at, left_at)
        VALUES (${roomId}, 'h', 'H', 0, 1)`);
    }
    await insertComment(db.db, {
      anime_id: seeded.anime,
      episode_number: 1,
      user_id: "h",
      username: "H",
      message: "stays",
      room_id: seeded.stale,
    });
    await insertSamples(db.db, [
      {
        room_id: seeded.recent,
        user_id: "h",
        at: new Date(Date.now() - 7 * 3600_000),
        drift: 1,
        sync_status: "synced",
      },
      { room_id: seeded.recent, user_id: "h", at: new Date(), drift: 1, sync_status: "synced" },
    ]);
  }

  const api = (srv: ServerProcess, route: string, init?: RequestInit) =>
    fetch(`${srv.baseUrl}${route}`, init).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as any,
    }));

  it("a room created through one process is joinable through the other and listed the same by both", async () => {
    const anime = uid("cluster");
    const host = await joined(
      new Client(a.baseUrl).create("watch_party", createOptions({ anime_id: anime })),
    );
    const guest = await joined(
      new Client(b.baseUrl).joinById(host.room.roomId, { user_id: uid("g"), username: "G" }),
    );
    await eventually(() => host.room.state.members.size === 2, 5000, "both members in one room");
    const [la, lb] = await Promise.all([
      api(a, `/api/rooms?anime_id=${anime}`),
      api(b, `/api/rooms?anime_id=${anime}`),
    ]);
    assert.deepEqual([la.body.data, la.body.next_cursor], [lb.body.data, lb.body.next_cursor]);
    assert.equal(la.body.data[0].member_count, 2);
    await guest.room.leave();
    await host.room.leave();
  });

  it("a comment posted over HTTP to one process reaches the room's members on the other", async () => {
    const host = await joined(new Client(a.baseUrl).create("watch_party", createOptions()));
    const hostedBy = (await api(a, "/health/realtime")).body.process.rooms > 0 ? a : b;
    const other = hostedBy === a ? b : a;
    const arrival = nextMessage(host.room, "comment");
    const res = await api(other, "/api/comments", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${host.welcome.member_token}` },
      body: JSON.stringify({ message: "across processes" }),
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((await arrival).message, "across processes");
    await host.room.leave();
  });

  it("two simultaneous joins of a dormant room through two processes end in one room", async () => {
    const host = await joined(new Client(a.baseUrl).create("watch_party", createOptions()));
    const roomId = host.room.roomId;
    await host.room.leave();
    await eventually(
      async () => (await api(b, `/api/rooms/${roomId}/stats`)).body.data?.status === "dormant",
      8000,
      "dormant",
    );
    const [x, y] = await Promise.all([
      joined(new Client(a.baseUrl).joinById(roomId, { user_id: uid("x"), username: "X" })),
      joined(new Client(b.baseUrl).joinById(roomId, { user_id: uid("y"), username: "Y" })),
    ]);
    await eventually(
      () => x.room.state.members.size === 2 && y.room.state.members.size === 2,
      5000,
      "one room with both",
    );
    assert.equal([x.welcome.is_host, y.welcome.is_host].filter(Boolean).length, 1);
    const rt = await Promise.all([api(a, "/health/realtime"), api(b, "/health/realtime")]);
    assert.equal(rt[0].body.process.rooms + rt[1].body.process.rooms, 1, "live on exactly one process");
    await x.room.leave();
    await y.room.leave();
  });

  it("cleanup runs once for the cluster and removes exactly the stale rooms and old samples", async () => {
    // a stale room that has members connected is never removed
    const host = await joined(new Client(a.baseUrl).create("watch_party", createOptions()));
    const liveId = host.room.roomId;
    await db.db.execute(sql`UPDATE rooms SET last_active_at = ${old} WHERE room_id = ${liveId}`);

    const runs = async () => {
      const texts = await Promise.all([a, b].map((s) => fetch(`${s.baseUrl}/metrics`).then((r) => r.text())));
      return texts
        .map((t) => Number(/^anisync_cleanup_runs_total (\d+)/m.exec(t)?.[1] ?? 0))
        .reduce((x, y) => x + y, 0);
    };
    // the next pass is due one interval (6 s) from now, whatever ran before this test
    const before = await runs();
    await db.db.execute(
      sql`UPDATE settings SET value = ${String(Date.now())} WHERE key = 'cleanup_last_run'`,
    );
    await eventually(async () => (await runs()) > before, 15_000, "a cleanup pass");
    await new Promise((r) => setTimeout(r, 2500)); // both processes keep ticking; the pass is not due again yet
    assert.equal(await runs(), before + 1, "exactly one of the two processes ran it");

    const ids = async (q: ReturnType<typeof sql>) =>
      ((await db.db.execute(q)) as unknown as { rows: { id: string }[] }).rows.map((r) => r.id);
    const rooms = await ids(
      sql`SELECT room_id AS id FROM rooms WHERE room_id IN (${seeded.stale}, ${seeded.recent}, ${liveId})`,
    );
    assert.deepEqual(rooms.sort(), [seeded.recent, liveId].sort());
    assert.deepEqual(await ids(sql`SELECT user_id AS id FROM members WHERE room_id = ${seeded.stale}`), []);
    const samples = await ids(sql`SELECT id::text AS id FROM sync_samples WHERE room_id = ${seeded.recent}`);
    assert.equal(samples.length, 1);
    assert.deepEqual(await ids(sql`SELECT message AS id FROM comments WHERE room_id = ${seeded.stale}`), [
      "stays",
    ]);
    await host.room.leave();
  });
});
