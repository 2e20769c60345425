/**
 * What one host action's write costs the server: the host's state stored as a room does it
 * (src/db/host-state-write.ts, one prepared, fenced UPDATE), against the same columns in the form
 * it had before and every other room write has (src/db/write-fence.ts: BEGIN, claim, UPDATE,
 * COMMIT), alternating, one write every
 * --gap ms (a host acting now and then: caches cold, as in the fan-out benchmark). Prints the
 * round trip and the CPU time per write of the main thread and, on PGlite, of PGlite's thread
 * (Linux: /proc/self/task).
 *
 *   npm run bench:host-write                              # embedded PGlite
 *   DATABASE_URL=postgres://… npm run bench:host-write    # PostgreSQL (its own process's CPU not counted)
 *   npm run bench:host-write -- --writes 300 --gap 50
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { openDatabase } from "../src/db/connect.ts";
import { eq, sql } from "../src/db/drizzle.ts";
import { rooms } from "../src/db/schema.ts";
import { fencedWrite } from "../src/db/write-fence.ts";
import { storeHostState } from "../src/db/host-state-write.ts";
import { percentile } from "../test/helpers/stats.ts";

const { values: args } = parseArgs({
  options: {
    writes: { type: "string", default: "200" },
    gap: { type: "string", default: "50" },
    rounds: { type: "string", default: "2" },
  },
});
const WRITES = Number(args.writes);
const GAP_MS = Number(args.gap);
const TICK_MS = 10; // /proc's clock ticks (USER_HZ 100)

/** CPU ticks of each thread of this process but the main one (PGlite's thread among them) */
function otherThreadTicks(): number {
  let total = 0;
  for (const tid of readdirSync("/proc/self/task")) {
    if (Number(tid) === process.pid) continue;
    const fields = readFileSync(`/proc/self/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ");
    total += Number(fields[11]) + Number(fields[12]);
  }
  return total;
}

const database = await openDatabase({
  databaseUrl: process.env.DATABASE_URL,
  dataDir: mkdtempSync(path.join(tmpdir(), "anisync-host-write-")),
});
const { db } = database;
const roomId = `host-write-${Date.now()}`;
await db.execute(sql`
  INSERT INTO rooms (room_id, title, anime_id, anime_title, episode_number, video_url, is_public,
                     host_user_id, owner_user_id, updated_at)
  VALUES (${roomId}, 't', 'a', 'A', 1, 'https://v.example/1.webm', true, 'h', 'h', 0)`);
let version = Date.now() * 1000;

const forms = {
  "one prepared UPDATE (host state)": (i: number) =>
    storeHostState(db, roomId, ++version, 0, {
      playback: { is_playing: true, position: i, updated_at: Date.now(), rate: 1, seq: i },
      host_user_id: "h",
      host_action: true,
    }),
  // the same columns as the host state, as the host state was stored before (one UPDATE in the fence's transaction)
  "transaction of four (as before)": (i: number) =>
    fencedWrite(db, roomId, ++version, 0, (tx) =>
      tx
        .update(rooms)
        .set({
          is_playing: true,
          position: i,
          updated_at: Date.now(),
          rate: 1,
          seq: i,
          host_user_id: "h",
          last_active_at: new Date(),
          host_actions: sql`${rooms.host_actions} + 1`,
        })
        .where(eq(rooms.room_id, roomId)),
    ),
};

console.log(
  `${database.kind}: ${WRITES} writes per round, one every ${GAP_MS} ms, ${args.rounds} rounds per form, alternating`,
);
const results = new Map<string, { rt: number[]; mainMs: number; threadMs: number; n: number }>();
for (let r = 0; r < Number(args.rounds); r++) {
  for (const [name, write] of Object.entries(forms)) {
    const res = results.get(name) ?? { rt: [], mainMs: 0, threadMs: 0, n: 0 };
    const main0 = process.threadCpuUsage();
    const others0 = otherThreadTicks();
    for (let i = 0; i < WRITES; i++) {
      const started = performance.now();
      await write(i);
      res.rt.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
    }
    const main = process.threadCpuUsage(main0);
    res.mainMs += (main.user + main.system) / 1000;
    res.threadMs += (otherThreadTicks() - others0) * TICK_MS;
    res.n += WRITES;
    results.set(name, res);
  }
}
for (const [name, res] of results) {
  console.log(
    `  ${name.padEnd(36)} round trip p50 ${percentile(res.rt, 50).toFixed(2)} · p95 ${percentile(res.rt, 95).toFixed(2)} ms; ` +
      `CPU per write: main thread ${(res.mainMs / res.n).toFixed(2)} ms, other threads ${(res.threadMs / res.n).toFixed(2)} ms` +
      " (incl. the timer between writes)",
  );
}
await database.close();
process.exit(0);
