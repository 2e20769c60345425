import assert from "node:assert/strict";
import { ChatGate, ReactionTally } from "../../src/rooms/crowd-chat.ts";
import { summarize } from "../../src/sync/sync-summary.ts";

describe("a big room's chat, reactions and statuses (crowd-chat.ts, sync-summary.ts)", () => {
  it("slow mode lets the first N comments of each second through", () => {
    const gate = new ChatGate(2);
    assert.deepEqual(
      [0, 10, 20, 999].map((t) => gate.admit(t)),
      [true, true, false, false],
    );
    assert.deepEqual(
      [1000, 1001, 1002].map((t) => gate.admit(t)),
      [true, true, false],
    );
  });

  it("reactions are counted per emoji and drained once per window; a quiet window sends nothing", () => {
    const tally = new ReactionTally(0);
    for (const e of ["🔥", "🔥", "😂"]) tally.add(e);
    assert.deepEqual(tally.drain(1000), { counts: { "🔥": 2, "😂": 1 }, total: 3, from: 0, to: 1000 });
    assert.equal(tally.drain(2000), undefined);
  });

  it("a flood of distinct emoji keeps at most 32 keys; every reaction still counts in the total", () => {
    const tally = new ReactionTally(0);
    for (let i = 0; i < 100; i++) tally.add(String.fromCodePoint(0x1f600 + i));
    const out = tally.drain(1)!;
    assert.equal(Object.keys(out.counts).length, 32);
    assert.equal(out.total, 100);
  });

  it("statuses fold into counts of connected members and |drift| percentiles of those on the picture", () => {
    const m = (sync_status: string, drift: number, connected = true) => ({ sync_status, drift, connected });
    const s = summarize([
      ...Array.from({ length: 20 }, (_, i) => m("synced", ((i % 2 ? -1 : 1) * (i + 1)) / 1000)),
      m("drifting", 0.5),
      m("buffering", 3),
      m("unknown", 0),
      m("synced", 9, false),
    ]);
    assert.deepEqual(
      { ...s },
      { synced: 20, drifting: 1, buffering: 1, unknown: 1, drift_p50_ms: 11, drift_p95_ms: 20 },
    );
    assert.deepEqual(summarize([]), {
      synced: 0,
      drifting: 0,
      buffering: 0,
      unknown: 0,
      drift_p50_ms: 0,
      drift_p95_ms: 0,
    });
  });
});
