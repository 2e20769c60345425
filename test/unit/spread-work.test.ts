/** Issue 13: periodic work over many items runs in slices, never in one long pass. */
import assert from "node:assert/strict";
import { SpreadSweep } from "../../src/ops/spread-sweep.ts";
import { PatchScheduler, type Patched } from "../../src/rooms/patch-scheduler.ts";

describe("SpreadSweep (the WebSocket heartbeat)", () => {
  it("visits 18,000 items once per interval, at most 1/60 of them per 50 ms slice", () => {
    const items = new Set(Array.from({ length: 18_000 }, (_, i) => i));
    const visits = new Map<number, number>();
    const sweep = new SpreadSweep(
      () => items,
      (i) => visits.set(i, (visits.get(i) ?? 0) + 1),
      3000,
      50,
    );
    const perSlice: number[] = [];
    for (let s = 0; s < 60; s++) perSlice.push(sweep.step());
    assert.equal(Math.max(...perSlice), 300);
    assert.equal(visits.size, 18_000);
    assert.ok([...visits.values()].every((n) => n === 1));
    sweep.step(); // a new cycle starts with the next slice
    assert.equal(visits.get(0), 2);
  });

  it("an item added mid-cycle waits for the next cycle; one removed is not visited again", () => {
    const items = new Set([1, 2, 3, 4]);
    const seen: number[] = [];
    const sweep = new SpreadSweep(
      () => items,
      (i) => seen.push(i),
      100,
      50,
    );
    sweep.step(); // 1, 2
    items.add(5);
    items.delete(1);
    sweep.step(); // 3, 4 (the snapshot of this cycle)
    assert.deepEqual(seen, [1, 2, 3, 4]);
    sweep.step(); // new cycle: 2, 3, 4, 5 in two slices
    sweep.step();
    assert.deepEqual(seen.slice(4), [2, 3, 4, 5]);
  });

  it("a few items are still visited once per interval, not once per few slices", () => {
    const visits: number[] = [];
    const sweep = new SpreadSweep(
      () => [7, 8, 9],
      (i) => visits.push(i),
      3000,
      50,
    );
    for (let s = 0; s < 60; s++) sweep.step(); // one interval
    assert.deepEqual(visits.sort(), [7, 8, 9]);
    for (let s = 0; s < 60; s++) sweep.step();
    assert.equal(visits.length, 6);
  });

  it("an empty collection costs nothing", () => {
    const sweep = new SpreadSweep(
      () => [],
      () => assert.fail("no item"),
      3000,
      50,
    );
    assert.equal(sweep.step(), 0);
  });
});

describe("PatchScheduler (every room's patch tick)", () => {
  const room = (log: Patched[]): Patched => {
    const r: Patched = { patchTick: () => log.push(r) };
    return r;
  };

  it("deals 360 rooms over 10 slots: each step runs 36, each room once per period", () => {
    const log: Patched[] = [];
    const s = new PatchScheduler(50, 5, () => assert.fail("no error"));
    const rooms = Array.from({ length: 360 }, () => room(log));
    rooms.forEach((r) => s.add(r));
    const perStep = Array.from({ length: 10 }, () => s.step());
    s.stop();
    assert.deepEqual(perStep, Array(10).fill(36));
    assert.equal(new Set(log).size, 360);
    assert.equal(log.length, 360);
  });

  it("a new room takes the emptiest slot; a removed room leaves it, and the last one stops the timer", () => {
    const log: Patched[] = [];
    const s = new PatchScheduler(50, 5, () => {});
    const rooms = Array.from({ length: 20 }, () => room(log));
    rooms.forEach((r) => s.add(r));
    rooms.slice(0, 10).forEach((r) => s.remove(r)); // slots 0–9 lost one each
    const late = room(log);
    s.add(late);
    assert.equal(s.rooms, 11);
    const perStep = Array.from({ length: 10 }, () => s.step());
    assert.equal(Math.max(...perStep), 2);
    rooms
      .slice(10)
      .concat(late)
      .forEach((r) => s.remove(r));
    assert.equal(s.rooms, 0);
    assert.equal(s.step(), 0);
  });

  it("one room that throws does not keep the others of its slot from their patch", () => {
    const log: Patched[] = [];
    const errors: unknown[] = [];
    const s = new PatchScheduler(10, 10, (err) => errors.push(err)); // one slot
    const bad: Patched = {
      patchTick: () => {
        throw new Error("encode failed");
      },
    };
    s.add(bad);
    s.add(room(log));
    s.step();
    s.stop();
    assert.equal(log.length, 1);
    assert.equal(errors.length, 1);
  });
});
