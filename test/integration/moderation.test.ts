import assert from "node:assert/strict";
import * as repo from "../../src/db/rooms-repo.ts";
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

/** Moderation by the host and the owner: remove, ban (across key, invite and dormancy), unban, mute; over HTTP too. */
describe("moderation: remove, ban, mute", function () {
  this.timeout(30_000);
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

  it("a removed member is told why, and its member token stops working at once", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    const troll = await joined(sdk(h).joinById(host.room.roomId, { user_id: uid("troll"), username: "T" }));
    rooms.push(host.room, troll.room);
    const gone = new Promise<[number, string | undefined]>((resolve) =>
      troll.room.onLeave((code, reason) => resolve([code, reason])),
    );
    host.room.send("remove_member", { user_id: troll.welcome.user_id, reason: "spoilers" });
    assert.deepEqual(await gone, [4000, "REMOVED: spoilers"]);
    const res = await http(
      h,
      "POST",
      "/api/comments",
      { message: "still here?" },
      bearer(troll.welcome.member_token),
    );
    assert.equal(res.status, 401);
    await eventually(() => !host.room.state.members.has(troll.welcome.user_id), 2000, "gone from the state");
  });

  it("a banned user is refused with BANNED, with the right key or an invite too, also after the room slept; unban lets them in", async () => {
    const opts = createOptions({ is_public: false });
    const host = await joined(sdk(h).create("watch_party", opts));
    const roomId = host.room.roomId;
    const { access_key, invite } = host.welcome;
    const bannedId = uid("banned");
    const user = await joined(sdk(h).joinById(roomId, { user_id: bannedId, username: "B", access_key }));
    rooms.push(user.room);
    const gone = new Promise<string | undefined>((resolve) =>
      user.room.onLeave((_c, reason) => resolve(reason)),
    );
    host.room.send("ban", { user_id: bannedId, reason: "harassment" });
    assert.equal(await gone, "BANNED: harassment");
    await refusedWith(sdk(h).joinById(roomId, { user_id: bannedId, username: "B", access_key }), "BANNED");
    await refusedWith(sdk(h).joinById(roomId, { user_id: bannedId, username: "B", invite }), "BANNED");

    await host.room.leave();
    // asleep: the ban comes back from the database when the room wakes
    await eventually(
      async () => (await repo.getRoom(h.app.services.database.db, roomId))?.status === "dormant",
      5000,
      "dormant",
    );
    await refusedWith(sdk(h).joinById(roomId, { user_id: bannedId, username: "B", access_key }), "BANNED");

    const back = await joined(
      sdk(h).joinById(roomId, { user_id: opts.host_user_id, username: "Hana", access_key }),
    );
    rooms.push(back.room);
    back.room.send("unban", { user_id: bannedId });
    await eventually(
      async () => {
        try {
          const again = await joined(
            sdk(h).joinById(roomId, { user_id: bannedId, username: "B", access_key }),
          );
          rooms.push(again.room);
          return true;
        } catch {
          return false;
        }
      },
      3000,
      "unbanned user joins",
    );
    const stats = await http(
      h,
      "GET",
      `/api/rooms/${roomId}/stats`,
      undefined,
      bearer(back.welcome.member_token),
    );
    assert.equal(stats.body.data.moderation_actions, 2, "ban and unban are stored and counted");
  });

  it("a muted member's comments are refused with MUTED; a co-host or member cannot moderate; the owner cannot be removed; a removed co-host comes back a member", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    const a = await joined(sdk(h).joinById(host.room.roomId, { user_id: uid("a"), username: "A" }));
    const b = await joined(sdk(h).joinById(host.room.roomId, { user_id: uid("b"), username: "B" }));
    rooms.push(host.room, a.room, b.room);
    host.room.send("mute", { user_id: a.welcome.user_id, muted: true });
    await eventually(() => a.room.state.members.get(a.welcome.user_id)?.muted, 2000, "muted");
    const muted = nextMessage(a.room, "error");
    a.room.send("comment", { message: "let me talk" });
    assert.equal((await muted).code, "MUTED");

    host.room.send("set_cohost", { user_id: b.welcome.user_id, cohost: true });
    await eventually(() => b.room.state.members.get(b.welcome.user_id)?.is_cohost, 2000, "co-host");
    const notHost = nextMessage(b.room, "error");
    b.room.send("remove_member", { user_id: a.welcome.user_id });
    assert.equal((await notHost).code, "NOT_HOST");
    const owner = nextMessage(host.room, "error");
    host.room.send("ban", { user_id: host.welcome.user_id });
    assert.equal((await owner).code, "FORBIDDEN");

    const removed = new Promise((resolve) => b.room.onLeave(resolve));
    host.room.send("remove_member", { user_id: b.welcome.user_id });
    await removed;
    const back = await joined(
      sdk(h).joinById(host.room.roomId, { user_id: b.welcome.user_id, username: "B" }),
    );
    rooms.push(back.room);
    assert.equal(
      back.room.state.members.get(b.welcome.user_id)?.is_cohost,
      false,
      "removed: co-host no more",
    );
  });

  it("a mute holds when the member leaves and rejoins, and after the room slept", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    const roomId = host.room.roomId;
    const aId = uid("a");
    const a = await joined(sdk(h).joinById(roomId, { user_id: aId, username: "A" }));
    host.room.send("mute", { user_id: aId, muted: true });
    await eventually(() => a.room.state.members.get(aId)?.muted, 2000, "muted");
    await a.room.leave();
    const again = await joined(sdk(h).joinById(roomId, { user_id: aId, username: "A" }));
    await eventually(() => again.room.state.members.get(aId)?.muted, 2000, "still muted after rejoining");
    const refused = nextMessage(again.room, "error");
    again.room.send("comment", { message: "I left, so I can talk now?" });
    assert.equal((await refused).code, "MUTED");
    await again.room.leave();
    await host.room.leave(); // the room sleeps
    const woken = await joined(sdk(h).joinById(roomId, { user_id: aId, username: "A" }));
    rooms.push(woken.room);
    await eventually(
      () => woken.room.state.members.get(aId)?.muted,
      2000,
      "still muted after the room slept",
    );
  });

  it("queue and moderation work over HTTP with a member token (bots, site backends)", async () => {
    const opts = createOptions();
    const host = await joined(sdk(h).create("watch_party", opts));
    const m = await joined(sdk(h).joinById(host.room.roomId, { user_id: uid("m"), username: "M" }));
    rooms.push(host.room, m.room);
    const item = {
      anime_id: opts.anime_id,
      anime_title: "Frieren",
      episode_number: 4,
      video_url: "https://v.example/4.webm",
    };
    const roomId = host.room.roomId;
    const add = await http(
      h,
      "POST",
      `/api/rooms/${roomId}/messages/queue_add`,
      { items: [item] },
      bearer(host.welcome.member_token),
    );
    assert.equal(add.status, 200, JSON.stringify(add.body));
    await eventually(() => m.room.state.queue.length === 2, 2000, "queued over HTTP");
    const refused = await http(
      h,
      "POST",
      `/api/rooms/${roomId}/messages/queue_add`,
      { items: [item] },
      bearer(m.welcome.member_token),
    );
    assert.deepEqual([refused.status, refused.body.error.code], [403, "NOT_HOST"]);
    for (const type of ["nope", "status", "time"]) {
      const res = await http(
        h,
        "POST",
        `/api/rooms/${roomId}/messages/${type}`,
        {},
        bearer(host.welcome.member_token),
      );
      assert.deepEqual([res.status, res.body.error.code], [400, "INVALID_INPUT"], `${type} over HTTP`);
    }
    const gone = new Promise((resolve) => m.room.onLeave(resolve));
    const kick = await http(
      h,
      "POST",
      `/api/rooms/${roomId}/messages/remove_member`,
      { user_id: m.welcome.user_id },
      bearer(host.welcome.member_token),
    );
    assert.equal(kick.status, 200);
    await gone;
  });
});
