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

describe("folding reports into the state", () => {
  const paused = { is_playing: false, position: 10, updated_at: 0, rate: 1 };
  const noSamples = { add: () => {} } as unknown as SampleWriter;

  function room() {
    const b = new StatusBoard(configWith({}), noSamples, () => "room1");
    const writes: string[] = [];
    const member = (id: string) => {
      const m: Record<string, unknown> = {};
      return new Proxy(m, {
        set: (t, k, v) => ((t[k as string] = v), writes.push(`${id}.${String(k)}`), true),
      });
    };
    const members = new Map(["a", "b", "c"].map((id) => [id, member(id)]));
    return { b, writes, members: members as unknown as Map<string, never> };
  }

  it("writes a reported member once, then nothing until it reports again; a member who left is skipped", () => {
    const { b, writes, members } = room();
    const views = new Map(["a", "b", "c"].map((id) => [id, freshSyncView(Date.now())]));
    for (const [id, view] of views) b.report(id, view, { current_time: 10, is_playing: false }, paused);
    b.forget("c");
    b.fold(members);
    assert.deepEqual(new Set(writes.map((w) => w.split(".")[0])), new Set(["a", "b"]));
    const shown = views.get("a")!.shown;
    assert.equal(shown.sync_status, "synced");

    writes.length = 0;
    b.fold(members); // nobody reported since
    assert.equal(writes.length, 0);
    b.report("a", views.get("a")!, { current_time: 60, is_playing: false }, paused); // 50 s off: drifting
    b.fold(members);
    assert.ok(writes.includes("a.sync_status") && !writes.some((w) => w.startsWith("b.")));
    // issue 13: the shown status is updated in place, not replaced by a new object per change
    assert.equal(views.get("a")!.shown, shown);
    assert.notEqual(shown.sync_status, "synced");
  });
});
