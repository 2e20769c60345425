import assert from "node:assert/strict";
import { EchoGuard } from "../../client/echo-guard.ts";

describe("client echo guard", () => {
  it("swallows the event the SDK caused itself, once", () => {
    const guard = new EchoGuard();
    guard.expect("play", 1_000);
    assert.equal(guard.consume("play", 1_050), true);
    assert.equal(guard.consume("play", 1_060), false); // the user's own play afterwards
  });

  it("keeps kinds apart: an expected pause does not swallow a play or a seek", () => {
    const guard = new EchoGuard();
    guard.expect("pause", 0);
    assert.equal(guard.consume("play", 10), false);
    assert.equal(guard.consume("seek", 10), false);
    assert.equal(guard.consume("pause", 10), true);
  });

  it("counts: two programmatic seeks swallow two seeked events", () => {
    const guard = new EchoGuard();
    guard.expect("seek", 0);
    guard.expect("seek", 100);
    assert.equal(guard.consume("seek", 200), true);
    assert.equal(guard.consume("seek", 300), true);
    assert.equal(guard.consume("seek", 400), false);
  });

  it("lets an expectation lapse after 1 s, so a later user action is not swallowed", () => {
    const lapsed = new EchoGuard();
    lapsed.expect("play", 0); // e.g. a play() the browser refused: no event will come
    assert.equal(lapsed.consume("play", 1_001), false);
    lapsed.expect("play", 2_000);
    assert.equal(lapsed.consume("play", 2_100), true, "the lapsed one is gone, the new one answers");
    assert.equal(lapsed.consume("play", 2_200), false);
    const onTime = new EchoGuard();
    onTime.expect("play", 0);
    assert.equal(onTime.consume("play", 1_000), true, "still expected at exactly 1 s");
  });

  it("takes the window from its constructor", () => {
    const guard = new EchoGuard(100);
    guard.expect("seek", 0);
    assert.equal(guard.consume("seek", 101), false);
  });
});
