import assert from "node:assert/strict";
import { connectionGone, heartbeatCovers, maySweep } from "../../src/cluster/lapse.ts";
import { guardListings } from "../../src/cluster/guarded-listing.ts";
import { LocalDriver, type IRoomCache } from "@colyseus/core";

describe("process liveness rules", () => {
  const s = { intervalMs: 1000, ttlMs: 3000 };

  it("a heartbeat covers the process until its TTL has passed since it was sent, and never before the first", () => {
    assert.equal(heartbeatCovers(undefined, 0, 3000), false);
    assert.equal(heartbeatCovers(1000, 3999, 3000), true);
    assert.equal(heartbeatCovers(1000, 4000, 3000), false);
    // a stall of 10 s: the process is not current when it runs again
    assert.equal(heartbeatCovers(1000, 11_000, 3000), false);
  });

  it("a process judges others only after a full TTL and an interval of its own heartbeats without a gap", () => {
    assert.equal(maySweep(undefined, 10_000, s), false);
    assert.equal(maySweep(0, 3999, s), false);
    assert.equal(maySweep(0, 4000, s), true);
  });

  it("a process whose channel has had no subscriber for an interval is gone (its connections closed); a shorter blink is not", () => {
    assert.equal(connectionGone(undefined, 10_000, s), false, "subscribed");
    assert.equal(connectionGone(5000, 5999, s), false);
    assert.equal(connectionGone(5000, 6000, s), true);
  });
});

describe("listing writes of a room copy", () => {
  function listing(roomId: string): IRoomCache {
    return { roomId, clients: 0, locked: false, private: false, maxClients: 10 } as unknown as IRoomCache;
  }

  it("are skipped while the guard refuses (a fenced copy, a process not current) and go through again after", async () => {
    let allowed = false;
    const driver = guardListings(new LocalDriver(), { mayWrite: () => allowed });
    const room = listing("r1");
    assert.equal(await Promise.resolve(driver.persist(room, true)), false);
    assert.equal(await Promise.resolve(driver.has("r1")), false);
    await Promise.resolve(driver.update(room, { $inc: { clients: 1 } }));
    assert.equal(room.clients, 1, "the listing in memory follows");
    allowed = true;
    await Promise.resolve(driver.persist(room, true));
    assert.equal(await Promise.resolve(driver.has("r1")), true);
    allowed = false;
    assert.equal(await Promise.resolve(driver.remove("r1")), false);
    assert.equal(await Promise.resolve(driver.has("r1")), true, "a refused copy never removes the listing");
  });
});
