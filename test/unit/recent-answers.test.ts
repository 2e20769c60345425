import assert from "node:assert/strict";
import { RecentAnswers } from "../../src/http/recent-answers.ts";

describe("RecentAnswers (a read route's answers for a short time)", () => {
  it("loads a key at most once per ttl, sharing a load in flight", async () => {
    const cache = new RecentAnswers<number>(5000, 10);
    let loads = 0;
    const load = async () => ++loads;
    const first = await Promise.all([
      cache.get("r", load, 0),
      cache.get("r", load, 1),
      cache.get("r", load, 4999),
    ]);
    assert.deepEqual(first, [1, 1, 1]);
    assert.equal(loads, 1);
    assert.equal(await cache.get("r", load, 5000), 2, "reloaded once the ttl has passed");
    assert.equal(await cache.get("other", load, 5000), 3, "keys are apart");
  });

  it("keeps no failed load", async () => {
    const cache = new RecentAnswers<string>(5000, 10);
    await assert.rejects(
      cache.get("r", () => Promise.reject(new Error("db away")), 0),
      /db away/,
    );
    await new Promise((r) => setImmediate(r));
    assert.equal(await cache.get("r", async () => "ok", 1), "ok");
  });

  it("holds at most maxKeys answers, dropping the oldest", async () => {
    const cache = new RecentAnswers<number>(60_000, 3);
    let loads = 0;
    const load = async () => ++loads;
    for (const k of ["a", "b", "c", "d"]) await cache.get(k, load, 0);
    assert.equal(cache.size, 3);
    assert.equal(await cache.get("d", load, 1), 4, "the newest is kept");
    assert.equal(await cache.get("a", load, 1), 5, "the oldest was dropped");
  });
});
