import assert from "node:assert/strict";
import { acceptStatedContext } from "../../src/rooms/stated-context.ts";
import { memberUpdate, statusOf } from "../../schema/messages.ts";

describe("fields a request restates", () => {
  const known = { room_id: "r1", anime_id: "frieren", episode_number: 3, user_id: "u1", username: "Gus" };

  it("are taken out when they agree, and the rest is left for the schema", () => {
    const body = { room_id: "r1", episode_number: 3, user_id: "u1", message: "hi", mood: "x" };
    assert.deepEqual(
      acceptStatedContext(body, () => known),
      { message: "hi", mood: "x" },
    );
  });

  it("are refused naming the field and the value it must have when they contradict", () => {
    assert.throws(
      () => acceptStatedContext({ episode_number: 4, message: "hi" }, () => known),
      (e: any) =>
        e.code === "INVALID_INPUT" && e.message === "episode_number: must be 3 (the room's current episode)",
    );
    assert.throws(
      () => acceptStatedContext({ episode_number: "3" }, () => known),
      /episode_number: must be 3/,
      "the same value as another type is a contradiction",
    );
    assert.throws(
      () => acceptStatedContext({ user_id: "u2" }, () => known),
      /user_id: must be "u1" \(your identity\)/,
    );
  });

  it("are refused by the schema when the request does not know them (a field it was not given)", () => {
    assert.deepEqual(
      acceptStatedContext({ host_user_id: "u1" }, () => ({ user_id: "u1" })),
      { host_user_id: "u1" },
    );
  });

  it("when a body restates none of them, leave it as it is without asking what the server knows", () => {
    const body = { action: "seek", current_time: 12 };
    const unasked = () => assert.fail("what the server knows was looked up for a body that restates nothing");
    assert.equal(acceptStatedContext(body, unasked), body);
    assert.deepEqual(
      acceptStatedContext({ ...body, user_id: "u1" }, () => known),
      body,
      "asked when one is there",
    );
  });

  it("leave a body that is not an object to the schema", () => {
    for (const body of [null, "text", 3, ["room_id"]])
      assert.equal(
        acceptStatedContext(body, () => known),
        body,
      );
  });
});

describe("a member update as a status report", () => {
  it("takes v1's position for current_time, and the room's playing state when is_playing is left out", () => {
    const u = memberUpdate.parse({ position: 42, sync_status: "buffering" });
    assert.deepEqual(statusOf(u, true), { current_time: 42, is_playing: true, buffering: true });
    assert.equal(statusOf(memberUpdate.parse({ username: "Gus" }), true), undefined);
  });

  it("needs a position for a status and refuses both names at once", () => {
    assert.equal(memberUpdate.safeParse({ is_playing: true }).success, false);
    assert.equal(memberUpdate.safeParse({ current_time: 1, position: 1 }).success, false);
    assert.equal(memberUpdate.safeParse({}).success, false);
  });
});
