/**
 * Comment load: seeds N comments (default 1,000,000) over E episodes (default 1,000) into
 * PostgreSQL, starts a server on it, and prints p50/p95 of an episode page
 * (`GET /api/comments`, 50 rows) and of `GET /api/comments/history` for one episode; then the
 * time from a member's `comment` send to the last of M members (default 50) receiving it.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1/anisync_comments npm run loadtest:comments
 *   npm run loadtest:comments -- --comments 100000 --requests 200
 *
 * The seed goes straight through SQL (generate_series): a third of the comments are replies,
 * a quarter carry no video timestamp. A database that already holds the seed is reused.
 */
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { Client, type Room } from "@colyseus/sdk";
import { openDatabase } from "../src/db/connect.ts";
import { startServerProcess } from "../test/helpers/process.ts";
import { LOADTEST_LIMITS } from "./limits.ts";
import { percentile } from "../test/helpers/stats.ts";

const { values: args } = parseArgs({
  options: {
    comments: { type: "string", default: "1000000" },
    episodes: { type: "string", default: "1000" },
    requests: { type: "string", default: "500" },
    members: { type: "string", default: "50" },
    rounds: { type: "string", default: "30" },
  },
});
const COMMENTS = Number(args.comments);
const EPISODES = Number(args.episodes);
const REQUESTS = Number(args.requests);
const MEMBERS = Number(args.members);
const ROUNDS = Number(args.rounds);
const ANIME = `load-anime-${COMMENTS}-${EPISODES}`;

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("loadtest/comments.ts needs DATABASE_URL (a PostgreSQL database it may fill)");
  process.exit(2);
}

async function seed(): Promise<void> {
  const db = await openDatabase({ databaseUrl: url, dataDir: "" }); // applies migrations
  await db.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query(
    "SELECT count(*)::int AS n FROM comments WHERE anime_id = $1 AND kind = 'comment'",
    [ANIME],
  );
  if (rows[0].n >= COMMENTS) {
    console.log(`seed: reusing ${rows[0].n} comments of ${ANIME}`);
    await client.end();
    return;
  }
  const t0 = performance.now();
  await client.query("DELETE FROM comments WHERE anime_id = $1", [ANIME]);
  await client.query(
    `INSERT INTO comments (kind, anime_id, episode_number, depth, message, created_at)
     SELECT 'anchor', $1, e, 0, 'Episode ' || e || ' discussion', now() FROM generate_series(1, $2) e`,
    [ANIME, EPISODES],
  );
  const perEpisode = Math.ceil(COMMENTS / EPISODES);
  const top = Math.ceil((perEpisode * 2) / 3);
  // top-level comments: two thirds
  await client.query(
    `INSERT INTO comments (kind, anime_id, episode_number, parent_id, depth, user_id, username, message, room_id, video_timestamp, created_at)
     SELECT 'comment', $1, a.episode_number, a.id, 1, 'user-' || (i % 5000), 'User ' || (i % 5000),
            'comment ' || i || ' on episode ' || a.episode_number, 'room-' || (i % 300),
            CASE WHEN i % 4 = 0 THEN NULL ELSE (i * 7919 % 1440)::float8 END,
            now() - make_interval(secs => i)
     FROM comments a, generate_series(1, $2) i
     WHERE a.anime_id = $1 AND a.kind = 'anchor'`,
    [ANIME, top],
  );
  // replies: the rest, each under a top-level comment of its episode
  await client.query(
    `INSERT INTO comments (kind, anime_id, episode_number, parent_id, depth, user_id, username, message, room_id, video_timestamp, created_at)
     SELECT 'comment', c.anime_id, c.episode_number, c.id, 2, 'user-' || (c.id % 4999), 'User ' || (c.id % 4999),
            're: ' || c.message, c.room_id, c.video_timestamp, c.created_at + interval '1 second'
     FROM comments c
     WHERE c.anime_id = $1 AND c.kind = 'comment' AND c.depth = 1 AND c.id % 2 = 0
     LIMIT $2`,
    [ANIME, COMMENTS - top * EPISODES],
  );
  await client.query("ANALYZE comments");
  const { rows: after } = await client.query(
    "SELECT count(*)::int AS n FROM comments WHERE anime_id = $1 AND kind = 'comment'",
    [ANIME],
  );
  console.log(
    `seed: ${after[0].n} comments over ${EPISODES} episodes in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  await client.end();
}

async function timeRequests(base: string, route: (i: number) => string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now();
    const res = await fetch(`${base}${route(i)}`);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${route(i)}: ${res.status}`);
    times.push(performance.now() - t);
  }
  return times;
}

const fmt = (xs: number[]) =>
  `p50 ${percentile(xs, 50).toFixed(2)} ms · p95 ${percentile(xs, 95).toFixed(2)} ms · max ${Math.max(...xs).toFixed(2)} ms`;

async function main(): Promise<void> {
  await seed();
  const srv = await startServerProcess({
    DATABASE_URL: url,
    LOG_LEVEL: "warn",
    AUTH_MODE: "open",
    ...LOADTEST_LIMITS,
  });
  try {
    const episode = (i: number) => 1 + ((i * 37) % EPISODES);
    await timeRequests(
      srv.baseUrl,
      (i) => `/api/comments?anime_id=${ANIME}&episode_number=${episode(i)}&limit=50`,
    ); // warm-up
    const page = await timeRequests(
      srv.baseUrl,
      (i) => `/api/comments?anime_id=${ANIME}&episode_number=${episode(i + 7)}&limit=50`,
    );
    const spoiler = await timeRequests(
      srv.baseUrl,
      (i) =>
        `/api/comments?anime_id=${ANIME}&episode_number=${episode(i + 11)}&limit=50&until=600&order=oldest`,
    );
    const history = await timeRequests(
      srv.baseUrl,
      (i) => `/api/comments/history?anime_id=${ANIME}&episode_number=${episode(i + 3)}`,
    );
    console.log(`GET /api/comments (50 top-level rows + replies): ${fmt(page)}`);
    console.log(`GET /api/comments with until=600, oldest first: ${fmt(spoiler)}`);
    console.log(`GET /api/comments/history (one episode):       ${fmt(history)}`);

    const run = Date.now().toString(36);
    const host = await new Client(srv.baseUrl).create("watch_party", {
      title: "comments",
      anime_id: `${ANIME}-live`,
      anime_title: "Load",
      episode_number: 1,
      video_url: "https://videos.example/load.webm",
      host_user_id: `host-${run}`,
      host_username: "Host",
    });
    const members: Room<any>[] = [host];
    for (let i = 1; i < MEMBERS; i++) {
      members.push(
        await new Client(srv.baseUrl).joinById(host.roomId, { user_id: `m${i}-${run}`, username: `M${i}` }),
      );
    }
    let round: { id: string; sentAt: number; seen: number; last: number; done: () => void } | undefined;
    for (const room of members) {
      room.onMessage("*", () => {});
      room.onMessage("comment", (c: { message: string }) => {
        if (!round || c.message !== round.id) return;
        round.last = performance.now();
        if (++round.seen === MEMBERS) round.done();
      });
    }
    const latencies: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const done = new Promise<void>((resolve) => {
        round = { id: `round ${r} ${run}`, sentAt: performance.now(), seen: 0, last: 0, done: resolve };
      });
      members[1 + (r % (MEMBERS - 1))]!.send("comment", { message: round!.id, video_timestamp: r });
      await done;
      latencies.push(round!.last - round!.sentAt);
      await new Promise((res) => setTimeout(res, 50));
    }
    console.log(`comment send → last of ${MEMBERS} members: ${fmt(latencies)}`);
    await Promise.all(members.map((m) => m.leave().catch(() => undefined)));
  } finally {
    await srv.stop();
  }
}

await main();
process.exit(0);
