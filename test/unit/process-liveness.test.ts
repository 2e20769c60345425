import assert from "node:assert/strict";
import { heartbeatCovers, maySweep } from "../../src/cluster/lapse.ts";
import { leastLoaded } from "../../src/cluster/placement.ts";
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
});

describe("placement", () => {
  it("picks the process with the fewest rooms, counting the creates sent there recently", () => {
    const procs = [
      { processId: "a", roomCount: 2 },
      { processId: "b", roomCount: 3 },
      { processId: "c", roomCount: 2 },
    ];
    assert.equal(leastLoaded(procs, new Map()), "a");
    assert.equal(leastLoaded(procs, new Map([["a", 1]])), "c");
    assert.equal(
      leastLoaded(
        procs,
        new Map([
          ["a", 2],
          ["c", 2],
        ]),
      ),
      "b",
    );
    assert.equal(leastLoaded([], new Map()), undefined);
  });

  it("a burst decided by one process spreads evenly", () => {
    const procs = ["a", "b", "c"].map((processId) => ({ processId, roomCount: 0 }));
    const sent = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const id = leastLoaded(procs, sent)!;
      sent.set(id, (sent.get(id) ?? 0) + 1);
    }
    assert.deepEqual([...sent.values()], [10, 10, 10]);
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
