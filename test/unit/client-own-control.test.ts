import assert from "node:assert/strict";
import { isOwnEcho, type OwnControl } from "../../client/own-control.ts";

describe("client: the host's own control and its echo", () => {
  const pause: OwnControl = { action: "pause", position: 360, at: 1000 };
  it("the room paused where the host paused, within the cooldown, is the echo", () => {
    assert.equal(isOwnEcho({ is_playing: false, position: 360 }, pause, 1500, 2000), true);
  });
  it("a switch to the next item (playing from 0) a second later is not", () => {
    assert.equal(isOwnEcho({ is_playing: true, position: 0 }, pause, 2000, 2000), false);
  });
  it("a co-host's seek elsewhere is not; the host's own seek is", () => {
    const seek: OwnControl = { action: "seek", position: 70, at: 0 };
    assert.equal(isOwnEcho({ is_playing: true, position: 300 }, seek, 100, 2000), false);
    assert.equal(isOwnEcho({ is_playing: true, position: 70 }, seek, 100, 2000), true);
  });
  it("after the cooldown, or with no control sent, nothing is an echo", () => {
    assert.equal(isOwnEcho({ is_playing: false, position: 360 }, pause, 3001, 2000), false);
    assert.equal(isOwnEcho({ is_playing: false, position: 360 }, undefined, 0, 2000), false);
  });
  it("play's echo plays", () => {
    const play: OwnControl = { action: "play", position: 10, at: 0 };
    assert.equal(isOwnEcho({ is_playing: true, position: 10 }, play, 10, 2000), true);
    assert.equal(isOwnEcho({ is_playing: false, position: 10 }, play, 10, 2000), false);
  });
});
