import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { configWith } from "../../src/config.ts";
import { limitPoints, RateLimits } from "../../src/security/rate-limits.ts";
import { KeyThrottle } from "../../src/security/key-throttle.ts";

describe("rate limits per user and per address", () => {
  it("an address gets RATE_PER_ADDRESS_FACTOR times one user's allowance; each user keeps their own", async () => {
    const limits = new RateLimits(
      limitPoints(configWith({ RATE_JOIN_PER_MIN: 2, RATE_PER_ADDRESS_FACTOR: 3 })),
    );
    const ip = "192.0.2.1";
    for (const user of ["a", "b", "c"]) {
      await limits.consume("join", { user_id: user, ip });
      await limits.consume("join", { user_id: user, ip });
    }
    await assert.rejects(limits.consume("join", { user_id: "d", ip }), { code: "RATE_LIMITED" });
    await assert.rejects(limits.consume("join", { user_id: "a", ip: "192.0.2.2" }), { code: "RATE_LIMITED" });
    await limits.consume("join", { user_id: "d", ip: "192.0.2.2" });
  });

  it("one IPv6 /64 is one address", async () => {
    const limits = new RateLimits(
      limitPoints(configWith({ RATE_COMMENT_PER_MIN: 1, RATE_PER_ADDRESS_FACTOR: 2 })),
    );
    await limits.consume("comment", { ip: "2001:db8:5:5::1" });
    await limits.consume("comment", { ip: "2001:db8:5:5:ffff::9" });
    await assert.rejects(limits.consume("comment", { ip: "2001:db8:5:5::abcd" }), { code: "RATE_LIMITED" });
    await limits.consume("comment", { ip: "2001:db8:5:6::1" });
  });

  it("a room message's count (one key, in memory) is answered within two promise turns, over the limit too", async () => {
    // a host's seek waits for this answer before the members get the patch: every extra turn is
    // time the members wait (docs/performance.md, "the host's path, cold")
    const limits = new RateLimits(limitPoints(configWith({ RATE_CONTROL_PER_S: 1 })));
    const turnsToSettle = async (p: Promise<void>) => {
      let settled = false;
      p.then(
        () => (settled = true),
        () => (settled = true),
      );
      for (let turns = 0; turns < 20; turns++) {
        if (settled) return turns;
        await Promise.resolve();
      }
      return Infinity;
    };
    assert.ok((await turnsToSettle(limits.consume("control", { user_id: "host" }))) <= 2);
    const over = limits.consume("control", { user_id: "host" });
    assert.ok((await turnsToSettle(over)) <= 2);
    await assert.rejects(over, { code: "RATE_LIMITED" });
  });

  it("guest identities stay a per-address number (RATE_GUEST_IDENTITY_PER_HOUR, no factor)", () => {
    const points = limitPoints(configWith({ RATE_GUEST_IDENTITY_PER_HOUR: 7 }));
    assert.equal(points.address.guest_identity, 7);
    assert.equal(points.address.room_create, 100);
    assert.equal(points.user.room_create, 10);
  });
});

describe("rate limits with Redis down (a cluster whose Redis does not answer)", function () {
  this.timeout(10_000);
  let redis: Redis;
  beforeEach(() => {
    // nobody listens on port 1: every command fails, as in a Redis outage
    redis = new Redis("redis://127.0.0.1:1", { maxRetriesPerRequest: 3 });
    redis.on("error", () => undefined);
  });
  afterEach(() => redis.disconnect());

  it("joins are let through and counted in memory, and the limit still holds", async () => {
    const limits = new RateLimits(limitPoints(configWith({ RATE_JOIN_PER_MIN: 2 })), redis);
    const started = Date.now();
    await limits.consume("join", { user_id: "u", ip: "192.0.2.9" });
    await limits.consume("join", { user_id: "u", ip: "192.0.2.9" });
    assert.ok(Date.now() - started < 500, "answered at once, not after Redis retries");
    await assert.rejects(limits.consume("join", { user_id: "u", ip: "192.0.2.9" }), { code: "RATE_LIMITED" });
  });

  it("the access-key throttle falls back to memory too", async () => {
    const throttle = new KeyThrottle({ perIpPerMinute: 1, perRoomPerHour: 10, redis });
    assert.deepEqual(await throttle.check("room1", "192.0.2.9"), { allowed: true });
    await throttle.recordFailure("room1", "192.0.2.9");
    assert.equal((await throttle.check("room1", "192.0.2.9")).allowed, false);
  });
});
