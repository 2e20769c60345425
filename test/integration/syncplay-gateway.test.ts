/**
 * The Syncplay gateway at the protocol level, with bare TCP clients (no player needed): rooms and
 * access keys, chat ↔ comments, moderation, and hostile input that closes only its own connection.
 */
import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import {
  createOptions,
  eventually,
  http,
  joined,
  leftAfterEach,
  nextMessage,
  server,
  sdk,
  type Harness,
} from "../helpers/server.ts";
import { rawClosedAfterEach, rawSyncplay, type RawSyncplay } from "../helpers/syncplay.ts";
import { MAX_CONNECTIONS_PER_ADDRESS } from "../../src/syncplay/flood.ts";

const mika = (room: Room<any>): string =>
  [...room.state.members.values()].find((m: any) => m.username === "Mika")?.user_id;

let nextAddress = 10;
/** A loopback address of its own (127.0.N.M), so per-address limits count this client alone. */
function address(): string {
  const n = nextAddress++;
  return `127.0.${(process.pid % 200) + 1}.${n}`;
}

describe("Syncplay gateway: rooms, keys, chat, moderation and hostile input", function () {
  this.timeout(30_000);
  let h: Harness;
  const rooms = leftAfterEach();
  const raws = rawClosedAfterEach();

  before(async () => {
    h = await server();
  });

  async function host(extra: Record<string, unknown> = {}) {
    const j = await joined(sdk(h).create("watch_party", createOptions(extra)));
    rooms.push(j.room);
    return j;
  }
  async function raw(from = address()): Promise<RawSyncplay> {
    const r = await rawSyncplay(h.app.syncplayPort!, from);
    raws.push(r);
    return r;
  }
  const errorOf = (r: RawSyncplay, timeoutMs = 5000) =>
    r.next((m) => "Error" in m, timeoutMs).then((m) => String(m.Error.message));

  it("answers the TLS probe with startTLS false, then Hello with the room id as the room name", async () => {
    const { room } = await host();
    const r = await raw();
    r.send({ TLS: { startTLS: "send" } });
    assert.deepEqual(await r.next((m) => "TLS" in m), { TLS: { startTLS: "false" } });
    const hello = await r.hello(room.roomId, "Mika");
    assert.equal(hello.room.name, room.roomId);
    assert.equal(hello.username, "Mika");
    assert.equal(hello.features.chat, true);
    const state = await r.next((m) => "State" in m);
    assert.equal(typeof state.State.ping.latencyCalculation, "number");
    // the room's episode is the playlist's one entry (without a user: it only marks the entry)
    assert.deepEqual(await r.next((m) => "Set" in m && "playlistIndex" in m.Set), {
      Set: { playlistIndex: { user: null, index: 0 } },
    });
    await eventually(() => [...room.state.members.values()].some((m: any) => m.username === "Mika"), 3000);
  });

  it("every State carries ping.latencyCalculation, about once a second", async () => {
    const { room } = await host();
    const r = await raw();
    await r.hello(room.roomId, "Mika");
    await r.next((m) => r.messages.filter((x) => "State" in x).length >= 3 && "State" in m, 5000);
    for (const m of r.messages.filter((x) => "State" in x)) {
      assert.equal(typeof m.State.ping.latencyCalculation, "number");
    }
  });

  it("a room name that is not a room is refused with an Error that says what to type", async () => {
    const r = await raw();
    await assert.rejects(
      r.hello("no-such-room-xyz", "Mika"),
      /no AniSync room "no-such-room-xyz".*room id shown on the party's web page/,
    );
    await r.closed;
  });

  it("a private room: the right key joins, a wrong one is refused and counts against the key throttle", async () => {
    const { room, welcome } = await host({ is_public: false });
    const key = welcome.access_key!;
    const wrong = key === "000000" ? "111111" : "000000";
    const from = address();
    for (let i = 0; i < h.config.KEY_ATTEMPTS_PER_IP_PER_MIN; i++) {
      const r = await raw(from);
      await assert.rejects(r.hello(room.roomId, "Guesser", wrong), /Wrong access key or invite/);
    }
    const throttled = await raw(from);
    await assert.rejects(throttled.hello(room.roomId, "Guesser", key), /Too many wrong access keys/);
    // another viewer's address is not throttled: the gateway forwards each client's own address
    const friend = await raw();
    await friend.hello(room.roomId, "Friend", key);
    const withInvite = await raw();
    await withInvite.hello(room.roomId, "Invited", welcome.invite!);
    await eventually(() => room.state.members.size === 3, 3000, "two Syncplay members joined");
  });

  it("a chat line becomes a comment at the player's position; comments and reactions reach Syncplay as chat", async () => {
    const { room } = await host();
    const r = await raw();
    await r.hello(room.roomId, "Mika");
    room.send("control", { action: "seek", current_time: 42 });
    await r.next((m) => m.State?.playstate?.position === 42 && m.State.playstate.doSeek === true);
    await eventually(() => room.state.members.get(mika(room))?.position === 42, 3000, "its report of 42 s");
    const comment = nextMessage(room, "comment");
    r.send({ Chat: "that scene!" });
    const c = await comment;
    assert.equal(c.message, "that scene!");
    assert.equal(c.username, "Mika");
    assert.ok(Math.abs(c.video_timestamp - 42) < 1, `at ${c.video_timestamp}`);
    await r.next((m) => m.Chat?.message === "that scene!" && m.Chat.username === "Mika");
    // stored under the episode (the write may land just after the broadcast)
    await eventually(
      async () => {
        const { body } = await http(
          h,
          "GET",
          `/api/comments?anime_id=${encodeURIComponent(room.state.anime_id)}&episode_number=3`,
        );
        return JSON.stringify(body).includes("that scene!");
      },
      5000,
      "the comment stored under the episode",
    );

    room.send("comment", { message: "welcome, desktop people" });
    await r.next((m) => m.Chat?.message === "welcome, desktop people" && m.Chat.username === "Hana");
    room.send("reaction", { emoji: "🔥", video_timestamp: 42 });
    await r.next((m) => m.Chat?.message === "🔥" && m.Chat.username === "Hana");
  });

  it("a muted Syncplay member's chat is not posted, and they are told why", async () => {
    const { room } = await host();
    const r = await raw();
    await r.hello(room.roomId, "Mika");
    const id = await eventually(() => mika(room), 3000, "joined");
    room.send("mute", { user_id: id, muted: true });
    await eventually(() => room.state.members.get(id)?.muted, 3000, "muted");
    r.send({ Chat: "spoiler!" });
    await r.next((m) => m.Chat?.username === "AniSync" && /not posted \(MUTED/.test(m.Chat.message));
    assert.equal(r.messages.filter((m) => m.Chat?.message === "spoiler!").length, 0);
  });

  it("removal and ban close the connection with a message; a banned viewer is refused on return", async () => {
    const { room } = await host();
    const from = address();
    const r = await raw(from);
    await r.hello(room.roomId, "Troll");
    const id = await eventually(
      () => [...room.state.members.values()].find((m: any) => m.username === "Troll")?.user_id as string,
      3000,
    );
    room.send("remove_member", { user_id: id, reason: "spoilers" });
    assert.match(await errorOf(r), /removed from the room: spoilers/);
    await r.closed;

    const again = await raw(from);
    await again.hello(room.roomId, "Troll");
    await eventually(() => room.state.members.get(id)?.connected, 3000, "back in");
    room.send("ban", { user_id: id });
    assert.match(await errorOf(again), /banned/);
    const refused = await raw(from);
    await assert.rejects(refused.hello(room.roomId, "Troll"), /banned/);
  });

  it("the room's ready check reaches Syncplay members; their ready toggle answers it", async () => {
    const { room } = await host();
    const r = await raw();
    await r.hello(room.roomId, "Mika");
    await eventually(() => mika(room), 3000, "joined");
    room.send("ready_check", { timeout_s: 60 });
    await r.next((m) => m.Set?.ready?.username === "Mika" && m.Set.ready.isReady === false);
    await r.next((m) => typeof m.Chat?.message === "string" && m.Chat.message.startsWith("Ready check"));
    r.send({ Set: { ready: { isReady: true, manuallyInitiated: true } } });
    await eventually(() => room.state.members.get(mika(room))?.ready === "ready", 3000, "answered ready");
  });

  it("the queue is the shared playlist: an auto-advance moves its index, with a chat line and a seek to the start; a different-length file is flagged", async () => {
    const { room } = await host();
    room.send("queue_add", {
      items: [
        {
          anime_id: "frieren",
          anime_title: "Frieren",
          episode_number: 4,
          video_url: "https://videos.example/frieren-04.webm",
          duration_s: 1420,
        },
      ],
    });
    await eventually(() => room.state.queue.length === 2, 3000, "queued");
    room.send("control", { action: "seek", current_time: 300 });
    const r = await raw();
    await r.hello(room.roomId, "Mika");
    assert.deepEqual(await r.next((m) => m.Set?.playlistChange !== undefined), {
      Set: { playlistChange: { user: null, files: ["frieren-03.webm", "frieren-04.webm"] } },
    });
    assert.deepEqual(await r.next((m) => m.Set?.playlistIndex !== undefined), {
      Set: { playlistIndex: { user: null, index: 0 } },
    });
    // the client's own playlist changes are not the room's
    r.send({ Set: { playlistIndex: { index: 1 } } });
    r.send({ Set: { playlistChange: { files: ["mine.mkv"] } } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(room.state.queue.length, 2);
    assert.equal(room.state.current_item, room.state.queue[0].item_id);

    room.send("advance_now", {});
    await r.next(
      (m) => m.Chat?.username === "AniSync" && /^Now playing 2\/2: Frieren episode 4/.test(m.Chat.message),
    );
    assert.deepEqual(await r.next((m) => m.Set?.playlistIndex?.index === 1), {
      Set: { playlistIndex: { user: "AniSync", index: 1 } },
    });
    await r.next((m) => m.State?.playstate?.position < 0.5 && m.State.playstate.doSeek === true);
    r.send({ Set: { file: { name: "frieren-04-other-cut.mkv", duration: 1500, size: 1 } } });
    await r.next(
      (m) => m.Chat?.username === "AniSync" && /25:00 long; this episode is 23:40/.test(m.Chat.message),
    );
    // and everyone sees it in the member list
    const mika = () => [...room.state.members.values()].find((m: any) => m.username === "Mika");
    await eventually(() => mika()?.different_file === true, 3000, "flagged in the member list");
    assert.equal(mika().media_name, "frieren-04-other-cut.mkv");
    assert.equal(mika().media_duration_s, 1500);
    r.send({ Set: { file: { name: "frieren-04.mkv", duration: 1421, size: 1 } } });
    await eventually(() => mika()?.different_file === false, 3000, "a file of the episode's length is not");
  });

  it("a queue edit reaches a Syncplay member as the new playlist; the same item at a new place is marked without a switch", async () => {
    const { room } = await host();
    const r = await raw();
    await r.hello(room.roomId, "Mika");
    await r.next((m) => m.Set?.playlistIndex !== undefined);
    const item = (n: number) => ({
      anime_id: "frieren",
      anime_title: "Frieren",
      episode_number: n,
      video_url: `https://videos.example/frieren-0${n}.webm`,
    });
    room.send("queue_add", { items: [item(4), item(5)] });
    assert.deepEqual(await r.next((m) => m.Set?.playlistChange?.files.length === 3), {
      Set: {
        playlistChange: { user: "Hana", files: ["frieren-03.webm", "frieren-04.webm", "frieren-05.webm"] },
      },
    });
    room.send("queue_move", { item_id: room.state.current_item, index: 2 });
    assert.deepEqual(await r.next((m) => m.Set?.playlistIndex?.index === 2), {
      Set: { playlistIndex: { user: null, index: 2 } },
    });
  });

  describe("hostile input closes only that connection", () => {
    let room: Room<any>;
    let bystander: RawSyncplay;
    beforeEach(async () => {
      room = (await host()).room;
      bystander = await raw();
      await bystander.hello(room.roomId, "Bystander");
    });
    afterEach(async () => {
      // the bystander is still served: a fresh State arrives and it is still a member
      const before = bystander.messages.length;
      await bystander.next((m) => "State" in m && bystander.messages.indexOf(m) >= before, 3000);
      assert.equal(bystander.socket.destroyed, false);
      assert.ok([...room.state.members.values()].some((m: any) => m.username === "Bystander" && m.connected));
    });

    const cases: [string, (r: RawSyncplay) => void, RegExp][] = [
      ["a line over 64 KB", (r) => r.send(`{"Chat":"${"x".repeat(70 * 1024)}`), /over 64 KB/],
      ["malformed JSON", (r) => r.send("{not json\r\n"), /Malformed message \(not JSON\)/],
      ["an unknown message type", (r) => r.send({ Launch: { missiles: true } }), /unknown message type/],
      [
        "a flood of States",
        (r) => r.send(`${JSON.stringify({ State: { ping: {} } })}\r\n`.repeat(200)),
        /Too many messages/,
      ],
    ];
    for (const [what, act, message] of cases) {
      it(`${what}: an Error, then the connection is closed`, async () => {
        const r = await raw();
        await r.hello(room.roomId, "Hostile");
        act(r);
        assert.match(await errorOf(r), message);
        await r.closed;
      });
    }

    it("too many connections from one address: the one over the limit gets an Error and is closed", async () => {
      const from = address();
      const held: RawSyncplay[] = [];
      for (let i = 0; i < MAX_CONNECTIONS_PER_ADDRESS; i++) held.push(await raw(from));
      const extra = await raw(from);
      assert.match(await errorOf(extra), /Too many connections from your address/);
      await extra.closed;
      for (const r of held) r.end();
      await eventually(
        async () => {
          const again = await raw(from);
          const answer = await Promise.race([
            again.closed.then(() => "closed"),
            new Promise((r) => setTimeout(() => r("open"), 200)),
          ]);
          return answer === "open";
        },
        3000,
        "a slot free again",
      );
    });

    it("silence: a client that sends nothing is closed at SYNCPLAY_START_TIMEOUT_S after it opened", async () => {
      const r = await raw();
      r.send({ TLS: { startTLS: "send" } });
      assert.match(await errorOf(r, 25_000), /Nothing received for 20 s/);
      await r.closed;
    });

    it("silence: a member that stops answering after its start-up is closed after SYNCPLAY_IDLE_TIMEOUT_S", async function () {
      this.timeout(45_000);
      const r = await raw();
      await r.hello(room.roomId, "Quiet");
      await new Promise((resolve) => setTimeout(resolve, 20_000)); // answering States, past the start-up bound
      r.following = false;
      const stopped = Date.now();
      assert.match(await errorOf(r).then(String), /Nothing received for 3 s/);
      assert.ok(Date.now() - stopped < 4500, `closed ${Date.now() - stopped} ms after it stopped`);
      await r.closed;
    });

    it("a client silent after its TLS probe while its player starts, longer than the idle bound, still joins", async () => {
      // the real client blocks on starting mpv between its probe and its Hello (seen: 4–10 s)
      const r = await raw();
      r.send({ TLS: { startTLS: "send" } });
      await r.next((m) => "TLS" in m);
      await new Promise((resolve) => setTimeout(resolve, 4000));
      assert.equal(r.socket.destroyed, false, "still open after 4 s (idle bound 3 s)");
      await r.hello(room.roomId, "Slow starter");
      await eventually(
        () => [...room.state.members.values()].some((m: any) => m.username === "Slow starter"),
        3000,
        "joined",
      );
    });

    it("before Hello: anything else is refused", async () => {
      const r = await raw();
      r.send({ List: null });
      assert.match(await errorOf(r), /Send Hello first/);
      await r.closed;
    });
  });

  it("metric labels stay bounded: an invented message type counts as unknown", async () => {
    const r = await raw();
    r.send({ ["x".repeat(30)]: 1 });
    await r.closed;
    const { body } = await http(h, "GET", "/metrics", undefined, {
      authorization: `Basic ${Buffer.from(`admin:${h.config.ADMIN_PASSWORD}`).toString("base64")}`,
    });
    const text = String(body);
    assert.match(text, /anisync_syncplay_messages_in_total\{type="unknown"\} \d+/);
    assert.doesNotMatch(text, /xxxxxxxxxx/);
    assert.match(text, /anisync_syncplay_closed_total\{reason="malformed"\} \d+/);
  });
});
