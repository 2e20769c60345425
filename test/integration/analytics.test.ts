import assert from "node:assert/strict";
import {
  createOptions,
  eventually,
  http,
  joined,
  leftAfterEach,
  sdk,
  server,
  uid,
  type Harness,
} from "../helpers/server.ts";
import { insertComment } from "../../src/db/comments-repo.ts";
import { insertSamples } from "../../src/db/rooms-repo.ts";

describe("analytics", function () {
  this.timeout(30_000);
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });

  it("history counts per episode and room, ranks commenters and finds the hot moments", async () => {
    const { db } = h.app.services.database;
    const anime = uid("stats");
    // the seeded data set: 9 comments, answers worked out by hand below
    const seed: [number, string, string | undefined, number | undefined][] = [
      // episode, user, room, video_timestamp
      [1, "ann", "r1", 5],
      [1, "ann", "r1", 29.9],
      [1, "bob", "r1", 30],
      [1, "ann", "r2", 95],
      [1, "cid", undefined, undefined],
      [2, "bob", "r2", 61],
      [2, "bob", "r2", 62],
      [2, "ann", undefined, 1000],
      [2, "dee", "r3", 0],
    ];
    for (const [ep, user, room, ts] of seed) {
      await insertComment(db, {
        anime_id: anime,
        episode_number: ep,
        user_id: `${anime}-${user}`,
        username: user,
        message: "m",
        room_id: room && `${anime}-${room}`,
        video_timestamp: ts,
      });
    }
    const all = (await http(h, "GET", `/api/comments/history?anime_id=${anime}`)).body.data;
    assert.equal(all.total, 9);
    assert.deepEqual(
      all.per_episode.map((e: any) => [e.episode_number, e.comments]),
      [
        [1, 5],
        [2, 4],
      ],
    );
    assert.deepEqual(
      all.per_room.map((r: any) => [r.room_id.slice(anime.length + 1), r.comments]),
      [
        ["r1", 3],
        ["r2", 3],
        ["r3", 1],
      ],
    );
    assert.deepEqual(
      all.top_commenters.map((c: any) => [c.username, c.comments]),
      [
        ["ann", 4],
        ["bob", 3],
        ["cid", 1],
        ["dee", 1],
      ],
    );
    assert.deepEqual(all.hot_moments.buckets, [
      { start_s: 0, comments: 3, reactions: 0 },
      { start_s: 30, comments: 1, reactions: 0 },
      { start_s: 60, comments: 2, reactions: 0 },
      { start_s: 90, comments: 1, reactions: 0 },
      { start_s: 990, comments: 1, reactions: 0 },
    ]);

    const ep1 = (await http(h, "GET", `/api/comments/history?anime_id=${anime}&episode_number=1`)).body.data;
    assert.equal(ep1.total, 5);
    assert.deepEqual(
      ep1.hot_moments.buckets.map((b: any) => [b.start_s, b.comments]),
      [
        [0, 2],
        [30, 1],
        [90, 1],
      ],
    );
    const r2 = (await http(h, "GET", `/api/comments/history?room_id=${anime}-r2`)).body.data;
    assert.equal(r2.total, 3);
    assert.deepEqual(
      r2.top_commenters.map((c: any) => [c.username, c.comments]),
      [
        ["bob", 2],
        ["ann", 1],
      ],
    );
    const bad = await http(h, "GET", `/api/comments/history?episode_number=-1`);
    assert.deepEqual([bad.status, bad.body.error.code], [400, "INVALID_INPUT"]);
  });

  it("room stats: members, host actions, comments and sync quality over the last hour", async () => {
    const { db } = h.app.services.database;
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const roomId = host.room.roomId;
    const guests = await Promise.all(
      [1, 2].map((i) => joined(sdk(h).joinById(roomId, { user_id: uid(`s${i}`), username: `S${i}` }))),
    );
    rooms.push(...guests.map((g) => g.room));
    host.room.send("control", { action: "play", current_time: 0 });
    host.room.send("control", { action: "seek", current_time: 50 });
    host.room.send("comment", { message: "one" });
    await eventually(() => host.room.state.playback.seq === 2);
    await guests[1]!.room.leave();
    const now = Date.now();
    const at = (agoS: number) => new Date(now - agoS * 1000);
    // |drift| of measured reports: 0.1, 0.2, 0.3, 0.4, 5 → median 0.3, p95 (interpolated) 4.08;
    // 4 synced of 6 stored (one buffering); one sample from two hours ago is outside the window
    await insertSamples(db, [
      { room_id: roomId, user_id: "a", at: at(10), drift: 0.1, sync_status: "synced" },
      { room_id: roomId, user_id: "a", at: at(20), drift: -0.2, sync_status: "synced" },
      { room_id: roomId, user_id: "b", at: at(30), drift: 0.3, sync_status: "synced" },
      { room_id: roomId, user_id: "b", at: at(40), drift: -0.4, sync_status: "synced" },
      { room_id: roomId, user_id: "c", at: at(50), drift: 5, sync_status: "drifting" },
      { room_id: roomId, user_id: "c", at: at(60), drift: 0, sync_status: "buffering" },
      { room_id: roomId, user_id: "c", at: at(7200), drift: 99, sync_status: "drifting" },
    ]);
    await eventually(
      async () => (await http(h, "GET", `/api/rooms/${roomId}/stats`)).body.data.comments === 1,
    );
    const stats = (await http(h, "GET", `/api/rooms/${roomId}/stats`)).body.data;
    assert.equal(stats.status, "live");
    assert.equal(stats.current_members, 2);
    assert.equal(stats.peak_members, 3);
    assert.equal(stats.host_actions, 2);
    assert.deepEqual(stats.sync, {
      window_s: 3600,
      reports: 6,
      in_sync_share: 0.6667,
      median_abs_drift_s: 0.3,
      p95_abs_drift_s: 4.08,
    });
    assert.equal((await http(h, "GET", `/api/rooms/nope/stats`)).status, 404);
    await guests[0]!.room.leave();
    await host.room.leave();
  });
});
