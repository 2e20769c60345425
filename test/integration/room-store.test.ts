import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase, type Database } from "../../src/db/connect.ts";
import { OutboxGroup } from "../../src/db/outbox.ts";
import { createLogger } from "../../src/log.ts";
import { RoomStore } from "../../src/rooms/room-store.ts";

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

  it("a join the database refuses for good is logged with its room, and never rejects unhandled", async () => {
    const lines: string[] = [];
    const log = createLogger("info", (line) => lines.push(line));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.prependListener("unhandledRejection", onUnhandled);
    try {
      // no such room: the member row breaks its foreign key, an error PostgreSQL will repeat
      const store = new RoomStore(
        database!.db,
        () => "no-such-room",
        new OutboxGroup({ maxWrites: 10, giveUpAfterMs: 5000 }),
        log,
      );
      const stay = { user_id: "u1", username: "U1", avatar_url: null, joined_at: Date.now(), stay: "s1" };
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
        [["error", "no-such-room", "member joined", "failed"]],
      );
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
