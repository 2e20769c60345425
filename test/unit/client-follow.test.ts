import assert from "node:assert/strict";
import {
  DEFAULT_FOLLOW,
  hostFollowsRoom,
  isStalled,
  planHost,
  planMember,
  shouldSendStatus,
  stallEventBuffers,
  type ElementSnapshot,
  type SentStatus,
} from "../../client/follow.ts";

// the host pressed play at 100 s at server time 10 000; it is now 12 000, so the host is at 102 s
const playing = { is_playing: true, position: 100, updated_at: 10_000, rate: 1 };
const paused = { is_playing: false, position: 50, updated_at: 10_000, rate: 1 };
const serverNow = 12_000;

function element(overrides: Partial<ElementSnapshot> = {}): ElementSnapshot {
  return {
    currentTime: 102,
    paused: false,
    playbackRate: 1,
    seeking: false,
    buffering: false,
    ended: false,
    duration: 1440,
    ...overrides,
  };
}

describe("client member following the host", () => {
  const tick = (el: Partial<ElementSnapshot>, extra: { now?: number; lastSeekAt?: number } = {}) =>
    planMember({ playback: playing, serverNow, element: element(el), now: extra.now ?? 0, ...extra });

  it("does nothing when already in step", () => {
    assert.deepEqual(tick({ currentTime: 102.008 }).actions, []);
  });

  it("starts playing when the host plays", () => {
    assert.deepEqual(tick({ paused: true }).actions, [{ type: "play" }]);
  });

  it("nudges the rate for a small drift and seeks for a large one, resetting the rate", () => {
    assert.deepEqual(tick({ currentTime: 102.1 }).actions, [{ type: "rate", rate: 0.95 }]);
    assert.deepEqual(tick({ currentTime: 99 }).actions, [{ type: "seek", to: 102 }]);
    assert.deepEqual(tick({ currentTime: 99, playbackRate: 1.03 }).actions, [
      { type: "seek", to: 102 },
      { type: "rate", rate: 1 },
    ]);
  });

  it("reports the expected position and the drift", () => {
    const plan = tick({ currentTime: 101.5 });
    assert.equal(plan.expected, 102);
    assert.equal(plan.drift, -0.5);
  });

  it("does not correct while seeking, while buffering, or within 0.5 s of its own seek", () => {
    assert.deepEqual(tick({ currentTime: 99, seeking: true }).actions, []);
    assert.deepEqual(tick({ currentTime: 99, buffering: true }).actions, []);
    assert.deepEqual(tick({ currentTime: 99 }, { lastSeekAt: 5_000, now: 5_499 }).actions, []);
    assert.deepEqual(tick({ currentTime: 99 }, { lastSeekAt: 5_000, now: 5_500 }).actions, [
      { type: "seek", to: 102 },
    ]);
  });

  it("still starts playing while it may not correct", () => {
    assert.deepEqual(tick({ currentTime: 99, paused: true, seeking: true }).actions, [{ type: "play" }]);
  });

  it("pauses with the host on the host's frame: seeks there when more than 15 ms away", () => {
    const pausedTick = (el: Partial<ElementSnapshot>) =>
      planMember({ playback: paused, serverNow, element: element(el), now: 0 }).actions;
    assert.deepEqual(pausedTick({ currentTime: 50.01 }), [{ type: "pause" }]);
    assert.deepEqual(pausedTick({ currentTime: 50.06 }), [{ type: "seek", to: 50 }, { type: "pause" }]);
    assert.deepEqual(pausedTick({ currentTime: 52, paused: true }), [{ type: "seek", to: 50 }]);
    assert.deepEqual(pausedTick({ currentTime: 50.01, paused: true }), []);
    assert.deepEqual(pausedTick({ currentTime: 50.06, paused: true }), [{ type: "seek", to: 50 }]);
  });

  it("does not restart an ended video when the host is past its end", () => {
    const nearEnd = { ...playing, position: 1439 }; // expected 1441 s, video is 1440 s long
    const plan = planMember({
      playback: nearEnd,
      serverNow,
      element: element({ currentTime: 1440, paused: true, ended: true }),
      now: 0,
    });
    assert.deepEqual(plan.actions, []);
    assert.equal(plan.expected, 1440);
  });

  it("an ended video seeks back and plays when the host seeks back", () => {
    const back = { ...playing, position: 30, updated_at: serverNow };
    const plan = planMember({
      playback: back,
      serverNow,
      element: element({ currentTime: 1440, paused: true, ended: true }),
      now: 0,
    });
    assert.deepEqual(plan.actions, [{ type: "seek", to: 30 }, { type: "play" }]);
  });
});

describe("client host leading the room", () => {
  const tick = (el: Partial<ElementSnapshot>, lastControlAt?: number, playback = playing) =>
    planHost({ playback, serverNow, element: element(el), now: 10_000, lastControlAt });

  it("sends nothing while the room agrees with its video within 0.5 s", () => {
    assert.deepEqual(tick({ currentTime: 102.4 }), { actions: [] });
  });

  it("plays at the room's rate again after nudging as a member", () => {
    assert.deepEqual(tick({ playbackRate: 0.97 }), { actions: [{ type: "rate", rate: 1 }] });
  });

  it("re-sends its play/pause when the room disagrees (a refused or lost control)", () => {
    assert.deepEqual(tick({ paused: true, currentTime: 102 }), {
      actions: [],
      control: { action: "pause", current_time: 102 },
    });
    assert.deepEqual(tick({ currentTime: 50 }, undefined, paused), {
      actions: [],
      control: { action: "play", current_time: 50 },
    });
  });

  it("re-anchors the room with a seek after falling more than 0.5 s behind (buffering)", () => {
    assert.deepEqual(tick({ currentTime: 101.2 }), {
      actions: [],
      control: { action: "seek", current_time: 101.2 },
    });
  });

  it("announces its position in a fresh paused room", () => {
    const fresh = { is_playing: false, position: 0, updated_at: 10_000, rate: 1 };
    assert.deepEqual(tick({ paused: true, currentTime: 30 }, undefined, fresh), {
      actions: [],
      control: { action: "seek", current_time: 30 },
    });
  });

  it("waits 2 s after its last control, and while seeking or buffering", () => {
    assert.deepEqual(tick({ paused: true }, 8_001), { actions: [] });
    assert.deepEqual(tick({ paused: true }, 8_000).control?.action, "pause");
    assert.deepEqual(tick({ currentTime: 90, seeking: true }), { actions: [] });
    assert.deepEqual(tick({ currentTime: 90, buffering: true }), { actions: [] });
  });
});

describe("client status reports", () => {
  const sent: SentStatus = { current_time: 10, is_playing: true, buffering: false, sentAt: 1_000 };
  const playingAt = (current_time: number) => ({ current_time, is_playing: true, buffering: false });

  it("sends the first report at once", () => {
    assert.equal(shouldSendStatus(undefined, playingAt(0), 0), true);
  });

  it("sends a routine report every 3 s", () => {
    assert.equal(shouldSendStatus(sent, playingAt(12.999), 3_999), false);
    assert.equal(shouldSendStatus(sent, playingAt(13), 4_000), true);
  });

  it("sends at once when play/pause or buffering changes, but not within 200 ms of the last report", () => {
    assert.equal(shouldSendStatus(sent, { ...playingAt(10.5), is_playing: false }, 1_500), true);
    assert.equal(shouldSendStatus(sent, { ...playingAt(10.5), buffering: true }, 1_500), true);
    assert.equal(shouldSendStatus(sent, { ...playingAt(10.1), is_playing: false }, 1_199), false);
  });

  it("sends at once when the position jumps more than 1 s from where it should be", () => {
    // 1 s after a report at 10 s while playing, the element should be at 11 s
    assert.equal(shouldSendStatus(sent, playingAt(12.5), 2_000), true);
    assert.equal(shouldSendStatus(sent, playingAt(11.9), 2_000), false);
    const pausedSent = { ...sent, is_playing: false };
    const pausedAt = (t: number) => ({ ...playingAt(t), is_playing: false });
    assert.equal(shouldSendStatus(pausedSent, pausedAt(10), 2_000), false);
    assert.equal(shouldSendStatus(pausedSent, pausedAt(11.5), 2_000), true);
  });
});

describe("client isStalled(): what a member's status says about buffering", () => {
  const GRACE = 1_500;
  const base = { waiting: true, paused: false, readyState: 2, sinceSeekMs: undefined, heldFor: false };

  it("waiting for data while playing is buffering; not within the grace after a seek, not while paused", () => {
    assert.equal(isStalled(base, GRACE), true);
    assert.equal(isStalled({ ...base, sinceSeekMs: 400 }, GRACE), false, "a seek's own buffering");
    assert.equal(isStalled({ ...base, sinceSeekMs: 1_600 }, GRACE), true);
    assert.equal(isStalled({ ...base, paused: true }, GRACE), false);
    assert.equal(isStalled({ ...base, waiting: false }, GRACE), false);
  });

  it("while the room waits for it, a member is buffering until its element has data, paused or just seeked", () => {
    // the hold paused its element and seeked it to the hold's position: still nothing to play
    const held = { ...base, paused: true, sinceSeekMs: 100, heldFor: true };
    assert.equal(isStalled(held, GRACE), true);
    assert.equal(isStalled({ ...held, waiting: false, readyState: 1 }, GRACE), true, "seeking, no data");
    assert.equal(isStalled({ ...held, waiting: false, readyState: 3 }, GRACE), false, "data to play on");
    assert.equal(isStalled({ ...held, waiting: false, readyState: 4 }, GRACE), false);
    // seeked back a few frames to the hold's position it can show them, but no new data came
    const seekedBack = { ...held, waiting: false, readyState: 4 };
    assert.equal(isStalled({ ...seekedBack, loadedSinceStall: false }, GRACE), true);
    assert.equal(isStalled({ ...seekedBack, loadedSinceStall: true }, GRACE), false);
  });

  it("a `stalled` event (no network data for a while) is buffering only with nothing left to play", () => {
    assert.equal(stallEventBuffers(4), false);
    assert.equal(stallEventBuffers(3), false);
    assert.equal(stallEventBuffers(2), true);
  });
});

describe("client hostFollowsRoom(): the host's element follows a change it did not make", () => {
  it("for the cooldown, then on while it still plays at a nudged rate, at most hostFollowMaxMs", () => {
    const at = (rate: number) => ({ playbackRate: rate });
    assert.equal(hostFollowsRoom(undefined, at(1), 1), false, "no such change");
    assert.equal(hostFollowsRoom(1_000, at(1), 1), true);
    assert.equal(
      hostFollowsRoom(DEFAULT_FOLLOW.hostCooldownMs, at(1), 1),
      false,
      "on the room's rate: leads",
    );
    assert.equal(hostFollowsRoom(5_000, at(0.49), 0.5), true, "still closing the gap");
    assert.equal(hostFollowsRoom(DEFAULT_FOLLOW.hostFollowMaxMs, at(0.49), 0.5), false, "bounded");
  });
});
