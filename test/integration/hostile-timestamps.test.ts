import assert from "node:assert/strict";
import { insertComment } from "../../src/db/comments-repo.ts";
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

const FAR = 1e10; // ~317 years of video
const JUST_OVER = 172_800.001; // 48 h and a millisecond

describe("video positions and timestamps are bounded to 48 h, and history never fails on big ones", function () {
  this.timeout(30_000);
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });

  it("room messages with a position beyond 48 h are INVALID_INPUT naming the field", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const cases: [string, unknown, string][] = [
      ["comment", { message: "far", video_timestamp: FAR }, "video_timestamp"],
      ["control", { action: "seek", current_time: FAR }, "current_time"],
      ["control", { action: "play", current_time: JUST_OVER }, "current_time"],
      ["status", { current_time: FAR, is_playing: true }, "current_time"],
    ];
    for (const [type, payload, field] of cases) {
      const error = nextMessage(host.room, "error");
      host.room.send(type, payload);
      const e = await error;
      assert.equal(e.code, "INVALID_INPUT", `${type} ${JSON.stringify(payload)}`);
      assert.equal(e.type, type);
      assert.match(e.message, new RegExp(`^${field}:`));
    }
    assert.equal(host.room.state.playback.seq, 0);
    // exactly 48 h is still a position
    host.room.send("control", { action: "seek", current_time: 172_800 });
    await eventually(() => host.room.state.playback.seq === 1, 3000, "the 48 h seek accepted");
    assert.equal(host.room.state.playback.seq, 1);
    await host.room.leave();
  });

  it("HTTP comments, controls and the until query beyond 48 h are 400 naming the field", async () => {
    const opts = createOptions();
    const host = await joined(sdk(h).create("watch_party", opts));
    rooms.push(host.room);
    const auth = { authorization: `Bearer ${host.welcome.member_token}` };
    const comment = await http(h, "POST", "/api/comments", { message: "far", video_timestamp: FAR }, auth);
    assert.equal(comment.status, 400, JSON.stringify(comment.body));
    assert.equal(comment.body.error.code, "INVALID_INPUT");
    assert.match(comment.body.error.message, /^video_timestamp:/);
    const control = await http(
      h,
      "POST",
      `/api/rooms/${host.room.roomId}/control`,
      { action: "seek", current_time: FAR },
      auth,
    );
    assert.equal(control.status, 400);
    assert.match(control.body.error.message, /^current_time:/);
    const until = await http(
      h,
      "GET",
      `/api/comments?anime_id=${opts.anime_id}&episode_number=${opts.episode_number}&until=${FAR}`,
    );
    assert.equal(until.status, 400);
    assert.match(until.body.error.message, /^until:/);
    await host.room.leave();
  });

  it("history answers 200 even when a stored comment carries a huge timestamp", async () => {
    const animeId = uid("anime");
    // a row stored before the bound existed
    await insertComment(h.app.services.database.db, {
      anime_id: animeId,
      episode_number: 1,
      user_id: uid("u"),
      username: "Old",
      message: "from before the bound",
      video_timestamp: FAR,
    });
    const episode = await http(h, "GET", `/api/comments/history?anime_id=${animeId}&episode_number=1`);
    assert.equal(episode.status, 200, JSON.stringify(episode.body));
    assert.deepEqual(episode.body.data.hot_moments.buckets, [
      { start_s: Math.floor(FAR / 30) * 30, comments: 1, reactions: 0 },
    ]);
    const all = await http(h, "GET", "/api/comments/history");
    assert.equal(all.status, 200, JSON.stringify(all.body));
  });
});
