import assert from "node:assert/strict";
import { PLAY_ON_WITHIN_MS, restoredPlayback } from "../../src/rooms/restore.ts";
import type { RoomRow } from "../../src/db/rooms-repo.ts";

function row(fields: Partial<RoomRow>): RoomRow {
  return {
    is_playing: true,
    position: 100,
    updated_at: 1_000_000,
    rate: 1,
    seq: 4,
    status: "live",
    last_active_at: new Date(1_010_000),
    ...fields,
  } as RoomRow;
}

describe("where a restored room starts", () => {
  it("a room whose process died while playing, stamped moments ago, plays on from where it would be now", () => {
    const pb = restoredPlayback(row({}), 1_012_000);
    assert.deepEqual(pb, { is_playing: true, position: 112, updated_at: 1_012_000, rate: 1, seq: 4 });
  });

  it("one stamped long ago waits paused where it had got to at the stamp", () => {
    const pb = restoredPlayback(row({}), 1_010_000 + PLAY_ON_WITHIN_MS + 1);
    assert.deepEqual(pb, { is_playing: false, position: 110, updated_at: 1_010_000, rate: 1, seq: 4 });
  });

  it("one put to sleep cleanly, or paused, stays as stored", () => {
    const paused = row({ is_playing: false, position: 42 });
    assert.deepEqual(restoredPlayback(paused, 1_012_000).position, 42);
    const slept = row({ status: "dormant", is_playing: false, position: 50 });
    assert.equal(restoredPlayback(slept, 1_012_000).is_playing, false);
  });
});
