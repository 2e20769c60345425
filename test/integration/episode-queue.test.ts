import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@colyseus/sdk";
import { freePort, startServerProcess } from "../helpers/process.ts";
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

/** The episode queue with real clients: auto-advance, the episode thread and listing following it, co-hosts. */
describe("episode queue, auto-advance and co-hosts", function () {
  this.timeout(30_000);
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });

  const episode = (anime: string, n: number, duration_s?: number) => ({
    anime_id: anime,
    anime_title: "Frieren",
    episode_number: n,
    video_url: `https://videos.example/${n}.webm`,
    ...(duration_s !== undefined ? { duration_s } : {}),
  });

  async function party() {
    const anime = uid("binge");
    const host = await joined(
      sdk(h).create("watch_party", createOptions({ anime_id: anime, episode_number: 1 })),
    );
    const member = await joined(sdk(h).joinById(host.room.roomId, { user_id: uid("m"), username: "M" }));
    rooms.push(host.room, member.room);
    return { anime, host, member };
  }

  it("a 3-item queue advances twice by itself; members, the thread and the listing follow each switch", async () => {
    const { anime, host, member } = await party();
    host.room.send("queue_add", { items: [episode(anime, 2, 1.5), episode(anime, 3, 1.5)] });
    await eventually(() => member.room.state.queue.length === 3, 2000, "queue of three");
    const [first, second, third] = [...member.room.state.queue].map((i: any) => i.item_id);
    assert.equal(member.room.state.current_item, first);

    host.room.send("control", { action: "play", current_time: 1400 });
    host.room.send("status", { current_time: 1420, is_playing: false, ended: true });
    const countdown = await eventually(() => member.room.state.advance_at || 0, 2000, "countdown shown");
    assert.ok(
      countdown > Date.now() - 200 && countdown < Date.now() + 1500,
      "the switch time, about 1 s ahead",
    );
    const seqBefore = member.room.state.playback.seq;
    await eventually(() => member.room.state.current_item === second, 3000, "switched to episode 2");
    const s = member.room.state;
    assert.deepEqual(
      [s.episode_number, s.video_url, s.playback.position, s.playback.is_playing],
      [2, "https://videos.example/2.webm", 0, true],
    );
    assert.ok(s.playback.seq > seqBefore, "the switch is a host action");
    assert.equal(s.advance_at, 0);

    const commented = nextMessage(host.room, "comment");
    member.room.send("comment", { message: "episode two!" });
    assert.equal((await commented).episode_number, 2);
    const listed = await http(h, "GET", `/api/rooms?anime_id=${anime}`);
    assert.equal(listed.body.data[0].episode_number, 2, "the listing shows the current episode");

    // episode 2 has a duration: it ends by itself after 1.5 s, then the countdown, then episode 3
    await eventually(() => member.room.state.current_item === third, 6000, "switched to episode 3");
    assert.equal(member.room.state.episode_number, 3);
    const thread = await http(h, "GET", `/api/comments?anime_id=${anime}&episode_number=2`);
    assert.equal(thread.body.data.comments[0].message, "episode two!");
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(member.room.state.current_item, third, "no item after the last: it stays");
  });

  it("the host cancels a countdown or skips to the next item at once; removes, moves and jumps", async () => {
    const { anime, host, member } = await party();
    host.room.send("queue_add", { items: [episode(anime, 2), episode(anime, 3), episode(anime, 4)] });
    await eventually(() => member.room.state.queue.length === 4, 2000, "queue");
    const ids = [...member.room.state.queue].map((i: any) => i.item_id);
    host.room.send("status", { current_time: 1420, is_playing: false, ended: true });
    await eventually(() => member.room.state.advance_at > 0, 2000, "countdown");
    host.room.send("advance_cancel", {});
    await eventually(() => member.room.state.advance_at === 0, 2000, "cancelled");
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(member.room.state.current_item, ids[0], "a cancelled countdown does not switch");
    host.room.send("queue_move", { item_id: ids[3], index: 1 });
    await eventually(() => member.room.state.queue[1].item_id === ids[3], 2000, "moved");
    host.room.send("queue_remove", { item_id: ids[2] });
    await eventually(() => member.room.state.queue.length === 3, 2000, "removed");
    host.room.send("advance_now", {});
    await eventually(() => member.room.state.episode_number === 4, 2000, "next is the moved episode 4");
    host.room.send("queue_jump", { item_id: ids[0] });
    await eventually(() => member.room.state.episode_number === 1, 2000, "jumped back");
    const refused = nextMessage(host.room, "error");
    host.room.send("queue_remove", { item_id: ids[0] });
    assert.equal((await refused).code, "INVALID_INPUT", "the current item stays");
  });

  it("a co-host controls playback and the queue; a plain member gets NOT_HOST; control opened to all lets a member seek", async () => {
    const { anime, host, member } = await party();
    const other = await joined(sdk(h).joinById(host.room.roomId, { user_id: uid("o"), username: "O" }));
    rooms.push(other.room);
    const refused = nextMessage(member.room, "error");
    member.room.send("control", { action: "seek", current_time: 50 });
    assert.equal((await refused).code, "NOT_HOST");

    host.room.send("set_cohost", { user_id: member.welcome.user_id, cohost: true });
    await eventually(() => other.room.state.members.get(member.welcome.user_id)?.is_cohost, 2000, "co-host");
    member.room.send("control", { action: "seek", current_time: 50 });
    await eventually(() => other.room.state.playback.position === 50, 2000, "the co-host seeks");
    member.room.send("queue_add", { items: [episode(anime, 2)] });
    await eventually(() => other.room.state.queue.length === 2, 2000, "the co-host adds to the queue");
    const notHost = nextMessage(member.room, "error");
    member.room.send("set_cohost", { user_id: other.welcome.user_id, cohost: true });
    assert.equal((await notHost).code, "NOT_HOST", "only the host names co-hosts");

    const plain = nextMessage(other.room, "error");
    other.room.send("control", { action: "seek", current_time: 60 });
    assert.equal((await plain).code, "NOT_HOST");
    host.room.send("settings", { control_open: true });
    await eventually(() => other.room.state.settings.control_open, 2000, "opened");
    other.room.send("control", { action: "seek", current_time: 70 });
    await eventually(() => host.room.state.playback.position === 70, 2000, "a member seeks");
    const stillNot = nextMessage(other.room, "error");
    other.room.send("queue_add", { items: [episode(anime, 3)] });
    assert.equal((await stillNot).code, "NOT_HOST", "the queue stays with host and co-hosts");
  });

  it("a room that sleeps mid-countdown and mid-episode comes back with its queue and its place in it", async () => {
    const opts = createOptions({ episode_number: 1 });
    const host = await joined(sdk(h).create("watch_party", opts));
    host.room.send("queue_add", { items: [episode(opts.anime_id, 2, 600), episode(opts.anime_id, 3, 600)] });
    await eventually(() => host.room.state.queue.length === 3, 2000, "queue");
    host.room.send("advance_now", {});
    await eventually(() => host.room.state.episode_number === 2, 2000, "on episode 2");
    host.room.send("control", { action: "seek", current_time: 599.5 });
    await eventually(() => host.room.state.advance_at > 0, 3000, "countdown running");
    const roomId = host.room.roomId;
    const queue = [...host.room.state.queue].map((i: any) => i.item_id);
    await host.room.leave();
    await new Promise((r) => setTimeout(r, 300));
    const back = await joined(sdk(h).joinById(roomId, { user_id: opts.host_user_id, username: "Hana" }));
    rooms.push(back.room);
    const s = back.room.state;
    assert.deepEqual(
      [...s.queue].map((i: any) => i.item_id),
      queue,
    );
    assert.equal(s.episode_number, 2);
    assert.equal(s.current_item, queue[1]);
    assert.ok(s.playback.position >= 599.5, `where it was (${s.playback.position})`);
    back.room.send("control", { action: "play", current_time: s.playback.position });
    await eventually(
      () => back.room.state.current_item === queue[2],
      5000,
      "the countdown runs again and switches",
    );
  });
});

/** Co-hosts are stored by verified user id: a restarted process knows them when they come back. */
describe("co-hosts across a server restart", function () {
  this.timeout(90_000);
  const env = {
    DATABASE_URL: process.env.DATABASE_URL,
    DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-cohost-")),
    REDIS_URL: "",
    LOG_LEVEL: "warn",
    AUTH_MODE: "open",
  };
  const episode = (anime: string, n: number) => ({
    anime_id: anime,
    anime_title: "Frieren",
    episode_number: n,
    video_url: `https://videos.example/${n}.webm`,
  });

  it("a co-host is co-host again after a restart, a plain member is not; a demotion is stored too", async () => {
    const port = await freePort();
    const opts = createOptions({ episode_number: 1 });
    const [cohostId, plainId] = [uid("co"), uid("plain")];
    const first = await startServerProcess(env, { port });
    let roomId: string;
    try {
      const url = first.baseUrl;
      const host = await joined(new Client(url).create("watch_party", opts));
      roomId = host.room.roomId;
      const co = await joined(new Client(url).joinById(roomId, { user_id: cohostId, username: "Co" }));
      await joined(new Client(url).joinById(roomId, { user_id: plainId, username: "Plain" }));
      host.room.send("set_cohost", { user_id: cohostId, cohost: true });
      await eventually(() => co.room.state.members.get(cohostId)?.is_cohost, 2000, "named co-host");
      await new Promise((r) => setTimeout(r, 300)); // the write follows the state
    } finally {
      assert.equal(await first.stop("SIGTERM"), 0, first.output());
    }

    const second = await startServerProcess(env, { port });
    const joinedRooms: Array<{ leave(): Promise<unknown> }> = [];
    try {
      const url = second.baseUrl;
      const host = await joined(
        new Client(url).joinById(roomId, { user_id: opts.host_user_id, username: "Hana" }),
      );
      const co = await joined(new Client(url).joinById(roomId, { user_id: cohostId, username: "Co" }));
      const plain = await joined(new Client(url).joinById(roomId, { user_id: plainId, username: "Plain" }));
      joinedRooms.push(host.room, plain.room);
      await eventually(() => plain.room.state.members.size === 3, 2000, "all three back");
      const members = plain.room.state.members;
      assert.equal(members.get(cohostId)?.is_cohost, true, "the co-host is co-host again");
      assert.equal(members.get(plainId)?.is_cohost, false, "the plain member is not");
      co.room.send("queue_add", { items: [episode(opts.anime_id, 2)] });
      await eventually(() => plain.room.state.queue.length === 2, 2000, "the co-host manages the queue");
      const refused = nextMessage(plain.room, "error");
      plain.room.send("queue_add", { items: [episode(opts.anime_id, 3)] });
      assert.equal((await refused).code, "NOT_HOST");

      // demoted while away: the co-host leaves, the host demotes them, they come back a plain member
      await co.room.leave(); // (a room left once never settles a second leave)
      await eventually(() => !host.room.state.members.has(cohostId), 2000, "co-host gone");
      host.room.send("set_cohost", { user_id: cohostId, cohost: false });
      await new Promise((r) => setTimeout(r, 300));
      for (const room of joinedRooms.splice(0)) await room.leave();
      await eventually(
        async () => (await (await fetch(`${url}/api/rooms/${roomId}`)).json()).data?.status === "dormant",
        5000,
        "dormant",
      );
      const again = await joined(new Client(url).joinById(roomId, { user_id: cohostId, username: "Co" }));
      joinedRooms.push(again.room);
      assert.equal(again.room.state.members.get(cohostId)?.is_cohost, false, "the demotion was stored");
    } finally {
      for (const room of joinedRooms) await room.leave().catch(() => undefined);
      await second.stop("SIGTERM");
    }
  });
});
