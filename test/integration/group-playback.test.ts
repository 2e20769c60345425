import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import {
  createOptions,
  eventually,
  joined,
  leftAfterEach,
  nextMessage,
  sdk,
  server,
  uid,
  type Harness,
} from "../helpers/server.ts";

/** Group playback with real clients: holds, resumes, the wait limit, the hold cap, speed, skip, ready checks. */
describe("group playback: wait for buffering, shared speed, skip together, ready check", function () {
  this.timeout(30_000);
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });

  /** host + two members, playing from 10 s */
  async function party(extra: Record<string, unknown> = {}) {
    const host = await joined(sdk(h).create("watch_party", createOptions(extra)));
    const a = await joined(sdk(h).joinById(host.room.roomId, { user_id: uid("a"), username: "A" }));
    const b = await joined(sdk(h).joinById(host.room.roomId, { user_id: uid("b"), username: "B" }));
    rooms.push(host.room, a.room, b.room);
    host.room.send("control", { action: "play", current_time: 10 });
    await eventually(() => b.room.state.playback.is_playing, 2000, "playing");
    // buffering within 1.5 s of a playback change is the change itself (every player buffers after it)
    await new Promise((r) => setTimeout(r, 1600));
    return { host, a, b };
  }
  const buffering = (room: Room, on: boolean, at = 10) =>
    room.send("status", { current_time: at, is_playing: true, buffering: on });
  const since = (t: number) => Date.now() - t;

  it("buffering right after a playback change holds nobody (every player buffers after a seek)", async () => {
    const { host, a, b } = await party();
    host.room.send("control", { action: "seek", current_time: 300 });
    await eventually(() => b.room.state.playback.position === 300, 1000, "seeked");
    buffering(a.room, true, 300);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(b.room.state.hold.active, false);
    assert.equal(b.room.state.playback.is_playing, true);
  });

  it("a buffering member holds everyone within 300 ms at one position; recovered, all resume within 300 ms", async () => {
    const { a, b } = await party();
    const seq = b.room.state.playback.seq;
    const t0 = Date.now();
    buffering(a.room, true, 10.2);
    await eventually(() => !b.room.state.playback.is_playing, 1000, "held");
    const holdMs = since(t0);
    const pb = b.room.state.playback;
    assert.ok(holdMs <= 300, `hold reached a member in ${holdMs} ms`);
    assert.equal(pb.seq, seq + 1, "a hold is a host action");
    assert.equal(b.room.state.hold.active, true);
    assert.deepEqual([...b.room.state.hold.waiting_for], [a.welcome.user_id]);
    assert.equal(pb.position, b.room.state.hold.position, "held at the hold's position");
    assert.ok(
      pb.position >= 11.5 && pb.position < 14,
      `the expected position when the hold began (${pb.position})`,
    );
    const held = pb.position;

    const t1 = Date.now();
    buffering(a.room, false, held);
    await eventually(() => b.room.state.playback.is_playing, 1000, "resumed");
    assert.ok(since(t1) <= 300, `resumed in ${since(t1)} ms`);
    assert.equal(b.room.state.playback.position, held, "resumes where it held");
    assert.equal(b.room.state.playback.seq, seq + 2);
    assert.equal(b.room.state.hold.active, false);
    console.log(`      hold reached a member ${holdMs} ms after the report; resume ${since(t1)} ms`);
  });

  it("after BUFFER_WAIT_S the room resumes without the laggard, who is marked, holds no more, and is unmarked when it recovers", async () => {
    const { a, b } = await party();
    buffering(a.room, true);
    await eventually(() => b.room.state.hold.active, 1000, "held");
    const t0 = Date.now();
    await eventually(() => b.room.state.playback.is_playing, 4000, "resumed without the laggard");
    const waited = since(t0);
    assert.ok(waited >= 1200 && waited <= 2500, `resumed after the 1.5 s limit (${waited} ms)`);
    await eventually(
      () => b.room.state.members.get(a.welcome.user_id)?.lagging === true,
      1000,
      "laggard marked",
    );
    // still buffering after the grace that follows the resume: the laggard holds the room no more
    await new Promise((r) => setTimeout(r, 1600));
    const seq = b.room.state.playback.seq;
    buffering(a.room, true);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(b.room.state.hold.active, false, "a lagging member holds nobody");
    assert.equal(b.room.state.playback.seq, seq);
    buffering(a.room, false);
    await eventually(() => b.room.state.members.get(a.welcome.user_id)?.lagging === false, 1000, "unmarked");
    assert.equal(b.room.state.playback.is_playing, true);
  });

  it("the host's own buffering holds everyone; the host can turn waiting off", async () => {
    const { host, b } = await party();
    buffering(host.room, true);
    await eventually(() => b.room.state.hold.active, 1000, "the host's buffering holds");
    host.room.send("settings", { wait_for_buffering: false });
    await eventually(() => b.room.state.playback.is_playing && !b.room.state.hold.active, 1000, "resumed");
    assert.equal(b.room.state.settings.wait_for_buffering, false);
    buffering(b.room, true);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(b.room.state.playback.is_playing, true, "nobody holds the room while waiting is off");
  });

  it("fairness: a member flapping buffering holds the room at most BUFFER_HOLDS_MAX (3) times", async () => {
    const { a, b } = await party();
    const seq0 = b.room.state.playback.seq;
    for (let i = 0; i < 6; i++) {
      buffering(a.room, true);
      await new Promise((r) => setTimeout(r, 300));
      buffering(a.room, false);
      await new Promise((r) => setTimeout(r, 1700)); // past the grace after each resume
    }
    await eventually(() => b.room.state.playback.is_playing, 1000, "playing at the end");
    assert.equal(b.room.state.playback.seq - seq0, 6, "three holds and three resumes, no more");
  });

  it("the host sets a shared speed (0.25–2): members follow through playback.rate; others may not", async () => {
    const { host, a, b } = await party();
    const before = b.room.state.playback.seq;
    host.room.send("set_rate", { rate: 1.5 });
    await eventually(() => b.room.state.playback.rate === 1.5, 1000, "rate");
    assert.equal(b.room.state.playback.seq, before + 1);
    assert.equal(b.room.state.playback.is_playing, true);
    const refused = nextMessage(a.room, "error");
    a.room.send("set_rate", { rate: 2 });
    assert.equal((await refused).code, "NOT_HOST");
    const bad = nextMessage(host.room, "error");
    host.room.send("set_rate", { rate: 3 });
    assert.equal((await bad).code, "INVALID_INPUT");
  });

  it("skip seeks everyone past the segment the room is in; auto_skip does it at the segment's start", async () => {
    const segments = [
      { kind: "intro", start_s: 5, end_s: 95 },
      { kind: "recap", start_s: 100.5, end_s: 130 },
    ];
    const { host, b } = await party({ segments });
    assert.deepEqual(
      [...b.room.state.segments].map((s: any) => [s.kind, s.start_s, s.end_s]),
      segments.map((s) => [s.kind, s.start_s, s.end_s]),
    );
    host.room.send("skip", {});
    await eventually(() => b.room.state.playback.position === 95, 1000, "skipped the intro");
    assert.equal(b.room.state.playback.is_playing, true);
    const outside = nextMessage(host.room, "error");
    host.room.send("skip", {});
    assert.equal((await outside).code, "INVALID_INPUT");

    host.room.send("settings", { auto_skip: true });
    await eventually(() => b.room.state.playback.position === 130, 8000, "auto-skipped the recap at 100.5 s");
  });

  it("a ready check pauses, shows each answer, and starts playback when every connected member is ready", async () => {
    const { host, a, b } = await party();
    host.room.send("ready_check", { timeout_s: 30 });
    await eventually(
      () => b.room.state.ready_check.active && !b.room.state.playback.is_playing,
      1000,
      "check",
    );
    for (const r of [host, a]) r.room.send("ready", { ready: true });
    b.room.send("ready", { ready: false });
    await eventually(
      () => b.room.state.members.get(b.welcome.user_id)?.ready === "not_ready",
      1000,
      "answers",
    );
    assert.equal(b.room.state.members.get(a.welcome.user_id).ready, "ready");
    assert.equal(b.room.state.playback.is_playing, false);
    b.room.send("ready", { ready: true });
    await eventually(
      () => b.room.state.playback.is_playing && !b.room.state.ready_check.active,
      1000,
      "started",
    );
  });

  it("a ready check starts playback at its timeout when someone never answers", async () => {
    const { host, b } = await party();
    host.room.send("ready_check", { timeout_s: 3 });
    await eventually(() => b.room.state.ready_check.active, 1000, "check");
    const t0 = Date.now();
    await eventually(() => b.room.state.playback.is_playing, 5000, "started at the deadline");
    assert.ok(since(t0) >= 2500, `waited for the timeout (${since(t0)} ms)`);
  });

  it("segments and settings outlive a dormancy", async () => {
    const opts = createOptions({
      segments: [{ kind: "outro", start_s: 1300, end_s: 1420 }],
      auto_skip: true,
    });
    const host = await joined(sdk(h).create("watch_party", opts));
    host.room.send("settings", { wait_for_buffering: false });
    await eventually(() => host.room.state.settings.wait_for_buffering === false, 1000, "setting");
    const roomId = host.room.roomId;
    await host.room.leave();
    await new Promise((r) => setTimeout(r, 300));
    const back = await joined(sdk(h).joinById(roomId, { user_id: opts.host_user_id, username: "Hana" }));
    rooms.push(back.room);
    assert.deepEqual(
      [back.room.state.settings.auto_skip, back.room.state.settings.wait_for_buffering],
      [true, false],
    );
    assert.equal(back.room.state.segments[0].kind, "outro");
  });

  it("reactions reach every member at once and count in the episode's 30 s buckets, not one by one", async () => {
    const { a, b } = await party();
    const got = nextMessage(b.room, "reaction");
    const t0 = Date.now();
    a.room.send("reaction", { emoji: "🔥", video_timestamp: 61.5 });
    assert.deepEqual(await got, { user_id: a.welcome.user_id, emoji: "🔥", video_timestamp: 61.5 });
    assert.ok(since(t0) < 200, `delivered in ${since(t0)} ms`);
    a.room.send("reaction", { emoji: "😂", video_timestamp: 75 });
    b.room.send("reaction", { emoji: "👏", video_timestamp: 12 });
    const bad = nextMessage(a.room, "error");
    a.room.send("reaction", { emoji: "<b>hi</b>", video_timestamp: 1 });
    assert.equal((await bad).code, "INVALID_INPUT");
    const anime = b.room.state.anime_id;
    const buckets = await eventually(
      async () => {
        const res = await fetch(`${h.baseUrl}/api/comments/history?anime_id=${anime}&episode_number=3`);
        const list = (await res.json()).data.hot_moments.buckets;
        return list.length === 2 ? list : undefined;
      },
      3000,
      "reaction buckets stored",
    );
    assert.deepEqual(buckets, [
      { start_s: 0, comments: 0, reactions: 1 },
      { start_s: 60, comments: 0, reactions: 2 },
    ]);
  });
});
