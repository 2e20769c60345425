import assert from "node:assert/strict";
import { smallestBy } from "../../src/rooms/smallest.ts";

describe("the k smallest by key (smallest.ts)", () => {
  const byId = (x: { id: string }) => x.id;

  it("are the first k of a full sort, in order, for any k and any input order", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31).toString(36).slice(2, 7);
    for (const n of [0, 1, 2, 5, 64, 1000]) {
      const items = Array.from({ length: n }, () => ({ id: random() }));
      const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      for (const k of [1, 2, 3, 10, 200, 1001]) {
        assert.deepEqual(
          smallestBy(items, byId, k).map(byId),
          sorted.slice(0, k).map(byId),
          `n ${n}, k ${k}`,
        );
      }
    }
  });

  it("keep equal keys (both of a tie can be in the answer) and take any iterable", () => {
    const items = new Set([{ id: "b" }, { id: "a" }, { id: "b" }, { id: "c" }]);
    assert.deepEqual(smallestBy(items, byId, 3).map(byId), ["a", "b", "b"]);
    assert.deepEqual(smallestBy(items, byId, 0), []);
  });
});
