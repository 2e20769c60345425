import assert from "node:assert/strict";
import {
  createOptions,
  http,
  joined,
  leftAfterEach,
  nextMessage,
  sdk,
  server,
  uid,
  type Harness,
} from "../helpers/server.ts";

describe("unknown fields in message payloads, bodies and queries are INVALID_INPUT naming the field", function () {
  this.timeout(30_000);
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });

  it("room messages with an unknown field get an error naming it and change nothing", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const guestId = uid("g");
    const guest = await joined(sdk(h).joinById(host.room.roomId, { user_id: guestId, username: "G" }));
    rooms.push(guest.room);
    const cases: [any, string, unknown][] = [
      [host.room, "control", { action: "play", current_time: 1, speed: 2 }],
      [guest.room, "status", { current_time: 1, is_playing: true, drift: 0 }],
      [host.room, "transfer_host", { user_id: guestId, force: true }],
      [guest.room, "comment", { message: "hi", is_admin: true }],
    ];
    for (const [room, type, payload] of cases) {
      const error = nextMessage(room, "error");
      room.send(type, payload);
      const e = await error;
      assert.equal(e.code, "INVALID_INPUT", `${type} ${JSON.stringify(payload)}`);
      assert.equal(e.type, type);
      const extra = Object.keys(payload as object).at(-1);
      assert.equal(e.message, `${extra}: unknown field`);
    }
    assert.equal(host.room.state.playback.seq, 0);
    assert.equal(host.room.state.host_user_id, host.welcome.user_id);
    await guest.room.leave();
    await host.room.leave();
  });

  it("HTTP bodies with an unknown field are 400 naming it", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const roomId = host.room.roomId;
    const auth = { authorization: `Bearer ${host.welcome.member_token}` };
    const cases: [string, string, unknown, string][] = [
      [
        "POST",
        `/api/rooms/${roomId}/control`,
        { action: "pause", current_time: 3, seq: 99 },
        "seq: unknown field",
      ],
      [
        "PATCH",
        `/api/rooms/${roomId}/members/${host.welcome.user_id}`,
        { username: "H", role: "admin" },
        "role: unknown field",
      ],
      // a field the original design restates must agree with what the server knows
      [
        "POST",
        "/api/comments",
        { message: "hi", user_id: "someone-else" },
        `user_id: must be "${host.welcome.user_id}" (your identity)`,
      ],
      // a comment naming another episode is refused, never stored under the room's episode
      [
        "POST",
        "/api/comments",
        { message: "spoiler", episode_number: 9 },
        "episode_number: must be 3 (the room's current episode)",
      ],
    ];
    for (const [method, route, body, message] of cases) {
      const res = await http(h, method, route, body, auth);
      assert.equal(res.status, 400, `${method} ${route}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, "INVALID_INPUT");
      assert.equal(res.body.error.message, message);
    }
    await host.room.leave();
  });

  it("queries with an unknown parameter are 400 naming it", async () => {
    for (const route of [
      "/api/rooms?limit=5&sort=desc",
      "/api/comments?anime_id=a&episode_number=1&sort=desc",
      "/api/comments/history?anime_id=a&sort=desc",
    ]) {
      const res = await http(h, "GET", route);
      assert.equal(res.status, 400, `${route}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.message, "sort: unknown field");
    }
  });

  it("a create option typo (isPublic) is refused, never a public listed room; a join option typo too", async () => {
    const opts = createOptions({ is_public: undefined, isPublic: false });
    const res = await http(h, "POST", "/api/rooms", opts);
    assert.deepEqual(
      [res.status, res.body.error.code, res.body.error.message],
      [400, "INVALID_INPUT", "isPublic: unknown field"],
    );
    const listed = await http(h, "GET", `/api/rooms?anime_id=${opts.anime_id}`);
    assert.deepEqual(listed.body.data, []);
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const join = await http(h, "POST", `/api/rooms/${host.room.roomId}/join`, {
      user_id: uid("g"),
      username: "G",
      accessKey: "1",
    });
    assert.deepEqual([join.status, join.body.error.message], [400, "accessKey: unknown field"]);
    await host.room.leave();
  });
});
