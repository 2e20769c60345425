import assert from "node:assert/strict";
import {
  DEFAULT_CORRECTION,
  decideCorrection,
  expectedPosition,
  type CorrectionInput,
} from "../../client/correction.ts";

/** A member at `expected + drift` playing at `rate`, while the host plays. */
function at(drift: number, rate = 1, overrides: Partial<CorrectionInput> = {}): CorrectionInput {
  return { currentTime: 100 + drift, expected: 100, playbackRate: rate, playing: true, ...overrides };
}

describe("client expected host position", () => {
  const playing = { is_playing: true, position: 100, updated_at: 10_000, rate: 1 };

  it("advances with server time while the host plays", () => {
    assert.equal(expectedPosition(playing, 12_500), 102.5);
  });

  it("stands still while the host is paused", () => {
    assert.equal(expectedPosition({ ...playing, is_playing: false }, 99_000), 100);
  });

  it("scales with the room's rate", () => {
    assert.equal(expectedPosition({ ...playing, rate: 2 }, 12_500), 105);
  });

  it("is never below zero, even with a server time before the last host action", () => {
    assert.equal(expectedPosition({ ...playing, position: 0.1 }, 9_000), 0);
  });
});

describe("client drift correction", () => {
  it("documents its defaults", () => {
    assert.deepEqual(
      { ...DEFAULT_CORRECTION },
      {
        startAboveS: 0.01,
        stopBelowS: 0.004,
        seekAboveS: 1,
        pausedToleranceS: 0.015,
        maxRateDelta: 0.05,
        catchUpS: 0.5,
        rateStep: 0.01,
      },
    );
  });

  it("leaves a member within 10 ms alone at the normal rate", () => {
    assert.deepEqual(decideCorrection(at(0.01)), { action: "none", drift: 0.01 });
    assert.deepEqual(decideCorrection(at(-0.008)), { action: "none", drift: -0.008 });
  });

  it("starts playing 2% slower just past 10 ms ahead, 4% slower past 20 ms", () => {
    // 11 ms / 0.5 s = 2.2% → 2%; 21 ms / 0.5 s = 4.2% → 4%
    assert.deepEqual(decideCorrection(at(0.011)), { action: "nudge", drift: 0.011, rate: 0.98 });
    assert.deepEqual(decideCorrection(at(0.021)), { action: "nudge", drift: 0.021, rate: 0.96 });
  });

  it("nudges in proportion to the drift: 15 ms behind plays 3% faster, 100 ms ahead 5% slower", () => {
    assert.deepEqual(decideCorrection(at(-0.015)), { action: "nudge", drift: -0.015, rate: 1.03 });
    assert.deepEqual(decideCorrection(at(0.1)), { action: "nudge", drift: 0.1, rate: 0.95 });
  });

  it("never plays outside 0.95–1.05 below the seek threshold, however large the drift", () => {
    assert.equal(decideCorrection(at(0.5)).action, "nudge");
    assert.deepEqual(decideCorrection(at(0.9)), { action: "nudge", drift: 0.9, rate: 0.95 });
    assert.deepEqual(decideCorrection(at(-1)), { action: "nudge", drift: -1, rate: 1.05 });
  });

  it("hysteresis: a 10 ms drift is left alone at the normal rate but still corrected while nudging", () => {
    assert.deepEqual(decideCorrection(at(0.01, 1)), { action: "none", drift: 0.01 });
    assert.deepEqual(decideCorrection(at(0.01, 0.99)), { action: "nudge", drift: 0.01, rate: 0.98 });
  });

  it("keeps at least a 1% nudge down to 4 ms, then settles back to the normal rate", () => {
    assert.deepEqual(decideCorrection(at(0.005, 0.98)), { action: "nudge", drift: 0.005, rate: 0.99 });
    assert.deepEqual(decideCorrection(at(0.004, 0.99)), { action: "nudge", drift: 0.004, rate: 0.99 });
    assert.deepEqual(decideCorrection(at(0.0039, 0.99)), { action: "settle", drift: 0.0039, rate: 1 });
    assert.deepEqual(decideCorrection(at(-0.003, 1.03)), { action: "settle", drift: -0.003, rate: 1 });
  });

  it("a member that starts 60 ms behind (a play heard late) rests within 4 ms of the host, not at the band's edge", () => {
    // the SDK's own play: closeGap until settled (attach-video.ts), 250 ms ticks
    let drift = -0.06;
    let rate = 1;
    for (let tick = 0; tick < 200; tick++) {
      const c = decideCorrection(at(drift, rate, { closeGap: true }));
      if (c.action === "nudge" || c.action === "settle") rate = c.rate;
      if (c.action === "settle") break;
      drift += (rate - 1) * 0.25;
    }
    assert.equal(rate, 1);
    // with the old 15 ms edge it rested 12.5–15 ms behind, on every start
    assert.ok(Math.abs(drift) < 0.004, `rests ${(drift * 1000).toFixed(1)} ms off`);
    assert.ok(drift < 0, "without going past the expected position");
  });

  it("closes a 60 ms lag (a play heard late on a slow path) to under 10 ms within a second of 250 ms ticks", () => {
    let drift = -0.06;
    let rate = 1;
    const trace: number[] = [];
    for (let tick = 0; tick < 4; tick++) {
      const c = decideCorrection(at(drift, rate, { closeGap: true }));
      if (c.action === "nudge" || c.action === "settle") rate = c.rate;
      drift += (rate - 1) * 0.25;
      trace.push(Math.round(drift * 10_000) / 10);
    }
    // 2 s of gain took 2.5 s to get under 20 ms and ~4 s under 10 ms
    assert.ok(drift > -0.01 && drift < 0, `after 1 s: ${trace.join(" → ")} ms`);
    for (const d of trace) assert.ok(d < 0, `never past the expected position: ${trace.join(" → ")} ms`);
  });

  it("a member that overshoots while slowed turns to a faster rate, still within the bounds", () => {
    assert.deepEqual(decideCorrection(at(-0.018, 0.96)), { action: "nudge", drift: -0.018, rate: 1.04 });
  });

  it("never keeps a 2x rate: it is brought back within the bounds or to normal", () => {
    assert.deepEqual(decideCorrection(at(0.3, 2)), { action: "nudge", drift: 0.3, rate: 0.95 });
    assert.deepEqual(decideCorrection(at(0.003, 2)), { action: "settle", drift: 0.003, rate: 1 });
    assert.deepEqual(decideCorrection(at(0.003, 0.25)), { action: "settle", drift: 0.003, rate: 1 });
  });

  it("seeks to the expected position and resets the rate when more than 1 s off", () => {
    assert.deepEqual(decideCorrection(at(-1.5, 1.02)), { action: "seek", drift: -1.5, to: 100, rate: 1 });
    assert.deepEqual(decideCorrection(at(1.2)), { action: "seek", drift: 1.2, to: 100, rate: 1 });
  });

  it("while the host is paused, seeks above 15 ms (onto the host's frame) and otherwise only restores the rate", () => {
    const paused = { playing: false };
    assert.deepEqual(decideCorrection(at(0.15, 1, paused)), {
      action: "seek",
      drift: 0.15,
      to: 100,
      rate: 1,
    });
    assert.deepEqual(decideCorrection(at(0.021, 1, paused)), {
      action: "seek",
      drift: 0.021,
      to: 100,
      rate: 1,
    });
    assert.deepEqual(decideCorrection(at(-0.01, 1, paused)), { action: "none", drift: -0.01 });
    assert.deepEqual(decideCorrection(at(0.01, 0.97, paused)), { action: "settle", drift: 0.01, rate: 1 });
  });

  it("scales its rates by the room's base rate", () => {
    assert.deepEqual(decideCorrection(at(0.1, 2, { baseRate: 2 })), {
      action: "nudge",
      drift: 0.1,
      rate: 1.9,
    });
    assert.deepEqual(decideCorrection(at(0.008, 2, { baseRate: 2 })), { action: "none", drift: 0.008 });
  });

  it("takes its thresholds from the options", () => {
    const options = { ...DEFAULT_CORRECTION, startAboveS: 0.1, seekAboveS: 0.5 };
    assert.equal(decideCorrection(at(0.08), options).action, "none");
    assert.equal(decideCorrection(at(0.6), options).action, "seek");
  });

  it("closes a 300 ms lead in 6.25 s of 250 ms ticks, slowing down smoothly, without overshooting", () => {
    let drift = 0.3;
    let rate = 1;
    const rates: number[] = [];
    let ticks = 0;
    for (;;) {
      const c = decideCorrection(at(drift, rate));
      assert.notEqual(c.action, "seek");
      if (c.action === "nudge" || c.action === "settle") rate = c.rate;
      if (c.action === "settle") break;
      rates.push(rate);
      drift += (rate - 1) * 0.25; // a quarter second of playback at this rate
      ticks++;
    }
    assert.equal(ticks, 25);
    assert.deepEqual([...new Set(rates)], [0.95, 0.97, 0.99]);
    assert.ok(drift > 0 && drift < 0.004, `ends ${drift} s ahead`);
    assert.equal(rate, 1);
  });

  it("after a start or a seek (closeGap), a gap inside the dead band is closed down to stopBelowS", () => {
    const at = { currentTime: 10.008, expected: 10, playbackRate: 1, playing: true };
    assert.equal(decideCorrection(at).action, "none", "8 ms is left alone otherwise");
    const closing = decideCorrection({ ...at, closeGap: true });
    assert.equal(closing.action, "nudge");
    assert.equal((closing as { rate: number }).rate, 0.98);
    const within = decideCorrection({ ...at, currentTime: 10.003, closeGap: true });
    assert.deepEqual(
      within,
      { action: "settle", drift: 0.003, rate: 1 },
      "within 4 ms: the rate stays normal",
    );
  });
});
