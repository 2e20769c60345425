import assert from "node:assert/strict";
import { configWith } from "../../src/config.ts";
import type { SampleWriter } from "../../src/jobs/sample-writer.ts";
import { StatusBoard } from "../../src/rooms/status-board.ts";
import { freshSyncView } from "../../src/rooms/sync-view.ts";

describe("stored sync samples", () => {
  const realNow = Date.now;
  let now = 1_000_000;
  beforeEach(() => {
    Date.now = () => now;
  });
  afterEach(() => {
    Date.now = realNow;
  });

  function board() {
    const stored: { at: Date; sync_status: string }[] = [];
    const samples = { add: (s: (typeof stored)[number]) => stored.push(s) } as unknown as SampleWriter;
    const b = new StatusBoard(configWith({ SAMPLE_INTERVAL_S: 10 }), samples, () => "room1");
    return { b, stored };
  }
  const paused = { is_playing: false, position: 10, updated_at: 0, rate: 1 };

  it("a member whose status flips 50 times a second stores at most one sample a second", () => {
    const { b, stored } = board();
    const view = freshSyncView(now);
    for (let i = 0; i < 100; i++) {
      b.report("u", view, { current_time: 10, is_playing: false, buffering: i % 2 === 0 }, paused);
      now += 20;
    }
    assert.equal(stored.length, 2, "two seconds of flapping, two samples");
    assert.ok(stored[1]!.at.getTime() - stored[0]!.at.getTime() >= 1000);
  });

  it("a status change is still stored once the second has passed", () => {
    const { b, stored } = board();
    const view = freshSyncView(now);
    b.report("u", view, { current_time: 10, is_playing: false }, paused);
    now += 300;
    b.report("u", view, { current_time: 10, is_playing: false, buffering: true }, paused);
    assert.equal(stored.length, 1);
    now += 800;
    b.report("u", view, { current_time: 10, is_playing: false, buffering: true }, paused);
    assert.deepEqual(
      stored.map((s) => s.sync_status),
      ["synced", "buffering"],
    );
  });
});
