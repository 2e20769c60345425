import assert from "node:assert/strict";
import { isVisibleChange, roundDrift } from "../../src/sync/status-fold.ts";

describe("folding status reports into the state", () => {
  const opts = { driftStepS: 0.25, refreshS: 15 };
  const shown = { sync_status: "synced", drift: 0.1, refreshed_at: 10_000 };

  it("a report that changes nothing visible is not written", () => {
    assert.equal(isVisibleChange(shown, { sync_status: "synced", drift: 0.3 }, 12_000, opts), false);
  });

  it("a new sync status is written", () => {
    assert.equal(isVisibleChange(shown, { sync_status: "drifting", drift: 0.1 }, 12_000, opts), true);
  });

  it("drift moving by a visible step is written", () => {
    assert.equal(isVisibleChange(shown, { sync_status: "synced", drift: 0.35 }, 12_000, opts), true);
    assert.equal(isVisibleChange(shown, { sync_status: "synced", drift: -0.2 }, 12_000, opts), true);
  });

  it("values older than the refresh interval are written", () => {
    assert.equal(isVisibleChange(shown, { sync_status: "synced", drift: 0.1 }, 25_000, opts), true);
  });

  it("drift is shown to the millisecond", () => {
    assert.equal(roundDrift(0.123456), 0.123);
    assert.equal(roundDrift(-1.9996), -2);
  });
});
