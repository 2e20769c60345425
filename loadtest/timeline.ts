/**
 * The room timeline's query (GET /api/rooms/:room_id/timeline) against a big room's hour of
 * samples: seeds one room with M members × one sample per 10 s for an hour (the default
 * SAMPLE_INTERVAL_S; 1,000 members = 360,000 rows), plus as many rows of another room, then prints
 * p50/p95 of the timeline query over the hour (a room's first request in a process) and over the
 * last 3 minutes (later requests: settled minutes are kept), and of the stats' sync-quality query.
 *
 *   npm run bench:timeline -- --members 1000                (embedded PGlite in a temp dir)
 *   DATABASE_URL=postgres://postgres@127.0.0.1/anisync_bench npm run bench:timeline
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { openDatabase } from "../src/db/connect.ts";
import { sql } from "../src/db/drizzle.ts";
import { insertRoom } from "../src/db/rooms-repo.ts";
import { syncQuality } from "../src/db/analytics-repo.ts";
import { minuteCounts } from "../src/db/timeline-repo.ts";
import { timelineStart } from "../src/sync/timeline.ts";
import { percentile } from "../test/helpers/stats.ts";

const { values: args } = parseArgs({
  options: {
    members: { type: "string", default: "1000" },
    requests: { type: "string", default: "20" },
  },
});
const MEMBERS = Number(args.members);
const REQUESTS = Number(args.requests);

const database = await openDatabase({
  databaseUrl: process.env.DATABASE_URL,
  dataDir: mkdtempSync(path.join(tmpdir(), "anisync-bench-")),
});
const { db } = database;
const run = Date.now().toString(36);
const room = (i: number) => ({
  room_id: `bench-${run}-${i}`,
  title: "Bench",
  anime_id: "bench",
  anime_title: "Bench",
  episode_number: 1,
  video_url: "https://videos.example/bench.webm",
  is_public: true,
  host_user_id: "h",
  owner_user_id: "h",
  updated_at: Date.now(),
});
const seedStart = performance.now();
for (const i of [0, 1]) {
  await insertRoom(db, room(i));
  // one sample per member per 10 s over the last hour; a fifth of them drifting
  await db.execute(sql`
    insert into sync_samples (room_id, user_id, at, drift, sync_status)
    select ${room(i).room_id}, 'u' || m, now() - make_interval(secs => s * 10), 0.1,
           case when (m + s) % 5 = 0 then 'drifting' else 'synced' end
    from generate_series(1, ${MEMBERS}) m, generate_series(0, 359) s`);
}
const seededAt = Date.now();
console.log(
  `${database.kind}: seeded 2 rooms × ${MEMBERS} members × 360 samples in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
);

async function time(name: string, query: () => Promise<unknown>): Promise<void> {
  await query(); // warm
  const ms: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now();
    await query();
    ms.push(performance.now() - t);
  }
  console.log(`${name}: p50 ${percentile(ms, 50).toFixed(1)} ms · p95 ${percentile(ms, 95).toFixed(1)} ms`);
}
const id = room(0).room_id;
const counts = await minuteCounts(db, id, timelineStart(Date.now()));
console.log(`timeline: ${counts.length} minutes, ${counts.at(-2)?.members} members in a full minute`);
await time("timeline, the whole hour (a room's first request)", () =>
  minuteCounts(db, id, timelineStart(Date.now())),
);
// later requests query only the minutes not yet settled (src/http/settled-minutes.ts): about 3
// (from the seed's newest minute: the timings above take a while, and the seed does not grow)
const recent = Math.floor(seededAt / 60_000) * 60_000 - 2 * 60_000;
const rows = (await minuteCounts(db, id, recent)).reduce((n, m) => n + Number(m.members), 0);
await time(`timeline, the last 3 minutes (later requests; ${rows} member-minutes)`, () =>
  minuteCounts(db, id, recent),
);
await time("stats sync (syncQuality)", () => syncQuality(db, id));
await db.execute(sql`delete from rooms where room_id like ${`bench-${run}-%`}`);
await database.close();
