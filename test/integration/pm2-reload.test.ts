import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { WatchParty } from "../../client/index.ts";
import { createOptions, eventually, uid } from "../helpers/server.ts";
import { freePort } from "../helpers/process.ts";

const run = promisify(execFile);
const base = process.env.DATABASE_URL;
const redisBase = process.env.REDIS_URL;

/** `npm run cluster:start` / `cluster:reload` for real: PM2 restarts a 2-process cluster under load. */
describe("pm2 reload of a 2-process cluster under load", function () {
  this.timeout(180_000);
  let env: NodeJS.ProcessEnv;
  let port: number;
  const pm2 = (...args: string[]) =>
    run(path.resolve("node_modules/.bin/pm2"), args, { env, timeout: 120_000 });

  before(async function () {
    if (!base || !redisBase) this.skip(); // needs real PostgreSQL and Redis: CI's first run has both
    const redisUrl = new URL(redisBase!);
    redisUrl.pathname = "/6";
    const redis = new Redis(redisUrl.toString());
    await redis.flushdb();
    redis.disconnect();
    do port = await freePort();
    while (port > 65000 || !(await isFree(port + 1)));
    env = {
      ...process.env,
      PATH: `${path.resolve("node_modules/.bin")}:${process.env.PATH}`,
      PM2_HOME: mkdtempSync(path.join(tmpdir(), "anisync-pm2-")),
      DATABASE_URL: base,
      REDIS_URL: redisUrl.toString(),
      PORT: String(port),
      ANISYNC_INSTANCES: "2",
      LOG_LEVEL: "warn",
      AUTH_MODE: "open",
    };
    await pm2("start", "ecosystem.config.js");
    for (const p of [port, port + 1]) {
      await eventually(
        async () => (await fetch(`http://127.0.0.1:${p}/health`)).ok,
        30_000,
        `process on ${p}`,
      );
    }
  });

  after(async () => {
    if (env) await pm2("kill").catch(() => undefined);
  });

  it("every room comes back where it was, with its members", async () => {
    const endpoints = [port, port + 1].map((p) => `http://127.0.0.1:${p}`);
    const parties: { host: WatchParty; guests: WatchParty[]; start: number }[] = [];
    for (let i = 0; i < 4; i++) {
      const host = await WatchParty.create(endpoints[i % 2]!, createOptions());
      const guests = await Promise.all(
        [1, 2].map((g) =>
          WatchParty.join(endpoints[(i + g) % 2]!, host.roomId, { user_id: uid(`g${g}`), username: `G${g}` }),
        ),
      );
      host.control("play", 100 * (i + 1));
      parties.push({ host, guests, start: 100 * (i + 1) });
    }
    const everyone = parties.flatMap((p) => [p.host, ...p.guests]);
    const rejoined = new Set<WatchParty>();
    for (const party of everyone) party.on("rejoin", () => rejoined.add(party));
    // load: every member reports its position four times a second
    const load = setInterval(() => {
      for (const party of everyone) {
        if (party.isConnected) party.status({ current_time: party.expectedPosition(), is_playing: true });
      }
    }, 250);
    const reloadStarted = Date.now();
    try {
      await pm2("reload", "anisync");
      await eventually(() => rejoined.size === everyone.length, 60_000, "every member rejoined");
      await eventually(
        () =>
          parties.every(
            (p) => p.host.state.members.size === 3 && p.guests.every((g) => g.state.members.size === 3),
          ),
        30_000,
        "every room whole again",
      );
    } finally {
      clearInterval(load);
    }
    const elapsedS = (Date.now() - reloadStarted) / 1000;
    for (const p of parties) {
      const pb = p.host.state.playback;
      assert.equal(pb.is_playing, false, "a restored room waits paused");
      assert.ok(
        pb.position > p.start && pb.position < p.start + elapsedS + 5,
        `room resumed near ${p.start}: ${pb.position}`,
      );
      assert.equal(p.guests[0]!.roomId, p.host.roomId);
      const hosts = [...p.host.state.members.values()].filter((m) => m.is_host);
      assert.equal(hosts.length, 1);
    }
    await Promise.all(everyone.map((p) => p.leave()));
  });
});

async function isFree(port: number): Promise<boolean> {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}
