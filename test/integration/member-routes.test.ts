import assert from "node:assert/strict";
import {
  createOptions,
  eventually,
  http,
  joined,
  leftAfterEach,
  sdk,
  server,
  uid,
  type Harness,
} from "../helpers/server.ts";
import { signMemberToken } from "../../src/security/member-token.ts";

describe("member-token routes: leave, delete, control, member update", function () {
  this.timeout(30_000);
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  async function party() {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const guest = await joined(sdk(h).joinById(host.room.roomId, { user_id: uid("g"), username: "Gus" }));
    rooms.push(guest.room);
    await eventually(() => host.room.state.members.size === 2);
    return { host, guest, roomId: host.room.roomId as string };
  }

  it("POST control as host moves every member at once; as a member it is NOT_HOST and changes nothing", async () => {
    const { host, guest, roomId } = await party();
    const res = await http(
      h,
      "POST",
      `/api/rooms/${roomId}/control`,
      { action: "play", current_time: 33 },
      bearer(host.welcome.member_token),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data.seq, 1);
    await eventually(() => guest.room.state.playback.seq === 1 && guest.room.state.playback.position === 33);

    const refused = await http(
      h,
      "POST",
      `/api/rooms/${roomId}/control`,
      { action: "pause", current_time: 1 },
      bearer(guest.welcome.member_token),
    );
    assert.deepEqual([refused.status, refused.body.error.code], [403, "NOT_HOST"]);
    const bad = await http(
      h,
      "POST",
      `/api/rooms/${roomId}/control`,
      { action: "rewind" },
      bearer(host.welcome.member_token),
    );
    assert.deepEqual([bad.status, bad.body.error.code], [400, "INVALID_INPUT"]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(guest.room.state.playback.seq, 1);
    await guest.room.leave();
    await host.room.leave();
  });

  it("tokens for another room, another user, expired or forged are refused and change nothing", async () => {
    const a = await party();
    const b = await party();
    const other = await http(
      h,
      "POST",
      `/api/rooms/${a.roomId}/control`,
      { action: "pause", current_time: 0 },
      bearer(b.host.welcome.member_token),
    );
    assert.deepEqual([other.status, other.body.error.code], [403, "FORBIDDEN"]);
    const user = await http(
      h,
      "PATCH",
      `/api/rooms/${a.roomId}/members/${a.host.welcome.user_id}`,
      { username: "Hacked" },
      bearer(a.guest.welcome.member_token),
    );
    assert.deepEqual([user.status, user.body.error.code], [403, "FORBIDDEN"]);
    const expired = signMemberToken(h.app.services.tokenSecret, {
      room_id: a.roomId,
      user_id: a.host.welcome.user_id,
      stay: "any",
      exp: Date.now() - 1,
    });
    const exp = await http(h, "DELETE", `/api/rooms/${a.roomId}`, undefined, bearer(expired));
    assert.deepEqual([exp.status, exp.body.error.code], [401, "UNAUTHORIZED"]);
    const forged = signMemberToken("f".repeat(40), {
      room_id: a.roomId,
      user_id: a.host.welcome.user_id,
      stay: "any",
      exp: Date.now() + 60_000,
    });
    const fake = await http(h, "DELETE", `/api/rooms/${a.roomId}`, undefined, bearer(forged));
    assert.deepEqual([fake.status, fake.body.error.code], [401, "UNAUTHORIZED"]);
    const none = await http(h, "POST", `/api/rooms/${a.roomId}/leave`);
    assert.deepEqual([none.status, none.body.error.code], [401, "UNAUTHORIZED"]);
    assert.equal(a.guest.room.state.members.get(a.host.welcome.user_id).username, "Hana");
    assert.equal(a.guest.room.state.playback.seq, 0);
    assert.equal(a.guest.room.state.members.size, 2);
    for (const p of [a, b]) {
      await p.guest.room.leave();
      await p.host.room.leave();
    }
  });

  it("PATCH member renames that member for everyone", async () => {
    const { host, guest, roomId } = await party();
    const res = await http(
      h,
      "PATCH",
      `/api/rooms/${roomId}/members/${guest.welcome.user_id}`,
      { username: "Gustav", avatar_url: "https://a.example/g.png" },
      bearer(guest.welcome.member_token),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data.username, "Gustav");
    await eventually(() => host.room.state.members.get(guest.welcome.user_id).username === "Gustav");
    assert.equal(host.room.state.members.get(guest.welcome.user_id).avatar_url, "https://a.example/g.png");
    const empty = await http(
      h,
      "PATCH",
      `/api/rooms/${roomId}/members/${guest.welcome.user_id}`,
      {},
      bearer(guest.welcome.member_token),
    );
    assert.deepEqual([empty.status, empty.body.error.code], [400, "INVALID_INPUT"]);
    await guest.room.leave();
    await host.room.leave();
  });

  it("POST leave takes the member out of the room", async () => {
    const { host, guest, roomId } = await party();
    const gone = new Promise<number>((resolve) => guest.room.onLeave((code) => resolve(code)));
    const res = await http(
      h,
      "POST",
      `/api/rooms/${roomId}/leave`,
      undefined,
      bearer(guest.welcome.member_token),
    );
    assert.deepEqual([res.status, res.body.data], [200, { left: true }]);
    assert.equal(await gone, 4000);
    await eventually(() => !host.room.state.members.has(guest.welcome.user_id), 3000, "guest removed");
    const again = await http(
      h,
      "POST",
      `/api/rooms/${roomId}/leave`,
      undefined,
      bearer(guest.welcome.member_token),
    );
    // the token belonged to that stay, which has ended
    assert.deepEqual([again.status, again.body.error.code], [401, "UNAUTHORIZED"]);
    await host.room.leave();
  });

  it("DELETE by the host disconnects every member with a reason and removes the room; a member cannot", async () => {
    const { host, guest, roomId } = await party();
    const refused = await http(
      h,
      "DELETE",
      `/api/rooms/${roomId}`,
      undefined,
      bearer(guest.welcome.member_token),
    );
    assert.deepEqual([refused.status, refused.body.error.code], [403, "NOT_OWNER"]);
    const reasons = [host.room, guest.room].map(
      (r) =>
        new Promise<[number, string | undefined]>((resolve) =>
          r.onLeave((code, reason) => resolve([code, reason])),
        ),
    );
    const res = await http(h, "DELETE", `/api/rooms/${roomId}`, undefined, bearer(host.welcome.member_token));
    assert.equal(res.status, 200);
    for (const [code, reason] of await Promise.all(reasons)) {
      assert.equal(code, 4000);
      assert.match(reason ?? "", /^ROOM_DELETED/);
    }
    await eventually(
      async () => (await http(h, "GET", `/api/rooms/${roomId}/members`)).status === 404,
      3000,
      "room gone",
    );
    await assert.rejects(sdk(h).joinById(roomId, { user_id: uid("late"), username: "Late" }), (e: any) =>
      e.message.startsWith("ROOM_NOT_FOUND:"),
    );
  });

  it("a member token ends with its stay: on the dormant room control and delete are 401; the owner back in deletes it", async () => {
    const opts = createOptions();
    const host = await joined(sdk(h).create("watch_party", opts));
    rooms.push(host.room);
    const roomId = host.room.roomId;
    await host.room.leave();
    await eventually(
      async () => (await http(h, "GET", `/api/rooms/${roomId}/stats`)).body.data?.status === "dormant",
      5000,
    );
    const ctl = await http(
      h,
      "POST",
      `/api/rooms/${roomId}/control`,
      { action: "play", current_time: 0 },
      bearer(host.welcome.member_token),
    );
    assert.deepEqual([ctl.status, ctl.body.error.code], [401, "UNAUTHORIZED"]);
    const stale = await http(
      h,
      "DELETE",
      `/api/rooms/${roomId}`,
      undefined,
      bearer(host.welcome.member_token),
    );
    assert.deepEqual([stale.status, stale.body.error.code], [401, "UNAUTHORIZED"]);
    const back = await joined(
      sdk(h).joinById(roomId, { user_id: opts.host_user_id, username: opts.host_username }),
    );
    rooms.push(back.room);
    assert.equal(back.welcome.is_owner, true);
    const del = await http(h, "DELETE", `/api/rooms/${roomId}`, undefined, bearer(back.welcome.member_token));
    assert.equal(del.status, 200);
    assert.equal((await http(h, "GET", `/api/rooms/${roomId}/playback`)).status, 404);
  });
});
