import assert from "node:assert/strict";
import {
  createOptions,
  eventually,
  http,
  joined,
  leftAfterEach,
  nextMessage,
  refusedWith,
  sdk,
  server,
  uid,
  type Harness,
} from "../helpers/server.ts";

// over every field's limit, under the 64 KB body limit (bigger bodies: hostile-bodies.test.ts)
const HUGE = "x".repeat(10_000);

describe("malformed options and messages are refused and change nothing", function () {
  this.timeout(30_000);
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });

  const badCreates: [string, Record<string, unknown>, string][] = [
    ["a title of the wrong type", { title: 123 }, "title"],
    ["a missing anime_id", { anime_id: undefined }, "anime_id"],
    ["NaN as episode number", { episode_number: Number.NaN }, "episode_number"],
    ["a negative episode number", { episode_number: -1 }, "episode_number"],
    ["a fractional episode number", { episode_number: 1.5 }, "episode_number"],
    ["a 10 KB title", { title: HUGE }, "title"],
    ["an ftp video URL", { video_url: "ftp://files.example/ep.mkv" }, "video_url"],
    ["a javascript: avatar URL", { avatar_url: "javascript:alert(1)" }, "avatar_url"],
    ["a string is_public", { is_public: "no" }, "is_public"],
    ["an internal restore option", { __anisync_restore: "abc" }, "__anisync_restore"],
  ];
  for (const [what, patch, field] of badCreates) {
    it(`create with ${what} is INVALID_INPUT naming ${field}`, async () => {
      const e = await refusedWith(sdk(h).create("watch_party", createOptions(patch)), "INVALID_INPUT");
      assert.equal(e.code, 400);
      assert.match(e.message, new RegExp(`^INVALID_INPUT: ${field}`));
    });
  }

  it("joins with bad options are INVALID_INPUT naming the field", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    for (const [opts, field] of [
      [{ username: "no id" }, "user_id"],
      [{ user_id: 42, username: "n" }, "user_id"],
      [{ user_id: uid("u"), username: HUGE }, "username"],
      [{ user_id: uid("u"), username: "  " }, "username"],
      [{ user_id: uid("u"), username: "u", avatar_url: "data:image/png;base64,AAA" }, "avatar_url"],
    ] as const) {
      const e = await refusedWith(sdk(h).joinById(host.room.roomId, opts), "INVALID_INPUT");
      assert.match(e.message, new RegExp(`^INVALID_INPUT: ${field}`));
    }
    assert.equal(host.room.state.members.size, 1);
    await host.room.leave();
  });

  it("bad messages get an error, change nothing, and the sender stays connected", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const guestId = uid("g");
    const guest = await joined(sdk(h).joinById(host.room.roomId, { user_id: guestId, username: "G" }));
    rooms.push(guest.room);
    const cases: [any, string, unknown][] = [
      [host.room, "control", { action: "jump", current_time: 1 }],
      [host.room, "control", { action: "play", current_time: -1 }],
      [host.room, "control", { action: "play", current_time: Number.NaN }],
      [host.room, "control", { action: "play", current_time: "5" }],
      [host.room, "control", { action: "play" }],
      [host.room, "control", HUGE],
      [host.room, "control", { action: "seek", current_time: Number.POSITIVE_INFINITY }],
      [guest.room, "status", { current_time: 1, is_playing: "yes" }],
      [guest.room, "status", { current_time: -3, is_playing: true }],
      [guest.room, "status", null],
      [host.room, "transfer_host", {}],
      [host.room, "transfer_host", { user_id: HUGE }],
      [guest.room, "no_such_type", { a: 1 }],
    ];
    for (const [room, type, payload] of cases) {
      const error = nextMessage(room, "error");
      room.send(type, payload);
      const e = await error;
      assert.equal(e.code, "INVALID_INPUT", `${type} ${JSON.stringify(payload)?.slice(0, 60)}`);
      assert.equal(e.type, type);
    }
    assert.equal(host.room.state.playback.seq, 0);
    assert.equal(host.room.state.host_user_id, host.welcome.user_id);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(host.room.state.members.get(guestId).sync_status, "unknown");
    // still connected and served
    host.room.send("control", { action: "play", current_time: 1 });
    await eventually(() => guest.room.state.playback.seq === 1, 3000, "a good control after bad ones");
    await guest.room.leave();
    await host.room.leave();
  });

  it("malformed HTTP bodies are INVALID_INPUT and the server keeps serving", async () => {
    const broken = await http(h, "POST", "/api/rooms", "{not json");
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error.code, "INVALID_INPUT");
    const huge = await http(h, "POST", "/api/rooms", createOptions({ title: HUGE }));
    assert.equal(huge.status, 400);
    assert.match(huge.body.error.message, /^title/);
    const badQuery = await http(h, "GET", "/api/rooms?limit=-4");
    assert.equal(badQuery.status, 400);
    const badCursor = await http(h, "GET", "/api/rooms?cursor=bm9wZQ");
    assert.equal(badCursor.body.error.code, "INVALID_INPUT");
    assert.equal((await http(h, "GET", "/health")).status, 200);
  });
});
