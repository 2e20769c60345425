import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase, type Database } from "../../src/db/connect.ts";
import { epochsOf, fenced, StaleEpochError, takeRoom } from "../../src/db/fencing-repo.ts";
import * as repo from "../../src/db/rooms-repo.ts";
import { isTransient } from "../../src/db/outbox.ts";
import { uid } from "../helpers/server.ts";

/** The room generation in the database (PostgreSQL in CI's first run, PGlite in its second). */
describe("room generations (fencing) in the database", function () {
  this.timeout(60_000);
  let database: Database;
  before(async () => {
    database = await openDatabase({
      databaseUrl: process.env.DATABASE_URL || undefined,
      dataDir: mkdtempSync(path.join(tmpdir(), "anisync-fencing-")),
    });
  });
  after(async () => database?.close());

  async function newRoom(): Promise<string> {
    const roomId = uid("r").slice(-20);
    const now = Date.now();
    await repo.insertRoom(database.db, {
      room_id: roomId,
      title: "t",
      anime_id: "a",
      anime_title: "A",
      episode_number: 1,
      video_url: "https://v.example/x",
      is_public: true,
      host_user_id: "h",
      owner_user_id: "h",
      updated_at: now,
      process_id: "p1",
    });
    return roomId;
  }

  it("a takeover bumps the generation once; a second taker with the old one gets nothing", async () => {
    const roomId = await newRoom();
    assert.equal(await takeRoom(database.db, roomId, 0, "p2"), 1);
    assert.equal(await takeRoom(database.db, roomId, 0, "p3"), undefined);
    assert.deepEqual([...(await epochsOf(database.db, [roomId, "no-such-room"]))], [[roomId, 1]]);
    assert.equal((await repo.getRoom(database.db, roomId))?.process_id, "p2");
  });

  it("a write of the current generation lands; one of a superseded generation is refused for good and lands nothing", async () => {
    const roomId = await newRoom();
    await fenced(database.db, roomId, 0, (db) =>
      repo.setAccess(db, roomId, { access_key: "1", invite_secret: "a" }),
    );
    await takeRoom(database.db, roomId, 0, "p2");
    const stale = fenced(database.db, roomId, 0, (db) =>
      repo.setAccess(db, roomId, { access_key: "2", invite_secret: "b" }),
    );
    await assert.rejects(stale, (err: unknown) => {
      assert.ok(err instanceof StaleEpochError);
      assert.equal(err.currentEpoch, 1);
      assert.equal(isTransient(err), false, "the outbox does not retry it");
      return true;
    });
    assert.equal((await repo.getRoom(database.db, roomId))?.access_key, "1");
    await fenced(database.db, roomId, 1, (db) =>
      repo.setAccess(db, roomId, { access_key: "3", invite_secret: "c" }),
    );
    assert.equal((await repo.getRoom(database.db, roomId))?.access_key, "3");
  });

  it("writers of one room that both update its row at once both land (no lock-upgrade deadlock)", async () => {
    const roomId = await newRoom();
    await Promise.all(
      Array.from({ length: 8 }, () =>
        fenced(database.db, roomId, 0, async (db) => {
          await repo.getRoom(db, roomId);
          await new Promise((r) => setTimeout(r, 20)); // both hold the row lock before updating it
          await repo.countComment(db, roomId);
        }),
      ),
    );
    assert.equal((await repo.getRoom(database.db, roomId))?.comment_count, 8);
  });
});
