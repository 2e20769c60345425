import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase, type Database } from "../../src/db/connect.ts";
import { OutboxGroup } from "../../src/db/outbox.ts";
import { createLogger } from "../../src/log.ts";
import { RoomStore } from "../../src/rooms/room-store.ts";
import { eq, sql } from "../../src/db/drizzle.ts";
import { members, rooms } from "../../src/db/schema.ts";
import { fencedWrite, WriteClock } from "../../src/db/write-fence.ts";
import { storeHostState } from "../../src/db/host-state-write.ts";
import { StaleEpochError, takeRoom } from "../../src/db/fencing-repo.ts";

describe("a live room's writes (RoomStore)", function () {
  this.timeout(60_000);
  let database: Database | undefined;

  before(async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "anisync-store-"));
    database = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir });
  });
  after(async () => {
    await database?.close();
  });

  async function insertRoomRow(roomId: string): Promise<void> {
    await database!.db.execute(sql`
      INSERT INTO rooms (room_id, title, anime_id, anime_title, episode_number, video_url, is_public,
                         host_user_id, owner_user_id, updated_at)
      VALUES (${roomId}, 't', 'a', 'A', 1, 'https://v.example/1.webm', true, 'h', 'h', 0)`);
  }

  async function storedHost(
    roomId: string,
  ): Promise<{ host_user_id: string; write_version: number } | undefined> {
    const [row] = await database!.db
      .select({ host_user_id: rooms.host_user_id, write_version: rooms.write_version })
      .from(rooms)
      .where(eq(rooms.room_id, roomId));
    return row;
  }

  it("a write that arrives after a newer one changes nothing (the fence), and its retry stores once", async () => {
    const db = database!.db;
    const roomId = `fenced-${Date.now()}`;
    await insertRoomRow(roomId);
    const setHost = (host: string) => (tx: typeof db) =>
      tx.update(rooms).set({ host_user_id: host }).where(eq(rooms.room_id, roomId));
    assert.equal(await fencedWrite(db, roomId, 200, undefined, setHost("new-host")), true);
    assert.equal(
      await fencedWrite(db, roomId, 100, undefined, setHost("old-host")),
      false,
      "the late write is refused",
    );
    assert.equal(
      await fencedWrite(db, roomId, 200, undefined, setHost("old-host")),
      false,
      "a retry of a stored version too",
    );
    assert.deepEqual(await storedHost(roomId), { host_user_id: "new-host", write_version: 200 });
    assert.equal(
      await fencedWrite(db, "no-such-room", 300, undefined, setHost("x")),
      false,
      "a room that is gone",
    );
  });

  it("the host's state in one statement keeps both fences: a late version changes nothing, another generation's copy is refused", async () => {
    const db = database!.db;
    const roomId = `row-fenced-${Date.now()}`;
    await insertRoomRow(roomId);
    const state = (host: string, position: number, hostAction = true) => ({
      playback: { is_playing: true, position, updated_at: 1_000 + position, rate: 1.25, seq: position },
      host_user_id: host,
      host_action: hostAction,
    });
    const stored = async () => {
      const [row] = await db
        .select({
          host_user_id: rooms.host_user_id,
          position: rooms.position,
          is_playing: rooms.is_playing,
          rate: rooms.rate,
          seq: rooms.seq,
          updated_at: rooms.updated_at,
          host_actions: rooms.host_actions,
          write_version: rooms.write_version,
        })
        .from(rooms)
        .where(eq(rooms.room_id, roomId));
      return row;
    };
    assert.equal(await storeHostState(db, roomId, 200, 0, state("new-host", 42)), true);
    assert.deepEqual(await stored(), {
      host_user_id: "new-host",
      position: 42,
      is_playing: true,
      rate: 1.25,
      seq: 42,
      updated_at: 1_042,
      host_actions: 1,
      write_version: 200,
    });
    assert.equal(await storeHostState(db, roomId, 100, 0, state("old-host", 7)), false, "late");
    assert.equal(await storeHostState(db, roomId, 200, 0, state("old-host", 7)), false, "a retry");
    assert.equal(
      await storeHostState(db, roomId, 250, 0, state("next-host", 42, false)),
      true,
      "a host change",
    );
    const changed = await stored();
    assert.equal(changed?.host_user_id, "next-host");
    assert.equal(changed?.host_actions, 1, "a host change is not counted as a host action");

    assert.equal(await takeRoom(db, roomId, 0, "another-process"), 1);
    await assert.rejects(
      storeHostState(db, roomId, 300, 0, state("stale-host", 9)),
      (err: unknown) => err instanceof StaleEpochError && err.heldEpoch === 0 && err.currentEpoch === 1,
    );
    assert.equal((await stored())?.host_user_id, "next-host", "the stale copy stored nothing");
    assert.equal(await storeHostState(db, roomId, 300, 1, state("taker", 9)), true);
    assert.equal((await stored())?.host_user_id, "taker");
    assert.equal(await storeHostState(db, roomId, 400, undefined, state("unfenced", 10)), true);
    assert.equal(await storeHostState(db, "no-such-room", 500, 1, state("x", 1)), false, "gone");
  });

  it("a room's writes carry versions above the wall clock and above what the room stored when opened", () => {
    const clock = new WriteClock(5_000_000_000_000_000);
    assert.equal(clock.next(1000), 5_000_000_000_000_001, "above the stored version");
    const fresh = new WriteClock();
    const a = fresh.next(1000);
    assert.equal(a, 1_000_000);
    assert.equal(fresh.next(1000), 1_000_001, "the same millisecond: still newer");
    assert.equal(fresh.next(999), 1_000_002, "the wall clock stepped back: still newer");
  });

  it("a join the database refuses for good is logged with its room, and never rejects unhandled", async () => {
    const lines: string[] = [];
    const log = createLogger("info", (line) => lines.push(line));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.prependListener("unhandledRejection", onUnhandled);
    try {
      // a user id with a NUL byte: PostgreSQL refuses the text, an error it will repeat
      const roomId = `refusing-room-${Date.now()}`;
      await insertRoomRow(roomId);
      const store = new RoomStore(
        database!.db,
        () => roomId,
        new OutboxGroup({ maxWrites: 10, giveUpAfterMs: 5000 }),
        log,
      );
      const stay = {
        user_id: "u\u00001",
        username: "U1",
        avatar_url: null,
        joined_at: Date.now(),
        stay: "s1",
      };
      // as on the socket path (membership.ts): nobody waits for a join's commit
      void store.memberJoined(stay, 1);
      await store.drain();
      await new Promise((r) => setImmediate(r)); // Node reports an unhandled rejection once the microtasks ran
      assert.deepEqual(unhandled, []);
      const givenUp = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === "room write given up");
      assert.deepEqual(
        givenUp.map((l) => [l.level, l.room_id, l.write, l.reason]),
        [["error", roomId, "members joined", "failed"]],
      );
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("joins in a row are stored in one write, leaves too; a leave between joins keeps the room's order", async () => {
    const roomId = `storm-${Date.now()}`;
    await insertRoomRow(roomId);
    const store = new RoomStore(
      database!.db,
      () => roomId,
      new OutboxGroup({ maxWrites: 10, giveUpAfterMs: 5000 }),
      createLogger("warn", () => {}),
    );
    const stay = (user_id: string, s: string) => ({
      user_id,
      username: user_id,
      avatar_url: null,
      joined_at: Date.now(),
      stay: s,
    });
    // 500 joins while the outbox holds at most 10 writes: none is refused
    const joins = Array.from({ length: 500 }, (_, i) => store.memberJoined(stay(`u${i}`, "s1"), i + 1));
    void store.memberLeft("u0", Date.now());
    const rejoined = store.memberJoined(stay("u0", "s2"), 500);
    await Promise.all([...joins, rejoined]);
    await store.drain();
    const rows = await database!.db
      .select({ user_id: members.user_id, left_at: members.left_at, stay: members.stay })
      .from(members)
      .where(eq(members.room_id, roomId));
    assert.equal(rows.length, 500);
    const u0 = rows.find((r) => r.user_id === "u0")!;
    assert.deepEqual([u0.left_at, u0.stay], [null, "s2"], "joined again after the leave: present");
    // and the room empties: 499 leaves in a row, none refused
    await Promise.all(Array.from({ length: 499 }, (_, i) => store.memberLeft(`u${i + 1}`, 1000 + i)));
    const gone = await database!.db
      .select({ user_id: members.user_id, left_at: members.left_at })
      .from(members)
      .where(eq(members.room_id, roomId));
    assert.equal(gone.filter((r) => r.left_at !== null).length, 499);
    assert.equal(gone.find((r) => r.user_id === "u7")!.left_at, 1006);
    const [peak] = await database!.db
      .select({ peak: rooms.peak_members })
      .from(rooms)
      .where(eq(rooms.room_id, roomId));
    assert.equal(peak!.peak, 500);
  });
});
