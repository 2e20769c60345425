import assert from "node:assert/strict";
import { timelineBuckets, timelineStart } from "../../src/sync/timeline.ts";

const MINUTE = 60_000;

describe("room timeline buckets (src/sync/timeline.ts)", () => {
  const now = Date.UTC(2026, 10, 26, 12, 30, 42, 500);
  const thisMinute = Date.UTC(2026, 10, 26, 12, 30);

  it("covers the last hour in whole minutes, the current minute last", () => {
    assert.equal(timelineStart(now), thisMinute - 59 * MINUTE);
    assert.equal(timelineStart(thisMinute), thisMinute - 59 * MINUTE, "a minute's first instant is in it");
    assert.equal(timelineStart(thisMinute - 1), thisMinute - 60 * MINUTE);
    const b = timelineBuckets([], now);
    assert.equal(b.length, 60);
    assert.equal(b[0]!.start, thisMinute - 59 * MINUTE);
    assert.equal(b[59]!.start, thisMinute);
    for (const x of b) assert.deepEqual([x.members, x.in_sync, x.in_sync_share], [0, 0, null]);
  });

  it("fills the minutes the database counted (numbers or strings), rounds the share to 4 decimals", () => {
    const b = timelineBuckets(
      [
        { start: thisMinute - 10 * MINUTE, members: 3, in_sync: 1 },
        { start: String(thisMinute), members: "7", in_sync: "7" },
        { start: thisMinute - 2 * MINUTE, members: 4, in_sync: 0 },
      ],
      now,
    );
    assert.deepEqual(b[49], {
      start: thisMinute - 10 * MINUTE,
      members: 3,
      in_sync: 1,
      in_sync_share: 0.3333,
    });
    assert.deepEqual(b[57], { start: thisMinute - 2 * MINUTE, members: 4, in_sync: 0, in_sync_share: 0 });
    assert.deepEqual(b[59], { start: thisMinute, members: 7, in_sync: 7, in_sync_share: 1 });
    assert.equal(b.filter((x) => x.members > 0).length, 3);
  });

  it("drops counts outside the window (older than the hour, or ahead of the clock)", () => {
    const b = timelineBuckets(
      [
        { start: thisMinute - 60 * MINUTE, members: 5, in_sync: 5 },
        { start: thisMinute + MINUTE, members: 5, in_sync: 5 },
      ],
      now,
    );
    assert.equal(
      b.reduce((n, x) => n + x.members, 0),
      0,
    );
  });
});
