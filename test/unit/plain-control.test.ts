import assert from "node:assert/strict";
import { pack, unpack } from "msgpackr";
import { controlMessage, MAX_POSITION_S } from "../../schema/messages.ts";
import { plainControl } from "../../src/rooms/plain-control.ts";

/** Bodies around the edges of `{ action, current_time }`: values, extra and missing keys, odd objects. */
function bodies(): unknown[] {
  const actions: unknown[] = [
    "play",
    "pause",
    "seek",
    "PLAY",
    "Seek",
    "",
    "rate",
    "hold",
    1,
    null,
    true,
    ["seek"],
  ];
  const times: unknown[] = [
    0,
    -0,
    0.5,
    12.75,
    MAX_POSITION_S,
    MAX_POSITION_S + 0.001,
    -0.001,
    -1,
    NaN,
    Infinity,
    -Infinity,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    "12",
    null,
    true,
    [1],
    { s: 1 },
    10n,
  ];
  const out: unknown[] = [undefined, null, 0, "seek", [], ["seek", 1], {}, new Date(0), Object.create(null)];
  for (const action of actions)
    for (const current_time of times) {
      out.push({ action, current_time });
      out.push({ current_time, action });
      out.push({ action, current_time, extra: 1 });
      out.push({ action, current_time, room_id: "r1" });
      out.push({ action, current_time, current_time_s: 1 });
      out.push({ action });
      out.push({ current_time });
      out.push(
        JSON.parse(`{"action":${JSON.stringify(action) ?? "null"},"current_time":1,"__proto__":{"x":1}}`),
      );
      // the keys inherited, not own
      out.push(Object.create({ action, current_time }));
      out.push(Object.assign(Object.create({ extra: 1 }), { action, current_time }));
      // an own key that is not enumerable, beside the two
      out.push(Object.defineProperty({ action, current_time }, "hidden", { value: 1, enumerable: false }));
      out.push(Object.assign([], { action, current_time }));
    }
  return out;
}

describe("the plain control body, recognised without the schema", () => {
  it("is recognised for exactly { action, current_time } with a valid action and position", () => {
    for (const action of ["play", "pause", "seek"] as const)
      for (const current_time of [0, 0.5, 1234.5, MAX_POSITION_S])
        assert.deepEqual(plainControl({ action, current_time }), { action, current_time });
  });

  it("is recognised as a member's message and an HTTP body arrive: msgpack (as @colyseus/sdk sends it) and JSON", () => {
    const body = { action: "seek", current_time: 42.5 };
    assert.deepEqual(plainControl(unpack(pack(body))), body);
    assert.deepEqual(plainControl(JSON.parse(JSON.stringify(body))), body);
  });

  it("accepts nothing the schema refuses, and gives what the schema gives for what it accepts", () => {
    let recognised = 0;
    for (const body of bodies()) {
      const fast = plainControl(body);
      if (fast === undefined) continue;
      recognised++;
      const judged = controlMessage.safeParse(body);
      assert.ok(judged.success, `recognised but refused by the schema: ${String(JSON.stringify(body))}`);
      assert.deepEqual(fast, judged.data);
    }
    assert.ok(recognised >= 3 * 5, `the usual bodies are recognised (${recognised})`);
  });

  it("leaves every other body to the schema: odd objects, extra keys, positions out of range", () => {
    for (const body of [
      { action: "seek", current_time: 1, extra: 1 },
      { action: "seek", current_time: NaN },
      { action: "seek", current_time: Infinity },
      { action: "seek", current_time: -1 },
      { action: "seek", current_time: MAX_POSITION_S + 1 },
      { action: "seek", current_time: "1" },
      { action: "rate", current_time: 1 },
      { action: "seek" },
      Object.create({ action: "seek", current_time: 1 }),
      Object.assign([], { action: "seek", current_time: 1 }),
      Object.defineProperty({ action: "seek", current_time: 1 }, "hidden", { value: 1, enumerable: false }),
      null,
      "seek",
    ])
      assert.equal(plainControl(body), undefined, String(JSON.stringify(body)));
  });
});
