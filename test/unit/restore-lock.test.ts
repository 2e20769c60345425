import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { tryLock } from "../../src/rooms/restore-lock.ts";

const redisUrl = process.env.REDIS_URL;

for (const backend of ["memory", "redis"] as const) {
  describe(`the restore lock (${backend})`, () => {
    let redis: Redis | undefined;
    before(function () {
      if (backend === "redis" && !redisUrl) this.skip();
      if (backend === "redis") redis = new Redis(redisUrl!);
    });
    after(() => redis?.disconnect());
    const key = () => `anisync:test-lock:${backend}:${process.pid}:${Math.random()}`;

    it("one caller holds it; the next gets it once it is released", async () => {
      const k = key();
      const first = await tryLock(redis, k, 5000);
      assert.ok(first);
      assert.equal(await tryLock(redis, k, 5000), undefined);
      await first.release();
      const next = await tryLock(redis, k, 5000);
      assert.ok(next);
      await next.release();
    });

    it("a lock whose holder died expires by itself, and the late holder's release frees nothing", async () => {
      const k = key();
      const dead = await tryLock(redis, k, 100);
      assert.ok(dead);
      await new Promise((r) => setTimeout(r, 150));
      const next = await tryLock(redis, k, 5000);
      assert.ok(next, "taken over after the TTL");
      await dead.release();
      assert.equal(await tryLock(redis, k, 5000), undefined, "still held by the new holder");
      await next.release();
    });
  });
}
