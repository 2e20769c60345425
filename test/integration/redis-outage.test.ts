import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import { WatchParty } from "../../client/index.ts";
import { createOptions, eventually, uid } from "../helpers/server.ts";
import { startServerProcess, stoppedAfterEach } from "../helpers/process.ts";
import { startBalancer, type Balancer } from "../helpers/balancer.ts";
import { redisPresence } from "../../src/cluster/presence.ts";

const base = process.env.DATABASE_URL;
const redisBase = process.env.REDIS_URL;

/** A Redis database of the cluster's own (the in-process test server uses REDIS_URL's). */
function clusterRedisUrl(): URL {
  if (process.env.CLUSTER_REDIS_URL) return new URL(process.env.CLUSTER_REDIS_URL);
  const u = new URL(redisBase!);
  u.pathname = "/4";
  return u;
}

/** Two processes reach Redis through a TCP proxy that the test cuts for 30 s. */
describe("Redis unreachable for 30 s", function () {
  this.timeout(180_000);
  const processes = stoppedAfterEach();
  let proxy: Balancer | undefined;
  let cut = false;

  before(function () {
    if (!base || !redisBase) this.skip(); // needs real PostgreSQL and Redis: CI's first run has both
  });
  after(async () => proxy?.close());

  async function join(baseUrl: string, roomId: string, limitMs = 10_000) {
    const started = performance.now();
    const res = await fetch(`${baseUrl}/api/rooms/${roomId}/join`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user_id: uid("j"), username: "J" }),
      signal: AbortSignal.timeout(limitMs),
    }).catch(() => new Response(JSON.stringify({}), { status: 599 })); // no answer in time
    const body = (await res.json()) as { error?: { code: string } };
    return { status: res.status, code: body.error?.code, ms: performance.now() - started };
  }

  it("rooms keep playing, joins answer 503 UNAVAILABLE at once, and joins through either process work again within 5 s of Redis returning", async () => {
    const target = clusterRedisUrl();
    const redisDirect = new Redis(target.toString());
    await redisDirect.flushdb();
    proxy = await startBalancer(() => (cut ? [] : [Number(target.port || 6379)]), target.hostname);
    const proxied = new URL(target.toString());
    proxied.hostname = "127.0.0.1";
    proxied.port = String(proxy.port);
    const env = {
      DATABASE_URL: base,
      REDIS_URL: proxied.toString(),
      PUBLIC_ADDRESS: "auto",
      LOG_LEVEL: "warn",
      AUTH_MODE: "open",
    };
    const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    processes.push(a!, b!);
    const host = await WatchParty.create(a!.baseUrl, createOptions(), { minUptimeMs: 0 });
    const member = await WatchParty.join(a!.baseUrl, host.roomId, { user_id: uid("m"), username: "M" });

    cut = true;
    proxy.dropAll();
    const cutAt = Date.now();
    await new Promise((r) => setTimeout(r, 3000)); // past the heartbeat TTL: every process knows

    // the room plays on: a host action reaches its member
    host.control("play", 10);
    await eventually(
      () => member.state.playback.is_playing && member.state.playback.position === 10,
      5000,
      "play",
    );
    // a join needs Redis: refused at once through either process
    for (const srv of [a!, b!]) {
      const refused = await join(srv.baseUrl, host.roomId);
      assert.deepEqual([refused.status, refused.code], [503, "UNAVAILABLE"]);
      console.log(`      join during the cut through :${srv.port}: 503 in ${refused.ms.toFixed(0)} ms`);
    }
    const ready = await fetch(`${b!.baseUrl}/health/ready`);
    const readiness = (await ready.json()) as { checks: { database: string; redis: string } };
    assert.equal(ready.status, 503);
    assert.equal(readiness.checks.database, "ok");
    assert.notEqual(readiness.checks.redis, "ok", "says Redis is the one down");

    await new Promise((r) => setTimeout(r, Math.max(0, cutAt + 30_000 - Date.now())));
    host.control("pause", 20);
    await eventually(
      () => !member.state.playback.is_playing && member.state.playback.position === 20,
      5000,
      "pause",
    );
    assert.ok(host.isConnected && member.isConnected, "nobody was dropped");

    cut = false;
    const backAt = performance.now();
    // joins work again through either process: the room's own, and the other one (a join there
    // calls into the room's process over Redis pub/sub)
    const listing = JSON.parse((await redisDirect.hget("roomcaches", host.roomId)) ?? "{}") as {
      publicAddress?: string;
    };
    const home = [a!, b!].find((p) => listing.publicAddress === `127.0.0.1:${p.port}`) ?? a!;
    const other = home === a ? b! : a!;
    const deadline = backAt + 5000;
    for (const [srv, which] of [
      [home, "the room's own process"],
      [other, "the other process"],
    ] as const) {
      const answers: string[] = [];
      for (;;) {
        const j = await join(srv.baseUrl, host.roomId, Math.max(1, Math.round(deadline - performance.now())));
        answers.push(`${j.status} in ${j.ms.toFixed(0)} ms`);
        if (j.status === 200) break;
        assert.ok(
          performance.now() < deadline,
          `a join through ${which} within 5 s of Redis returning: ${answers.join(", ")}`,
        );
        await new Promise((r) => setTimeout(r, 100));
      }
      console.log(
        `      a join through ${which} works ${((performance.now() - backAt) / 1000).toFixed(1)} s after Redis returned (answers: ${answers.join(", ")})`,
      );
    }
    await eventually(
      async () => (await fetch(`${home.baseUrl}/health/ready`)).status === 200,
      10_000,
      "ready",
    );
    const late = await WatchParty.join(home.baseUrl, host.roomId, { user_id: uid("late"), username: "L" });
    assert.equal(late.state.playback.position, 20);
    assert.equal(late.state.playback.is_playing, false);
    await Promise.all([late.leave(), member.leave(), host.leave()]);
    redisDirect.disconnect();
  });
});

/**
 * The presence's subscriber connection behind a proxy that accepts connections and closes them
 * while Redis is away: ioredis gives up on its queued commands on every second attempt here
 * (`maxRetriesPerRequest: 1`), which is when a connection could stay "ready" but dead for good.
 */
describe("cross-process messages after a cut", function () {
  this.timeout(30_000);
  let proxy: Balancer | undefined;
  let cut = false;

  before(function () {
    if (!redisBase) this.skip(); // needs a real Redis
  });
  after(async () => proxy?.close());

  it("subscribe and receive again as soon as Redis answers", async () => {
    const target = new URL(redisBase!);
    proxy = await startBalancer(() => (cut ? [] : [Number(target.port || 6379)]), target.hostname);
    const proxied = new URL(target.toString());
    proxied.hostname = "127.0.0.1";
    proxied.port = String(proxy.port);
    const presence = redisPresence(proxied.toString(), { maxRetriesPerRequest: 1 });
    const direct = new Redis(target.toString());
    const channel = uid("ipc");
    const got: unknown[] = [];
    try {
      await presence.subscribe(`${channel}:before`, () => {});
      cut = true;
      proxy.dropAll();
      await new Promise((r) => setTimeout(r, 2000));
      cut = false;
      const subscribed = presence.subscribe(channel, (m: unknown) => got.push(m));
      await Promise.race([
        subscribed,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error("SUBSCRIBE not answered in 3 s")), 3000),
        ),
      ]);
      await eventually(
        async () => {
          await direct.publish(channel, JSON.stringify("reply"));
          return got.length > 0;
        },
        3000,
        "a message on the new channel",
      );
      assert.equal(got[0], "reply");
    } finally {
      presence.shutdown();
      direct.disconnect();
    }
  });
});
