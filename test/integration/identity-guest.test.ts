import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client, type Room } from "@colyseus/sdk";
import { startServerProcess, type ServerProcess } from "../helpers/process.ts";
import { eventually, nextMessage, refusedWith, uid } from "../helpers/server.ts";
import type { WelcomeMessage } from "../../schema/messages.ts";

/** A server in the default mode (AUTH_MODE=guest), as `npm start` runs it. */
describe("identity: guest mode (the default)", function () {
  this.timeout(60_000);
  let srv: ServerProcess;
  const open: Room[] = [];
  before(async () => {
    srv = await startServerProcess({
      DATABASE_URL: process.env.DATABASE_URL,
      DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-guest-")),
      REDIS_URL: "",
      LOG_LEVEL: "warn",
      AUTH_MODE: "",
      KEY_ATTEMPTS_PER_ROOM_PER_HOUR: "3",
      RECONNECT_WINDOW_S: "1",
    });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => (r.connection?.isOpen ? r.leave() : undefined)));
  });
  after(async () => {
    await srv?.stop();
  });

  const client = (token?: string) => {
    const c = new Client(srv.baseUrl);
    if (token) c.auth.token = token;
    return c;
  };
  const seated = async (p: Promise<Room<any>>) => {
    const room = await p;
    room.reconnection.enabled = false;
    open.push(room);
    return { room, welcome: await nextMessage<WelcomeMessage>(room, "welcome") };
  };
  const roomOptions = (extra: Record<string, unknown> = {}) => ({
    title: "Night",
    anime_id: uid("anime"),
    anime_title: "Frieren",
    episode_number: 1,
    video_url: "https://videos.example/1.webm",
    host_username: "Hana",
    ...extra,
  });
  const api = async (method: string, route: string, token?: string, body?: unknown) => {
    const res = await fetch(`${srv.baseUrl}${route}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
  };
  const sleepsAfterLeaving = async (roomId: string, token: string) =>
    eventually(
      async () => (await api("GET", `/api/rooms/${roomId}/stats`, token)).body?.data?.status === "dormant",
      8000,
      "dormant",
    );

  it("a plain SDK client that presents no identity gets a guest identity in welcome, and keeps it", async () => {
    const host = await seated(client().create("watch_party", roomOptions()));
    assert.match(host.welcome.user_id, /^g_[A-Za-z0-9_-]{16}$/);
    assert.equal(host.welcome.is_owner, true);
    assert.equal(host.welcome.is_host, true);
    const token = host.welcome.identity_token!;
    assert.ok(token, "identity_token in welcome");
    const me = await api("GET", "/auth/userdata", token);
    assert.deepEqual(me.body, { user: { id: host.welcome.user_id } });
    const again = await seated(client(token).create("watch_party", roomOptions()));
    assert.equal(again.welcome.user_id, host.welcome.user_id);
    assert.equal(again.welcome.identity_token, undefined, "no new identity when one was presented");
  });

  it("nobody joins as another user: a stated user_id of someone else is FORBIDDEN, a tampered token UNAUTHORIZED", async () => {
    const host = await seated(client().create("watch_party", roomOptions()));
    const roomId = host.room.roomId;
    // the listing shows host_user_id: a stranger tries it, with and without an identity of their own
    const listed = (await api("GET", `/api/rooms/${roomId}`)).body.data.host_user_id;
    assert.equal(listed, host.welcome.user_id);
    await refusedWith(client().joinById(roomId, { user_id: listed, username: "X" }), "FORBIDDEN");
    const stranger = (await api("POST", "/auth/anonymous")).body.token as string;
    await refusedWith(client(stranger).joinById(roomId, { user_id: listed, username: "X" }), "FORBIDDEN");
    const [h, p, s] = stranger.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: listed })).toString("base64url")}.${s}`;
    await refusedWith(client(forged).joinById(roomId, { username: "X" }), "UNAUTHORIZED");
    const http = await api("POST", `/api/rooms/${roomId}/join`, forged, { username: "X" });
    assert.deepEqual([http.status, http.body.error.code], [401, "UNAUTHORIZED"]);
    const created = await api("POST", "/api/rooms", stranger, roomOptions({ host_user_id: listed }));
    assert.deepEqual([created.status, created.body.error.code], [403, "FORBIDDEN"]);
    assert.equal(host.room.state.members.size, 1);
  });

  it("a stranger who wakes a dormant room may host it but not delete it or rotate its key; the owner back is host again", async () => {
    const owner = await seated(client().create("watch_party", roomOptions()));
    const roomId = owner.room.roomId;
    const ownerToken = owner.welcome.identity_token!;
    await owner.room.leave();
    await sleepsAfterLeaving(roomId, owner.welcome.member_token);
    const stranger = await seated(client().joinById(roomId, { username: "Waker" }));
    assert.equal(stranger.welcome.is_host, true);
    assert.equal(stranger.welcome.is_owner, false);
    const strangerId = stranger.welcome.identity_token!;
    for (const token of [stranger.welcome.member_token, strangerId]) {
      const del = await api("DELETE", `/api/rooms/${roomId}`, token);
      assert.deepEqual([del.status, del.body.error.code], [403, "NOT_OWNER"]);
    }
    const rotate = await api("POST", `/api/rooms/${roomId}/access`, strangerId);
    assert.deepEqual([rotate.status, rotate.body.error.code], [403, "NOT_OWNER"]);
    const back = await seated(client(ownerToken).joinById(roomId, { username: "Hana" }));
    assert.equal(back.welcome.is_host, true);
    assert.equal(back.welcome.is_owner, true);
    await eventually(() => stranger.room.state.host_user_id === owner.welcome.user_id, 3000, "owner is host");
    assert.equal(stranger.room.state.owner_user_id, owner.welcome.user_id);
    assert.equal(stranger.room.state.members.get(stranger.welcome.user_id).is_host, false);
    const del = await api("DELETE", `/api/rooms/${roomId}`, ownerToken);
    assert.equal(del.status, 200);
    assert.equal((await api("GET", `/api/rooms/${roomId}`)).status, 404);
  });

  it("a member token from an earlier stay is refused by every member route", async () => {
    const owner = await seated(client().create("watch_party", roomOptions({ is_public: false })));
    const roomId = owner.room.roomId;
    const guestClient = client();
    const first = await seated(
      guestClient.joinById(roomId, { username: "Gus", access_key: owner.welcome.access_key }),
    );
    const old = first.welcome.member_token;
    await first.room.leave();
    await eventually(() => !owner.room.state.members.has(first.welcome.user_id), 3000, "left");
    const identity = first.welcome.identity_token!;
    const second = await seated(client(identity).joinById(roomId, { username: "Gus" }));
    assert.equal(second.welcome.user_id, first.welcome.user_id);
    const calls: Array<[string, string, unknown?]> = [
      ["POST", `/api/rooms/${roomId}/leave`],
      ["POST", `/api/rooms/${roomId}/control`, { action: "seek", current_time: 1 }],
      ["PATCH", `/api/rooms/${roomId}/members/${first.welcome.user_id}`, { username: "Renamed" }],
      ["POST", `/api/comments`, { message: "from an old stay" }],
      ["GET", `/api/rooms/${roomId}/members`],
      ["GET", `/api/rooms/${roomId}/playback`],
      ["GET", `/api/rooms/${roomId}/stats`],
      ["GET", `/api/rooms/${roomId}`],
      ["DELETE", `/api/rooms/${roomId}`],
      ["POST", `/api/rooms/${roomId}/access`],
    ];
    for (const [method, route, body] of calls) {
      const res = await api(method, route, old, body);
      assert.ok(
        [401, 403].includes(res.status),
        `${method} ${route} with an old stay's token: ${res.status}`,
      );
    }
    await eventually(
      () => owner.room.state.members.get(second.welcome.user_id)?.username === "Gus",
      3000,
      "the new stay's member, unrenamed",
    );
    assert.ok(second.room.connection.isOpen, "the new stay is untouched");
    const now = await api("GET", `/api/rooms/${roomId}/members`, second.welcome.member_token);
    assert.equal(now.status, 200);
  });

  it("a private room's id is on no public route; its routes are for members only", async () => {
    const anime = uid("private-anime");
    const owner = await seated(
      client().create("watch_party", roomOptions({ is_public: false, anime_id: anime })),
    );
    const roomId = owner.room.roomId;
    const posted = nextMessage(owner.room, "comment");
    owner.room.send("comment", { message: "secret room, public thread", video_timestamp: 12 });
    assert.equal((await posted).room_id, null);
    const other = await seated(client().create("watch_party", roomOptions()));
    const publicRoutes = [
      "/api/rooms",
      `/api/rooms?anime_id=${anime}`,
      `/api/comments?anime_id=${anime}&episode_number=1`,
      `/api/comments/history?anime_id=${anime}`,
      "/api/comments/history",
      "/health/realtime",
      "/metrics",
    ];
    for (const route of publicRoutes) {
      const res = await fetch(`${srv.baseUrl}${route}`);
      const text = await res.text();
      assert.equal(res.status, 200, route);
      assert.ok(!text.includes(roomId), `${route} does not name the private room`);
    }
    const thread = await api("GET", `/api/comments?anime_id=${anime}&episode_number=1`);
    assert.equal(thread.body.data.comments[0].message, "secret room, public thread");
    for (const route of [
      `/api/rooms/${roomId}`,
      `/api/rooms/${roomId}/members`,
      `/api/rooms/${roomId}/playback`,
      `/api/rooms/${roomId}/stats`,
    ]) {
      assert.equal((await api("GET", route)).status, 401, `${route} without a token`);
      assert.equal(
        (await api("GET", route, other.welcome.member_token)).status,
        403,
        `${route} with another room's token`,
      );
      assert.equal((await api("GET", route, owner.welcome.member_token)).status, 200, `${route} as a member`);
    }
    const stats = await api("GET", `/api/rooms/${roomId}/stats`, owner.welcome.member_token);
    assert.equal(stats.body.data.comments, 1);
  });

  it("after the key throttle trips, an invite still joins and an earlier member still rejoins; rotating retires both", async () => {
    const owner = await seated(client().create("watch_party", roomOptions({ is_public: false })));
    const roomId = owner.room.roomId;
    const { access_key, invite } = owner.welcome;
    assert.match(invite!, /^[A-Za-z0-9_-]{22,}$/, "a 128-bit invite");
    const member = await seated(client().joinById(roomId, { username: "Early", access_key }));
    const memberIdentity = member.welcome.identity_token!;
    await member.room.leave();
    for (let i = 0; i < 3; i++) {
      await refusedWith(
        client().joinById(roomId, {
          username: "Guess",
          access_key: "000000" === access_key ? "111111" : "000000",
        }),
        "INVALID_ACCESS_KEY",
      );
    }
    await refusedWith(client().joinById(roomId, { username: "Right key", access_key }), "TOO_MANY_ATTEMPTS");
    const invited = await seated(client().joinById(roomId, { username: "Invited", invite }));
    assert.equal(invited.welcome.is_host, false);
    const rejoined = await seated(client(memberIdentity).joinById(roomId, { username: "Early" }));
    assert.equal(rejoined.welcome.user_id, member.welcome.user_id);

    const rotated = await api("POST", `/api/rooms/${roomId}/access`, owner.welcome.identity_token);
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.data.invite, invite);
    await refusedWith(client().joinById(roomId, { username: "Old invite", invite }), "INVALID_ACCESS_KEY");
    const viaNew = await seated(
      client().joinById(roomId, { username: "New invite", invite: rotated.body.data.invite }),
    );
    assert.ok(viaNew.welcome.user_id);
    assert.ok(invited.room.connection.isOpen && rejoined.room.connection.isOpen, "seated members stay");
    await eventually(() => owner.room.state.members.size === 4, 3000, "four members");
  });

  it("rotating the key retires the old key; the owner is sent the new one", async () => {
    const owner = await seated(client().create("watch_party", roomOptions({ is_public: false })));
    const roomId = owner.room.roomId;
    const oldKey = owner.welcome.access_key!;
    const refreshed = nextMessage<WelcomeMessage>(owner.room, "welcome");
    const rotated = await api("POST", `/api/rooms/${roomId}/access`, owner.welcome.member_token);
    assert.equal(rotated.status, 200);
    assert.equal(
      (await refreshed).access_key,
      rotated.body.data.access_key,
      "the owner's welcome carries the new key",
    );
    if (rotated.body.data.access_key !== oldKey) {
      await refusedWith(
        client().joinById(roomId, { username: "Old key", access_key: oldKey }),
        "INVALID_ACCESS_KEY",
      );
    }
    const ok = await seated(
      client().joinById(roomId, { username: "New key", access_key: rotated.body.data.access_key }),
    );
    assert.equal(ok.welcome.is_owner, false);
  });
});

describe("identity: guest identities are limited per address", function () {
  this.timeout(60_000);
  let srv: ServerProcess;
  before(async () => {
    srv = await startServerProcess({
      DATABASE_URL: process.env.DATABASE_URL,
      DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-guest-rl-")),
      REDIS_URL: "",
      LOG_LEVEL: "warn",
      AUTH_MODE: "",
      RATE_GUEST_IDENTITY_PER_HOUR: "2",
    });
  });
  after(async () => {
    await srv?.stop();
  });

  it("POST /auth/anonymous and tokenless creates share RATE_GUEST_IDENTITY_PER_HOUR; past it both are RATE_LIMITED", async () => {
    const first = await fetch(`${srv.baseUrl}/auth/anonymous`, { method: "POST" });
    assert.equal(first.status, 201);
    const room = await new Client(srv.baseUrl).create("watch_party", {
      title: "Night",
      anime_id: uid("anime"),
      anime_title: "Frieren",
      episode_number: 1,
      video_url: "https://videos.example/1.webm",
      host_username: "Hana",
    });
    room.reconnection.enabled = false;
    await room.leave();
    const third = await fetch(`${srv.baseUrl}/auth/anonymous`, { method: "POST" });
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get("retry-after")) >= 1);
    await refusedWith(new Client(srv.baseUrl).joinById(room.roomId, { username: "Late" }), "RATE_LIMITED");
    // an identity already issued still works
    const token = ((await first.json()) as { token: string }).token;
    const c = new Client(srv.baseUrl);
    c.auth.token = token;
    const ok = await c.joinById(room.roomId, { username: "Kept" });
    ok.reconnection.enabled = false;
    await ok.leave();
  });
});
