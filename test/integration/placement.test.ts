import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { Placement, type PlacementKeys } from "../../src/cluster/placement.ts";
import { uid } from "../helpers/server.ts";

const redisUrl = process.env.REDIS_URL;

/**
 * The placement script on a real Redis, processes stood in by their keys: a published room count
 * and a heartbeat each (keys of this test's own, beside whatever else uses the database).
 */
describe("placement of new rooms over the live processes", () => {
  let redis: Redis;
  let keys: PlacementKeys;
  const procs = ["a", "b", "c"];

  before(function () {
    if (!redisUrl) this.skip(); // the script runs in Redis
    redis = new Redis(redisUrl!);
  });
  beforeEach(async () => {
    const ns = uid("placement");
    keys = { counts: `${ns}:counts`, alive: `${ns}:alive:`, reserved: `${ns}:placing:` };
    for (const p of procs) await beats(p, 0);
  });
  afterEach(async () => {
    const left = await redis.keys(`${keys.counts.slice(0, -"counts".length)}*`);
    if (left.length) await redis.del(...left);
  });
  after(() => redis?.disconnect());

  async function beats(processId: string, rooms: number): Promise<void> {
    await redis.hset(keys.counts, processId, `${rooms},0`);
    await redis.set(keys.alive + processId, "1", "PX", 60_000);
  }

  function tally(chosen: string[]): Record<string, number> {
    const t: Record<string, number> = Object.fromEntries(procs.map((p) => [p, 0]));
    for (const p of chosen) t[p] = (t[p] ?? 0) + 1;
    return t;
  }

  it("30 creates decided at once, through one process or through all, go 10/10/10", async () => {
    const placement = new Placement(redis, keys);
    const one = await Promise.all(Array.from({ length: 30 }, () => placement.reserve("a")));
    assert.deepEqual(tally(one), { a: 10, b: 10, c: 10 });
    const all = await Promise.all(Array.from({ length: 30 }, (_, i) => placement.reserve(procs[i % 3]!)));
    assert.deepEqual(tally(all), { a: 10, b: 10, c: 10 });
  });

  it("the least-loaded process gets the creates until the processes are even", async () => {
    await beats("a", 5);
    await beats("c", 2);
    const placement = new Placement(redis, keys);
    const chosen: string[] = [];
    for (let i = 0; i < 10; i++) chosen.push(await placement.reserve("a"));
    assert.deepEqual(chosen.slice(0, 5), ["b", "b", "b", "c", "b"], "ties: the lowest id");
    assert.deepEqual(tally(chosen), { a: 1, b: 6, c: 3 }, "5+1, 0+6, 2+3 rooms");
  });

  it("a room counts once: when its process publishes it, the reservation it came from goes", async () => {
    const placement = new Placement(redis, keys);
    const rooms: Record<string, number> = { a: 0, b: 0, c: 0 };
    const chosen: string[] = [];
    // creates finish while others are being decided: each finished room is published by its
    // process (count + 1) in the same step as one of its reservations goes
    for (let i = 0; i < 30; i++) {
      chosen.push(await placement.reserve("a"));
      if (i % 2 === 1) {
        const done = chosen[Math.floor(i / 2)]!;
        rooms[done]! += 1;
        await placement.created(done, rooms[done]!, 0);
      }
    }
    assert.deepEqual(tally(chosen), { a: 10, b: 10, c: 10 });
    assert.equal(await redis.hget(keys.counts, chosen[0]!), `${rooms[chosen[0]!]},0`);
  });

  it("a process whose heartbeat lapsed gets nothing; the deciding process always may", async () => {
    await redis.del(keys.alive + "c");
    const placement = new Placement(redis, keys);
    const chosen = await Promise.all(Array.from({ length: 10 }, () => placement.reserve("b")));
    assert.deepEqual(tally(chosen), { a: 5, b: 5, c: 0 });
    await redis.del(keys.alive + "a", keys.alive + "b");
    assert.equal(await placement.reserve("b"), "b", "its own heartbeat is not needed");
  });

  it("a reservation whose create never came stops counting after its TTL", async () => {
    const placement = new Placement(redis, keys, 300);
    assert.deepEqual(tally(await Promise.all([1, 2, 3].map(() => placement.reserve("a")))), {
      a: 1,
      b: 1,
      c: 1,
    });
    await beats("b", 1); // b created its room; a's and c's never came
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(tally(await Promise.all([1, 2].map(() => placement.reserve("a")))), {
      a: 1,
      b: 0,
      c: 1,
    });
  });
});
