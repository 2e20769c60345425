/**
 * What a flush of sync samples costs the main thread: 3,600 rows (one 2 s flush at 18,000
 * members) inserted as drizzle's multi-row insert and as the one-statement unnest insert the
 * server uses (src/db/rooms-repo.ts), in slices of --slice rows. Prints total and longest slice.
 *
 *   node loadtest/samples-insert.ts [--rows 3600] [--slice 100] [--runs 3]   # PGlite
 *   DATABASE_URL=postgres://… node loadtest/samples-insert.ts
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { openDatabase } from "../src/db/connect.ts";
import { sql } from "../src/db/drizzle.ts";
import { syncSamples } from "../src/db/schema.ts";
import { insertSamples, type SampleRow } from "../src/db/rooms-repo.ts";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "3600" },
    slice: { type: "string", default: "100" },
    runs: { type: "string", default: "3" },
  },
});
const ROWS = Number(args.rows);
const SLICE = Number(args.slice);

const database = await openDatabase({
  databaseUrl: process.env.DATABASE_URL,
  dataDir: mkdtempSync(path.join(tmpdir(), "anisync-samples-")),
  timeouts: { connectMs: 5000, statementMs: 60_000, idleMs: 10_000 },
});
const { db } = database;
const roomId = `bench-${process.pid}`;
await db.execute(sql`
  INSERT INTO rooms (room_id, title, anime_id, anime_title, episode_number, video_url, host_user_id,
                     is_public, owner_user_id, updated_at)
  VALUES (${roomId}, 'bench', 'bench', 'Bench', 1, 'https://videos.example/b.webm', 'h', true, 'h', 0)`);
const rows = (): SampleRow[] =>
  Array.from({ length: ROWS }, (_, i) => ({
    room_id: roomId,
    user_id: `u${i}`,
    at: new Date(),
    drift: (i % 100) / 1000,
    sync_status: "synced",
  }));

const ways: Record<string, (slice: SampleRow[]) => Promise<unknown>> = {
  "drizzle multi-row": (slice) => db.insert(syncSamples).values(slice),
  "unnest (server)": (slice) => insertSamples(db, slice),
};
console.log(`${database.kind}: ${ROWS} rows in slices of ${SLICE}`);
for (const [name, insert] of Object.entries(ways)) {
  for (let run = 0; run < Number(args.runs); run++) {
    const batch = rows();
    const times: number[] = [];
    for (let i = 0; i < batch.length; i += SLICE) {
      const t = performance.now();
      await insert(batch.slice(i, i + SLICE));
      times.push(performance.now() - t);
    }
    const total = times.reduce((a, b) => a + b, 0);
    console.log(
      `${name.padEnd(18)} total ${total.toFixed(1)} ms, longest slice ${Math.max(...times).toFixed(1)} ms`,
    );
  }
}
await db.execute(sql`DELETE FROM rooms WHERE room_id = ${roomId}`);
await database.close();
