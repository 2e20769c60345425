/**
 * Two server processes on one PostgreSQL and one Redis, each with a Syncplay gateway: a Syncplay
 * member follows the host through either process, so also through the one that does not hold the
 * room (the gateway joins through matchmaking like any client).
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { Client, type Room } from "@colyseus/sdk";
import { createOptions, eventually, joined } from "../helpers/server.ts";
import { freePort, startServerProcess, stoppedAfterEach, type ServerProcess } from "../helpers/process.ts";
import { rawClosedAfterEach, rawSyncplay } from "../helpers/syncplay.ts";

const base = process.env.DATABASE_URL;
const redisBase = process.env.REDIS_URL;

describe("Syncplay members in a cluster of two processes", function () {
  this.timeout(120_000);
  let host: Room<any> | undefined;
  // registered first, so it runs before the processes are stopped
  afterEach(async () => {
    await host?.leave().catch(() => {});
    host = undefined;
  });
  const raws = rawClosedAfterEach();
  const processes = stoppedAfterEach();

  before(async function () {
    if (!base || !redisBase) this.skip(); // needs real PostgreSQL and Redis: CI's first run has both
    const redis = new Redis(redisUrl());
    await redis.flushdb();
    redis.disconnect();
  });

  /** a Redis database of the cluster's own (CLUSTER_REDIS_URL, as the other cluster tests; else db 6) */
  function redisUrl(): string {
    if (process.env.CLUSTER_REDIS_URL) return process.env.CLUSTER_REDIS_URL;
    const u = new URL(redisBase!);
    u.pathname = "/6";
    return u.toString();
  }

  it("a Syncplay member on either process follows the host's seek and play, wherever the room lives", async () => {
    const ports = [await freePort(), await freePort()];
    const started: ServerProcess[] = await Promise.all(
      ports.map((syncplayPort) =>
        startServerProcess({
          DATABASE_URL: base,
          REDIS_URL: redisUrl(),
          PUBLIC_ADDRESS: "auto",
          LOG_LEVEL: "warn",
          AUTH_MODE: "open",
          SYNCPLAY_PORT: String(syncplayPort),
        }),
      ),
    );
    processes.push(...started);
    host = (await joined(new Client(started[0]!.baseUrl).create("watch_party", createOptions()))).room;
    const members = await Promise.all(ports.map((port) => rawSyncplay(port)));
    raws.push(...members);
    await members[0]!.hello(host.roomId, "OnA");
    await members[1]!.hello(host.roomId, "OnB");
    await eventually(() => host!.state.members.size === 3, 10_000, "both Syncplay members in the room");

    host.send("control", { action: "seek", current_time: 90 });
    for (const m of members) {
      await m.next((x) => x.State?.playstate?.position === 90 && x.State.playstate.doSeek === true, 5000);
    }
    host.send("control", { action: "play", current_time: 90 });
    for (const m of members) await m.next((x) => x.State?.playstate?.paused === false, 5000);
    const connected = [...host.state.members.values()].filter((m: any) => m.connected).length;
    assert.equal(connected, 3);
  });
});
