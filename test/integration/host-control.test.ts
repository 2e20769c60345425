import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Member, WatchPartyState } from "../../schema/state.ts";
import { configWith } from "../../src/config.ts";
import { openDatabase, type Database } from "../../src/db/connect.ts";
import { eq, sql } from "../../src/db/drizzle.ts";
import { OutboxGroup } from "../../src/db/outbox.ts";
import { rooms } from "../../src/db/schema.ts";
import { createLogger } from "../../src/log.ts";
import { HostControl } from "../../src/rooms/host-control.ts";
import { RoomStore } from "../../src/rooms/room-store.ts";
import { Roster } from "../../src/rooms/roster.ts";
import { limitPoints, RateLimits } from "../../src/security/rate-limits.ts";

/** A room's host control over a real store (PGlite, or DATABASE_URL), counting its flushes. */
describe("a host's play, pause and seek (host-control.ts)", function () {
  this.timeout(60_000);
  let database: Database | undefined;

  before(async () => {
    database = await openDatabase({
      databaseUrl: process.env.DATABASE_URL,
      dataDir: mkdtempSync(path.join(tmpdir(), "anisync-host-control-")),
    });
  });
  after(async () => {
    await database?.close();
  });

  async function room(controlPerS = 10) {
    const roomId = `host-control-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    await database!.db.execute(sql`
      INSERT INTO rooms (room_id, title, anime_id, anime_title, episode_number, video_url, is_public,
                         host_user_id, owner_user_id, updated_at)
      VALUES (${roomId}, 't', 'a', 'A', 1, 'https://v.example/1.webm', true, 'host', 'host', 0)`);
    const state = new WatchPartyState();
    state.room_id = roomId;
    state.host_user_id = state.owner_user_id = "host";
    state.playback.assign({ is_playing: false, position: 0, updated_at: Date.now(), rate: 1, seq: 0 });
    const roster = new Roster(state, { above: 1000, visibleMax: 50 }, () => []);
    for (const id of ["host", "guest"]) {
      const m = new Member();
      m.user_id = id;
      m.username = id;
      roster.add(m);
    }
    const store = new RoomStore(
      database!.db,
      () => roomId,
      new OutboxGroup({ maxWrites: 10, giveUpAfterMs: 5000 }),
      createLogger("warn", () => {}),
    );
    const seen = { flushes: 0, tookOver: 0 };
    const control = new HostControl({
      state,
      roster,
      limits: new RateLimits(limitPoints(configWith({ RATE_CONTROL_PER_S: controlPerS }))),
      store,
      flush: () => seen.flushes++,
      tookOver: () => seen.tookOver++,
      known: () => ({ room_id: roomId }),
    });
    const stored = async () => {
      const [row] = await database!.db
        .select({ seq: rooms.seq, position: rooms.position })
        .from(rooms)
        .where(eq(rooms.room_id, roomId));
      return row;
    };
    return { state, control, seen, stored, store };
  }

  /** promise turns until `settled()` holds (Infinity past 20) */
  async function turnsUntil(settled: () => boolean): Promise<number> {
    for (let turns = 0; turns < 20; turns++) {
      if (settled()) return turns;
      await Promise.resolve();
    }
    return Infinity;
  }

  it("a seek is flushed to the members within two promise turns of the message, then stored", async () => {
    const { state, control, seen, stored } = await room();
    const done = control.control("host", { action: "seek", current_time: 42 });
    // the host's first action waits only on the rate limit's answer (docs/performance.md)
    assert.ok((await turnsUntil(() => seen.flushes === 1)) <= 2, "flushed within two turns");
    assert.equal(state.playback.position, 42);
    assert.equal(state.playback.seq, 1);
    assert.equal(seen.tookOver, 1, "a hold or ready check ends");
    await (
      await done
    ).stored;
    assert.deepEqual(await stored(), { seq: 1, position: 42 });
  });

  it("a host within the limit has the next answer in hand: the next seek is flushed before control() returns", async () => {
    const { state, control, seen, stored } = await room();
    await control.control("host", { action: "play", current_time: 1 });
    await new Promise((r) => setImmediate(r)); // the next message comes in a later turn
    const done = control.control("host", { action: "seek", current_time: 99 });
    assert.equal(seen.flushes, 2, "flushed with nothing awaited");
    assert.equal(state.playback.position, 99);
    await (
      await done
    ).stored;
    assert.deepEqual(await stored(), { seq: 2, position: 99 });
  });

  it("a member who is not the host is refused NOT_HOST: nothing flushed, nothing changed", async () => {
    const { state, control, seen } = await room();
    assert.throws(() => control.control("guest", { action: "pause", current_time: 5 }), {
      code: "NOT_HOST",
    });
    assert.deepEqual(seen, { flushes: 0, tookOver: 0 });
    assert.equal(state.playback.seq, 0);
  });

  it("a body the contract refuses throws INVALID_INPUT before any count or change", async () => {
    const { state, control, seen } = await room(1);
    assert.throws(() => control.control("host", { action: "rewind", current_time: 5 }), {
      code: "INVALID_INPUT",
    });
    assert.throws(() => control.control("host", { action: "seek", current_time: 5, room_id: "other" }), {
      code: "INVALID_INPUT",
    });
    assert.deepEqual(seen, { flushes: 0, tookOver: 0 });
    // the one allowed action of this second was not spent by the refused bodies
    await control.control("host", { action: "play", current_time: 1 });
    assert.equal(state.playback.is_playing, true);
  });

  it("over RATE_CONTROL_PER_S the action is refused RATE_LIMITED and the members get nothing", async () => {
    const { state, control, seen } = await room(2);
    await control.control("host", { action: "play", current_time: 1 });
    await control.control("host", { action: "seek", current_time: 2 });
    for (const t of [3, 4])
      await assert.rejects(control.control("host", { action: "seek", current_time: t }), {
        code: "RATE_LIMITED",
      });
    assert.equal(seen.flushes, 2);
    assert.equal(state.playback.position, 2);
    assert.equal(state.playback.seq, 2);
  });
});
