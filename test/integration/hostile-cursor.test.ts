import assert from "node:assert/strict";
import { createOptions, http, server, type Harness } from "../helpers/server.ts";

const b64 = (text: string) => Buffer.from(text).toString("base64url");

describe("room listing cursors that this server did not issue are INVALID_INPUT naming cursor", function () {
  this.timeout(30_000);
  let h: Harness;
  before(async () => {
    h = await server();
  });

  const forged: [string, string][] = [
    ["a time beyond any date", b64(JSON.stringify([1e300, "x"]))],
    ["a time just past the last JS date", b64(JSON.stringify([8.64e15 + 1, "x"]))],
    ["a negative time", b64(JSON.stringify([-1e15, "x"]))],
    ["a fractional time", b64(JSON.stringify([1.5, "x"]))],
    ["a string time", b64(JSON.stringify(["1", "x"]))],
    ["a numeric room id", b64(JSON.stringify([1, 5]))],
    ["a room id that no room could have", b64(JSON.stringify([1, "../../x"]))],
    ["an empty room id", b64(JSON.stringify([1, ""]))],
    ["a third element", b64(JSON.stringify([1, "x", 2]))],
    ["an object", b64(JSON.stringify({ created_at: 1, room_id: "x" }))],
    ["a JSON null", b64("null")],
    ["bytes that are not JSON", b64("\u0000\u00ff[1,")],
    ["characters outside base64url", "!!!"],
    ["a 10 KB cursor", "A".repeat(10_000)],
  ];
  for (const [what, cursor] of forged) {
    it(`a cursor with ${what} is 400 INVALID_INPUT`, async () => {
      const res = await http(h, "GET", `/api/rooms?cursor=${encodeURIComponent(cursor)}`);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, "INVALID_INPUT");
      assert.match(res.body.error.message, /^cursor:/);
    });
  }

  it("a cursor the server issued still pages", async () => {
    const animeId = createOptions().anime_id;
    for (let i = 0; i < 3; i++) {
      const res = await http(h, "POST", "/api/rooms", createOptions({ anime_id: animeId }));
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    const first = await http(h, "GET", `/api/rooms?anime_id=${animeId}&limit=2`);
    assert.equal(first.body.data.length, 2);
    assert.equal(typeof first.body.next_cursor, "string");
    const second = await http(
      h,
      "GET",
      `/api/rooms?anime_id=${animeId}&limit=2&cursor=${first.body.next_cursor}`,
    );
    assert.equal(second.status, 200);
    assert.equal(second.body.data.length, 1);
  });
});
