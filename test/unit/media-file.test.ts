import assert from "node:assert/strict";
import { isDifferentFile } from "../../src/sync/media-file.ts";

describe("a member's own file against the episode (src/sync/media-file.ts)", () => {
  it("is a different file when its length is more than 5 s off the episode's", () => {
    assert.equal(isDifferentFile(1500, 1420), true);
    assert.equal(isDifferentFile(1414, 1420), true);
    assert.equal(isDifferentFile(1425, 1420), false);
    assert.equal(isDifferentFile(1415, 1420), false);
  });
  it("an unknown length (0) on either side is not flagged", () => {
    assert.equal(isDifferentFile(0, 1420), false);
    assert.equal(isDifferentFile(1500, 0), false);
  });
});
