import assert from "node:assert/strict";
import { applyHostCommand, initialPlayback, pausedAt } from "../../src/sync/playback.ts";

describe("playback state machine", () => {
  const start = initialPlayback(1000);

  it("starts paused at zero, rate 1, seq 0", () => {
    assert.deepEqual(start, { is_playing: false, position: 0, updated_at: 1000, rate: 1, seq: 0 });
  });

  it("play, seek and pause each bump seq and restamp updated_at", () => {
    const playing = applyHostCommand(start, { action: "play", current_time: 12 }, 2000);
    assert.deepEqual(playing, { is_playing: true, position: 12, updated_at: 2000, rate: 1, seq: 1 });
    const seeked = applyHostCommand(playing, { action: "seek", current_time: 300 }, 3000);
    assert.deepEqual(seeked, { is_playing: true, position: 300, updated_at: 3000, rate: 1, seq: 2 });
    const paused = applyHostCommand(seeked, { action: "pause", current_time: 301.5 }, 4500);
    assert.deepEqual(paused, { is_playing: false, position: 301.5, updated_at: 4500, rate: 1, seq: 3 });
  });

  it("a seek while paused stays paused", () => {
    assert.equal(applyHostCommand(start, { action: "seek", current_time: 50 }, 2000).is_playing, false);
  });

  it("positions are clamped at zero", () => {
    assert.equal(applyHostCommand(start, { action: "seek", current_time: -5 }, 2000).position, 0);
  });

  it("a dormant room resumes paused where the host would have been", () => {
    const playing = { is_playing: true, position: 10, updated_at: 1000, rate: 1, seq: 4 };
    assert.deepEqual(pausedAt(playing, 31_000), {
      is_playing: false,
      position: 40,
      updated_at: 31_000,
      rate: 1,
      seq: 4,
    });
    const paused = { ...playing, is_playing: false };
    assert.equal(pausedAt(paused, 31_000), paused);
  });
});
