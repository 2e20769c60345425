/** A member that plays its own file: the member list shows it, and a length that is not the episode's. */
import assert from "node:assert/strict";
import {
  createOptions,
  eventually,
  http,
  joined,
  leftAfterEach,
  nextMessage,
  sdk,
  server,
  uid,
  type Harness,
} from "../helpers/server.ts";

describe("a member's own file in the member list", function () {
  this.timeout(30_000);
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });

  const episode = (n: number, duration_s: number) => ({
    anime_id: "frieren",
    anime_title: "Frieren",
    episode_number: n,
    video_url: `https://videos.example/frieren-0${n}.webm`,
    duration_s,
  });

  it("a file of another length is flagged for everyone, and again against each new item", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const gus = uid("g");
    const guest = await joined(sdk(h).joinById(host.room.roomId, { user_id: gus, username: "Gus" }));
    rooms.push(guest.room);
    host.room.send("queue_add", { items: [episode(4, 1420), episode(5, 1500)] });
    await eventually(() => host.room.state.queue.length === 3, 3000, "queued");
    host.room.send("queue_jump", { item_id: host.room.state.queue[1].item_id });
    await eventually(() => host.room.state.episode_number === 4, 3000, "on episode 4");

    guest.room.send("media", { name: "Frieren 04 [BD].mkv", duration_s: 1500 });
    const seen = () => host.room.state.members.get(gus);
    await eventually(() => seen()?.different_file === true, 3000, "flagged");
    assert.equal(seen().media_name, "Frieren 04 [BD].mkv");
    assert.equal(seen().media_duration_s, 1500);
    const listed = await http(h, "GET", `/api/rooms/${host.room.roomId}/members`);
    const row = listed.body.data.find((m: any) => m.user_id === gus);
    assert.deepEqual(
      [row.media_name, row.media_duration_s, row.different_file],
      ["Frieren 04 [BD].mkv", 1500, true],
    );

    // the next item is 1500 s long: the same file is no longer another length
    host.room.send("advance_now", {});
    await eventually(() => host.room.state.episode_number === 5, 3000, "on episode 5");
    await eventually(() => seen()?.different_file === false, 3000, "not flagged against episode 5");

    // an unknown length is never flagged; the room's video again clears the file
    guest.room.send("media", { name: "mystery.mkv", duration_s: 0 });
    await eventually(() => seen()?.media_name === "mystery.mkv", 3000, "named");
    assert.equal(seen().different_file, false);
    guest.room.send("media", { name: "", duration_s: 0 });
    await eventually(() => seen()?.media_name === "", 3000, "cleared");
  });

  it("a malformed media message is refused with INVALID_INPUT and the member stays", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const error = nextMessage(host.room, "error");
    host.room.send("media", { name: "x".repeat(251), duration_s: -1 });
    const e = await error;
    assert.equal(e.code, "INVALID_INPUT");
    assert.equal(e.type, "media");
    assert.ok(host.room.connection.isOpen);
  });
});
