import assert from "node:assert/strict";
import { isPermanentJoinError, joinErrorCode, rejoinDelay, shouldRejoin } from "../../client/rejoin.ts";

describe("client rejoin policy", () => {
  it("rejoins after a server shutdown, a failed reconnection or an abnormal close", () => {
    assert.equal(shouldRejoin(4001, false), true); // SERVER_SHUTDOWN
    assert.equal(shouldRejoin(4003, false), true); // FAILED_TO_RECONNECT
    assert.equal(shouldRejoin(1006, false), true);
    assert.equal(shouldRejoin(1000, false), true);
  });

  it("does not rejoin after a consented leave or once the party was left on purpose", () => {
    assert.equal(shouldRejoin(4000, false), false); // removed, room deleted, or our own leave
    assert.equal(shouldRejoin(4001, true), false);
  });

  it("reads the contract's error code from the start of an SDK error message", () => {
    assert.equal(joinErrorCode(new Error("ROOM_NOT_FOUND: no room abc")), "ROOM_NOT_FOUND");
    assert.equal(joinErrorCode(new Error("INVALID_ACCESS_KEY")), "INVALID_ACCESS_KEY");
    assert.equal(joinErrorCode("TOO_MANY_ATTEMPTS: retry in 30 s"), "TOO_MANY_ATTEMPTS");
    assert.equal(joinErrorCode(new TypeError("fetch failed")), undefined);
    assert.equal(joinErrorCode(undefined), undefined);
  });

  it("gives up on refusals another attempt cannot fix, and retries the rest", () => {
    for (const code of ["ROOM_NOT_FOUND", "INVALID_ACCESS_KEY", "INVALID_INPUT", "ROOM_FULL"])
      assert.equal(isPermanentJoinError(new Error(`${code}: x`)), true, code);
    for (const code of ["USER_ALREADY_IN_ROOM", "TOO_MANY_ATTEMPTS", "UNAVAILABLE", "INTERNAL"])
      assert.equal(isPermanentJoinError(new Error(`${code}: x`)), false, code);
    assert.equal(isPermanentJoinError(new TypeError("fetch failed")), false);
  });

  it("backs off from 500 ms, doubling up to 10 s, and gives up after 30 attempts", () => {
    const delays = [1, 2, 3, 4, 5, 6, 30].map((attempt) => rejoinDelay(attempt, 0));
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    assert.equal(rejoinDelay(31, 0), undefined);
    assert.equal(rejoinDelay(0, 0), undefined);
  });

  it("shortens each delay by up to half at random so members do not all return at once", () => {
    assert.equal(rejoinDelay(1, 0.5), 375);
    assert.equal(rejoinDelay(6, 0.999), 5005);
  });
});
