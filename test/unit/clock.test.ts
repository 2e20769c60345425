import assert from "node:assert/strict";
import { classifySync, computeDrift, expectedPosition } from "../../src/sync/clock.ts";

describe("playback clock math", () => {
  const playing = { is_playing: true, position: 100, updated_at: 1_000_000, rate: 1 };

  it("a paused clock stays where it was", () => {
    assert.equal(expectedPosition({ ...playing, is_playing: false }, 1_060_000), 100);
  });

  it("a playing clock advances by elapsed seconds times the rate", () => {
    assert.equal(expectedPosition(playing, 1_002_500), 102.5);
    assert.equal(expectedPosition({ ...playing, rate: 1.5 }, 1_002_000), 103);
  });

  it("drift is member minus expected, positive when the member is ahead", () => {
    assert.equal(computeDrift(105, playing, 1_003_000), 2);
    assert.equal(computeDrift(101.25, playing, 1_003_000), -1.75);
  });

  it("within the tolerance is synced (inclusive), beyond it drifting, buffering wins", () => {
    assert.equal(classifySync({ drift: 2, buffering: false }, 2), "synced");
    assert.equal(classifySync({ drift: -2, buffering: false }, 2), "synced");
    assert.equal(classifySync({ drift: 2.001, buffering: false }, 2), "drifting");
    assert.equal(classifySync({ drift: -7, buffering: false }, 2), "drifting");
    assert.equal(classifySync({ drift: 0, buffering: true }, 2), "buffering");
  });
});
