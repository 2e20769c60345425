/**
 * Failover: three server processes on one PostgreSQL and one Redis behind a TCP load balancer,
 * `--rooms` rooms each with a host and `--members` more members on the client SDK (client/),
 * every other host playing; then SIGKILL of the process with the most rooms. Prints, for that
 * process's rooms:
 *   joinable  time from the kill until a newcomer's join by id through the balancer succeeds
 *             (one prober per room, a new try 200 ms after each failure)
 *   back      time from the kill until each SDK member of those rooms is in its room again by
 *             itself (the `rejoin` event: state and welcome received, clock sampled), at the
 *             room's position
 *   detected  time from the kill until its heartbeat key is gone from Redis, and until the
 *             survivors dropped the process (out of the process stats), polled every 20 ms
 * as p50 and max. Nothing is asserted (the tests check correctness: test/integration/failover.test.ts).
 *
 *   npm run bench:failover -- --redis redis://127.0.0.1:6379/9
 *   npm run bench:failover -- --rooms 45 --pg postgres://postgres@127.0.0.1:5432/postgres --redis …
 *   npm run bench:failover -- --redis … --log-dir /tmp/failover   # each process's info log there
 *
 * The Redis database given is flushed first. The PostgreSQL database is a throwaway one made on
 * --pg (named --db-prefix_<pid>, dropped afterwards).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { Redis } from "ioredis";
import { WatchParty } from "../client/index.ts";
import { startServerProcess, type ServerProcess } from "../test/helpers/process.ts";
import { startBalancer } from "../test/helpers/balancer.ts";

const { values: args } = parseArgs({
  options: {
    rooms: { type: "string", default: "30" },
    members: { type: "string", default: "1" },
    pg: { type: "string", default: "postgres://postgres@127.0.0.1:5432/postgres" },
    redis: { type: "string" },
    "db-prefix": { type: "string", default: "anisync_failover" },
    "log-dir": { type: "string" },
  },
});
if (!args.redis) throw new Error("--redis redis://host:port/db is required (that database is flushed)");
const ROOMS = Number(args.rooms);
const MEMBERS = Number(args.members);

const admin = new pg.Client({ connectionString: args.pg });
await admin.connect();
const dbName = `${args["db-prefix"]}_${process.pid}`;
await admin.query(`CREATE DATABASE ${dbName}`);
const dbUrl = new URL(args.pg);
dbUrl.pathname = `/${dbName}`;
const redis = new Redis(args.redis);
await redis.flushdb();

const env = {
  DATABASE_URL: dbUrl.toString(),
  REDIS_URL: args.redis,
  PUBLIC_ADDRESS: "auto",
  LOG_LEVEL: args["log-dir"] ? "info" : "warn",
  AUTH_MODE: "open",
  RATE_JOIN_PER_MIN: "100000",
  RATE_ROOM_CREATE_PER_HOUR: "100000",
};
const processes: ServerProcess[] = [];
const parties: WatchParty[] = [];
try {
  processes.push(...(await Promise.all([0, 1, 2].map(() => startServerProcess(env)))));
  const down = new Set<ServerProcess>();
  const lb = await startBalancer(() => processes.filter((p) => !down.has(p)).map((p) => p.port));
  const quiet = { rejoin: { baseDelayMs: 200, maxDelayMs: 2000 } };

  const rooms: Array<{ id: string; members: WatchParty[] }> = [];
  for (let i = 0; i < ROOMS; i++) {
    const host = await WatchParty.create(
      lb.url,
      {
        title: `bench ${i}`,
        anime_id: `bench-anime-${i}`,
        anime_title: "Bench",
        episode_number: 1,
        video_url: "https://videos.example/bench.webm",
        host_user_id: `host-${i}`,
        host_username: "Host",
        is_public: true,
      },
      quiet,
    );
    const members = [host];
    for (let m = 0; m < MEMBERS; m++)
      members.push(
        await WatchParty.join(lb.url, host.roomId, { user_id: `m-${i}-${m}`, username: "M" }, quiet),
      );
    host.control(i % 2 ? "play" : "pause", 60 + i);
    rooms.push({ id: host.roomId, members });
    parties.push(...members);
  }
  await new Promise((r) => setTimeout(r, 1000));

  const listings = Object.values(await redis.hgetall("roomcaches")).map(
    (v) => JSON.parse(v) as { roomId: string; publicAddress: string; processId: string },
  );
  const byPort = new Map<number, string[]>();
  for (const l of listings) {
    const port = Number(l.publicAddress.split(":")[1]);
    byPort.set(port, [...(byPort.get(port) ?? []), l.roomId]);
  }
  const [victimPort, victimRooms] = [...byPort.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
  const dead = processes.find((p) => p.port === victimPort)!;
  down.add(dead);
  const counts = processes.map((p) => byPort.get(p.port)?.length ?? 0);
  const moved = rooms.filter((r) => victimRooms.includes(r.id));

  const back: number[] = [];
  const backDone = Promise.all(
    moved.flatMap((r) =>
      r.members.map(
        (m) =>
          new Promise<void>((resolve) =>
            m.on("rejoin", () => {
              back.push(performance.now() - killedAt);
              resolve();
            }),
          ),
      ),
    ),
  );
  const victimId = listings.find((l) => l.roomId === victimRooms[0])!.processId;
  const detected: { keyGone?: number; dropped?: number } = {};
  const killedAt = performance.now();
  dead.child.kill("SIGKILL");
  const killedWall = new Date().toISOString();
  const watch = setInterval(() => {
    const at = performance.now() - killedAt;
    void redis.exists(`anisync:alive:${victimId}`).then((n) => {
      if (n === 0) detected.keyGone ??= at;
    });
    void redis.hexists("roomcount", victimId).then((n) => {
      if (n === 0) detected.dropped ??= at;
    });
  }, 20);
  const joinable = await Promise.all(
    moved.map(async (r, i) => {
      for (;;) {
        try {
          const late = await WatchParty.join(
            lb.url,
            r.id,
            { user_id: `late-${i}`, username: "L" },
            { rejoin: false },
          );
          const ms = performance.now() - killedAt;
          await late.leave();
          return ms;
        } catch {
          await new Promise((res) => setTimeout(res, 200));
        }
      }
    }),
  );
  await Promise.race([backDone, new Promise((r) => setTimeout(r, 60_000))]);
  clearInterval(watch);
  console.log(
    `rooms per process ${counts.join("/")}; SIGKILL of the one with ${moved.length} rooms (${moved.length * (MEMBERS + 1)} SDK members)`,
  );
  const s = (ms?: number) => (ms === undefined ? "not before the run ended" : `${(ms / 1000).toFixed(2)} s`);
  console.log(`detected: heartbeat key gone ${s(detected.keyGone)}, process dropped ${s(detected.dropped)}`);
  console.log(`joinable again: ${summary(joinable)} (${joinable.length} rooms)`);
  console.log(
    `SDK member back: ${summary(back)} (${back.length} of ${moved.length * (MEMBERS + 1)} members)`,
  );
  await lb.close();
  if (args["log-dir"]) {
    mkdirSync(args["log-dir"], { recursive: true });
    for (const p of processes)
      writeFileSync(
        path.join(args["log-dir"], `${p === dead ? "killed" : "survivor"}-${p.port}.log`),
        p.output(),
      );
    console.log(`SIGKILL at ${killedWall}; logs in ${args["log-dir"]}`);
  }
} finally {
  await Promise.all(parties.map((p) => p.leave().catch(() => {})));
  await Promise.all(processes.map((p) => p.stop("SIGTERM")));
  redis.disconnect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
  await admin.end();
}

function summary(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const p50 = sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
  const max = sorted[sorted.length - 1] ?? NaN;
  return `p50 ${(p50 / 1000).toFixed(2)} s, max ${(max / 1000).toFixed(2)} s`;
}
