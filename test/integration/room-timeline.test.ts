/**
 * GET /api/rooms/:room_id/timeline: members and their sync per minute of the last hour, from the
 * stored status samples, on the test database (PGlite, or PostgreSQL with DATABASE_URL).
 */
import assert from "node:assert/strict";
import { roomTimeline, type TimelineBucket } from "../../schema/timeline.ts";
import { insertSamples } from "../../src/db/rooms-repo.ts";
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

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const MINUTE = 60_000;

describe("room timeline (GET /api/rooms/:room_id/timeline)", function () {
  this.timeout(30_000);
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });

  async function timeline(roomId: string, headers: Record<string, string> = {}) {
    const res = await http(h, "GET", `/api/rooms/${roomId}/timeline`, undefined, headers);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return roomTimeline.parse(res.body.data);
  }

  it("counts distinct members per minute and the share whose last report was synced", async () => {
    const { db } = h.app.services.database;
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    const other = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room, other.room);
    const roomId = host.room.roomId;
    const thisMinute = Math.floor(Date.now() / MINUTE) * MINUTE;
    const tenAgo = thisMinute - 10 * MINUTE;
    const threeAgo = thisMinute - 3 * MINUTE;
    const at = (ms: number) => new Date(ms);
    const sample = (user_id: string, ms: number, sync_status: string, room_id = roomId) => ({
      room_id,
      user_id,
      at: at(ms),
      drift: sync_status === "synced" ? 0.1 : 4,
      sync_status,
    });
    await insertSamples(db, [
      // ten minutes ago: a ends drifting, b ends synced, c buffering → 3 members, 1 in sync
      sample("a", tenAgo + 5_000, "synced"),
      sample("a", tenAgo + 30_000, "drifting"),
      sample("b", tenAgo + 10_000, "drifting"),
      sample("b", tenAgo + 50_000, "synced"),
      sample("c", tenAgo + 20_000, "buffering"),
      // three minutes ago: a and b synced → 2 members, both in sync
      sample("a", threeAgo + 1_000, "synced"),
      sample("b", threeAgo + 2_000, "synced"),
      sample("b", threeAgo + 59_000, "synced"),
      // another room's samples and samples older than the hour count nowhere here
      sample("x", threeAgo + 3_000, "drifting", other.room.roomId),
      sample("y", threeAgo + 4_000, "synced", other.room.roomId),
      sample("a", thisMinute - 120 * MINUTE, "drifting"),
    ]);

    const t = await timeline(roomId);
    assert.equal(t.room_id, roomId);
    assert.equal(t.bucket_s, 60);
    assert.equal(t.window_s, 3600);
    assert.equal(t.buckets.length, 60);
    const starts = t.buckets.map((b) => b.start);
    assert.deepEqual(
      starts,
      starts.map((_, i) => starts[0]! + i * MINUTE),
      "every minute, oldest first",
    );
    // the last bucket is the current minute (a minute may have turned since the rows were written)
    assert.ok(t.buckets.at(-1)!.start >= thisMinute && t.buckets.at(-1)!.start <= Date.now());
    const byStart = new Map<number, TimelineBucket>(t.buckets.map((b) => [b.start, b]));
    assert.deepEqual(byStart.get(tenAgo), { start: tenAgo, members: 3, in_sync: 1, in_sync_share: 0.3333 });
    assert.deepEqual(byStart.get(threeAgo), { start: threeAgo, members: 2, in_sync: 2, in_sync_share: 1 });
    const rest = t.buckets.filter((b) => b.start !== tenAgo && b.start !== threeAgo);
    assert.equal(rest.length, 58);
    for (const b of rest) assert.deepEqual([b.members, b.in_sync, b.in_sync_share], [0, 0, null]);

    const others = await timeline(other.room.roomId);
    assert.deepEqual(
      others.buckets.filter((b) => b.members > 0).map((b) => [b.start, b.members, b.in_sync]),
      [[threeAgo, 2, 1]],
    );
  });

  it("shows members of a live room reporting status over real sockets (samples written by the room)", async () => {
    const { db } = h.app.services.database;
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    const roomId = host.room.roomId;
    const guests = await Promise.all(
      [1, 2].map((i) => joined(sdk(h).joinById(roomId, { user_id: uid(`t${i}`), username: `T${i}` }))),
    );
    rooms.push(host.room, ...guests.map((g) => g.room));
    // paused at 0: the host is in sync, one guest is 100 s off, the other is buffering
    host.room.send("status", { current_time: 0, is_playing: false });
    guests[0]!.room.send("status", { current_time: 100, is_playing: false });
    guests[1]!.room.send("status", { current_time: 0, is_playing: false, buffering: true });

    // the room writes its samples in batches (SAMPLE_FLUSH_MS); the timeline is asked for once they are stored
    const stored = () => db.query.syncSamples.findMany({ where: (s, { eq }) => eq(s.room_id, roomId) });
    const rows = await eventually(
      async () => {
        const got = await stored();
        return got.length === 3 ? got : undefined;
      },
      10_000,
      "three stored samples",
    );
    const t = await timeline(roomId);
    const minutes = t.buckets.filter((b) => b.members > 0);
    // each member reported once: one or two minutes (when a minute turned meanwhile) hold them
    assert.ok(minutes.length >= 1 && minutes.length <= 2);
    assert.equal(
      minutes.reduce((n, b) => n + b.members, 0),
      3,
    );
    assert.equal(
      minutes.reduce((n, b) => n + b.in_sync, 0),
      1,
      "only the host is in sync",
    );

    // the same counts from the stored rows themselves
    assert.equal(new Set(rows.map((r) => r.user_id)).size, 3);
    assert.deepEqual(rows.map((r) => r.sync_status).sort(), ["buffering", "drifting", "synced"]);
    for (const b of minutes) {
      const inMinute = rows.filter((r) => Math.floor(r.at.getTime() / MINUTE) * MINUTE === b.start);
      assert.equal(b.members, new Set(inMinute.map((r) => r.user_id)).size);
      assert.equal(b.in_sync, inMinute.filter((r) => r.sync_status === "synced").length);
    }
  });

  it("a private room's timeline is for its members; it names no member; unknown parameters are refused", async () => {
    const priv = await joined(sdk(h).create("watch_party", createOptions({ is_public: false })));
    const pub = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(priv.room, pub.room);
    const id = priv.room.roomId;
    const path = `/api/rooms/${id}/timeline`;
    priv.room.send("status", { current_time: 0, is_playing: false });

    const none = await http(h, "GET", path);
    assert.deepEqual([none.status, none.body.error.code], [401, "UNAUTHORIZED"]);
    const forged = await http(h, "GET", path, undefined, bearer("not-a-token"));
    assert.deepEqual([forged.status, forged.body.error.code], [401, "UNAUTHORIZED"]);
    const otherRoom = await http(h, "GET", path, undefined, bearer(pub.welcome.member_token));
    assert.deepEqual([otherRoom.status, otherRoom.body.error.code], [403, "FORBIDDEN"]);

    const { db } = h.app.services.database;
    await eventually(
      async () => (await db.query.syncSamples.findMany({ where: (s, { eq }) => eq(s.room_id, id) })).length,
      10_000,
      "the host's stored sample",
    );
    const mine = await timeline(id, bearer(priv.welcome.member_token));
    assert.equal(mine.buckets.filter((b) => b.members > 0).length, 1);
    const text = JSON.stringify(mine);
    assert.ok(!text.includes(priv.welcome.user_id), "no member id in the timeline");
    assert.deepEqual(Object.keys(mine).sort(), ["bucket_s", "buckets", "room_id", "window_s"]);

    const unknown = await http(h, "GET", `/api/rooms/${pub.room.roomId}/timeline?minutes=100000`);
    assert.deepEqual([unknown.status, unknown.body.error.code], [400, "INVALID_INPUT"]);
    assert.match(unknown.body.error.message, /minutes/);
    assert.equal((await http(h, "GET", "/api/rooms/no-such-room/timeline")).status, 404);
  });
});
