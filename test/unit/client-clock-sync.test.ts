import assert from "node:assert/strict";
import { ClockSync, nextSampleDelay, type ClockSample } from "../../client/clock-sync.ts";

/**
 * A `time` round trip starting at local time `sentAt`: the request takes `upMs`, the reply
 * `downMs`, and the server's clock is `trueOffset` ms ahead of the local one. The estimate from
 * it is off by (upMs − downMs) / 2.
 */
function trip(sentAt: number, upMs: number, downMs: number, trueOffset: number): ClockSample {
  return { sentAt, serverTime: sentAt + upMs + trueOffset, receivedAt: sentAt + upMs + downMs };
}

describe("client clock sync", () => {
  it("before any sample it maps the local clock unchanged, with no confidence", () => {
    const clock = new ClockSync();
    assert.equal(clock.serverNow(1234), 1234);
    assert.equal(clock.offset, 0);
    assert.equal(clock.confidence, 0);
    assert.equal(clock.synced, false);
    assert.equal(clock.sampleCount, 0);
  });

  it("a device clock 5 s behind the server is found exactly from one symmetric round trip", () => {
    const clock = new ClockSync();
    // sent at 1000, 40 ms each way: the server stamps 6040, the reply lands at 1080
    assert.equal(clock.add(trip(1000, 40, 40, 5000)), true);
    assert.deepEqual(clock.estimate, {
      offset: 5000,
      roundTrip: 80,
      uncertainty: 40,
      confidence: 0.2, // 1 of 5 samples, round trip within 100 ms
      samples: 1,
    });
    assert.equal(clock.serverNow(2000), 7000);
    assert.equal(clock.synced, true);
  });

  it("a device clock 3.2 s ahead of the server gives a negative offset", () => {
    const clock = new ClockSync();
    clock.add(trip(50_000, 25, 25, -3200));
    assert.equal(clock.offset, -3200);
    assert.equal(clock.serverNow(60_000), 56_800);
  });

  it("a constant path asymmetry biases the offset by half the difference, within the stated uncertainty", () => {
    const clock = new ClockSync();
    // 10 ms up, 70 ms down: every sample reads the server 30 ms early
    for (let i = 0; i < 5; i++) clock.add(trip(i * 1000, 10, 70, 2000));
    assert.equal(clock.offset, 1970);
    assert.equal(clock.roundTrip, 80);
    assert.equal(clock.uncertainty, 40);
    assert.ok(Math.abs(clock.offset - 2000) <= clock.uncertainty);
    assert.equal(clock.confidence, 1);
  });

  it("with jittery, lopsided round trips the median of the five quickest samples ignores the slow outliers", () => {
    const clock = new ClockSync();
    // [up, down] ms; the error of each sample is (up − down) / 2
    const delays: [number, number][] = [
      [20, 20], //  rtt 40, error 0
      [15, 25], //  rtt 40, error −5
      [30, 10], //  rtt 40, error +10
      [200, 20], // rtt 220, error +90
      [20, 400], // rtt 420, error −190
      [12, 18], //  rtt 30, error −3
      [25, 19], //  rtt 44, error +3
      [500, 500], // rtt 1000, error 0
    ];
    delays.forEach(([up, down], i) => clock.add(trip(10_000 + i * 1000, up, down, 2500)));
    // quickest five: errors −3, 0, −5, +10, +3 → median 0 (the mean of all eight would be −11.875)
    assert.deepEqual(clock.estimate, {
      offset: 2500,
      roundTrip: 40, // median of 30, 40, 40, 40, 44
      uncertainty: 22, // half of 44, the longest round trip used
      confidence: 1,
      samples: 8,
    });
  });

  it("an even number of samples takes the mean of the two middle offsets", () => {
    const clock = new ClockSync();
    clock.add(trip(0, 10, 30, 1000)); // offset 990, rtt 40
    clock.add(trip(1000, 30, 20, 1000)); // offset 1005, rtt 50
    assert.deepEqual(clock.estimate, {
      offset: 997.5,
      roundTrip: 45,
      uncertainty: 25,
      confidence: 0.4,
      samples: 2,
    });
  });

  it("confidence falls with fewer samples and with longer round trips", () => {
    const clock = new ClockSync();
    clock.add(trip(0, 100, 100, 0));
    clock.add(trip(1000, 100, 100, 0));
    // 2 of 5 samples × 100 ms / 200 ms
    assert.equal(clock.confidence, 0.2);
    assert.equal(clock.uncertainty, 100);
  });

  it("the window slides: an old quick sample stops counting once newer ones push it out", () => {
    const clock = new ClockSync({ windowSize: 4, bestOf: 1 });
    clock.add(trip(0, 5, 5, 100)); // rtt 10, offset 100
    clock.add(trip(1000, 45, 5, 100)); // rtt 50, offset 120
    clock.add(trip(2000, 45, 5, 100)); // rtt 50, offset 120
    clock.add(trip(3000, 45, 5, 100)); // rtt 50, offset 120
    assert.equal(clock.offset, 100);
    clock.add(trip(4000, 30, 20, 100)); // rtt 50, offset 105: the quick sample is now out
    // four samples tie at 50 ms: the newest wins
    assert.equal(clock.offset, 105);
    assert.equal(clock.roundTrip, 50);
    assert.equal(clock.sampleCount, 4);
  });

  it("impossible samples are rejected and change nothing", () => {
    const clock = new ClockSync();
    clock.add(trip(0, 20, 20, 5000));
    const before = clock.estimate;
    assert.equal(clock.add({ sentAt: 1000, serverTime: 7000, receivedAt: 999 }), false); // negative rtt
    assert.equal(clock.add({ sentAt: 1000, serverTime: Number.NaN, receivedAt: 1040 }), false);
    assert.equal(clock.add({ sentAt: 1000, serverTime: 7000, receivedAt: 11_001 }), false); // rtt 10 001 ms
    assert.deepEqual(clock.estimate, before);
    assert.equal(clock.add({ sentAt: 1000, serverTime: 11_000, receivedAt: 11_000 }), true); // rtt 10 000 ms
    assert.equal(clock.sampleCount, 2);
  });

  it("a reset forgets the samples but keeps the last offset until a new sample arrives", () => {
    const clock = new ClockSync();
    clock.add(trip(0, 20, 20, 5000));
    clock.reset();
    assert.equal(clock.sampleCount, 0);
    assert.equal(clock.confidence, 0);
    assert.equal(clock.offset, 5000);
    assert.equal(clock.serverNow(100), 5100);
    assert.equal(clock.synced, true);
    // the server is another machine now, 1 s behind the old one
    clock.add(trip(10_000, 20, 20, 4000));
    assert.equal(clock.offset, 4000);
    assert.equal(clock.sampleCount, 1);
  });

  it("refuses a bestOf larger than the window", () => {
    assert.throws(() => new ClockSync({ windowSize: 4, bestOf: 5 }), RangeError);
  });
});

describe("client clock sampling schedule", () => {
  it("a join or reconnect samples at once, then four more 200 ms apart, then every 30 s", () => {
    const delays = [0, 1, 2, 3, 4, 5, 16].map((samples) =>
      nextSampleDelay({ samples, confidence: samples >= 5 ? 1 : samples / 5, lastFailed: false }),
    );
    assert.deepEqual(delays, [0, 200, 200, 200, 200, 30_000, 30_000]);
  });

  it("keeps sampling every 5 s while confidence is below 0.5", () => {
    assert.equal(nextSampleDelay({ samples: 5, confidence: 0.49, lastFailed: false }), 5_000);
    assert.equal(nextSampleDelay({ samples: 5, confidence: 0.5, lastFailed: false }), 30_000);
  });

  it("retries a failed sample after 2 s, even in the middle of a burst", () => {
    assert.equal(nextSampleDelay({ samples: 2, confidence: 0.4, lastFailed: true }), 2_000);
    assert.equal(nextSampleDelay({ samples: 0, confidence: 0, lastFailed: true }), 2_000);
  });
});
