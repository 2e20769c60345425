import assert from "node:assert/strict";
import { SettledMinutes, settledBefore } from "../../src/http/settled-minutes.ts";
import type { MinuteCount } from "../../src/sync/timeline.ts";

const at = (h: number, m: number, s = 0) => Date.UTC(2026, 10, 26, h, m, s);
const row = (start: number, members: number): MinuteCount => ({ start, members, in_sync: 0 });

describe("SettledMinutes (a timeline asked for again queries only the unsettled minutes)", () => {
  const SETTLE = 62_000; // SAMPLE_FLUSH_MS 2000 + a minute

  it("a minute is settled once its samples can all have been written", () => {
    assert.equal(settledBefore(at(12, 30, 42), SETTLE), at(12, 29));
    assert.equal(settledBefore(at(12, 30, 1), SETTLE), at(12, 28));
  });

  it("queries the hour first, then only from the first unsettled minute, and merges", async () => {
    const store = new SettledMinutes(SETTLE, 10);
    const asked: number[] = [];
    const answer =
      (rows: MinuteCount[]) =>
      async (since: number): Promise<MinuteCount[]> => {
        asked.push(since);
        return rows.filter((r) => Number(r.start) >= since);
      };
    const first = await store.minutes(
      "r",
      at(12, 30, 42),
      answer([row(at(12, 0), 5), row(at(12, 29), 3), row(at(12, 30), 2)]),
    );
    assert.deepEqual(asked, [at(11, 31)], "the whole window");
    assert.deepEqual(
      first.map((r) => r.members),
      [5, 3, 2],
    );

    // later: 12:00 is settled and kept; 12:29 was not, so it is asked for again with what came since
    const second = await store.minutes(
      "r",
      at(12, 31, 10),
      answer([row(at(12, 0), 99), row(at(12, 29), 4), row(at(12, 30), 3), row(at(12, 31), 1)]),
    );
    assert.deepEqual(asked.at(-1), at(12, 29));
    assert.deepEqual(
      second.map((r) => [r.start, r.members]),
      [
        [at(12, 0), 5],
        [at(12, 29), 4],
        [at(12, 30), 3],
        [at(12, 31), 1],
      ],
    );

    // 35 minutes on: 12:00 has left the window; the settled minutes up to 12:30 are not asked for again
    const third = await store.minutes("r", at(13, 5), answer([row(at(13, 4), 7)]));
    assert.deepEqual(asked.at(-1), at(12, 30));
    assert.deepEqual(
      third.map((r) => [r.start, r.members]),
      [
        [at(12, 29), 4],
        [at(13, 4), 7],
      ],
    );

    // after more than an hour nothing kept is in the window: the whole window again
    await store.minutes("r", at(15, 0), answer([]));
    assert.deepEqual(asked.at(-1), at(14, 1));
  });

  it("keeps at most maxRooms rooms, the least recently asked for going first; a failed query keeps nothing new", async () => {
    const store = new SettledMinutes(SETTLE, 2);
    const none = async () => [];
    for (const r of ["a", "b", "c"]) await store.minutes(r, at(12, 0), none);
    assert.equal(store.size, 2);
    const asked: number[] = [];
    await store.minutes("a", at(12, 10), async (since) => (asked.push(since), []));
    assert.deepEqual(asked, [at(11, 11)], "room a was dropped: the whole window");
    await assert.rejects(
      store.minutes("c", at(12, 20), () => Promise.reject(new Error("db away"))),
      /db away/,
    );
    await store.minutes("c", at(12, 21), async (since) => (asked.push(since), []));
    assert.equal(asked.at(-1), at(11, 58), "c still knows its minutes settled before the failure");
    await store.minutes("b", at(12, 22), async (since) => (asked.push(since), []));
    assert.equal(asked.at(-1), at(11, 23), "b was dropped when a came back: the whole window");
  });
});
