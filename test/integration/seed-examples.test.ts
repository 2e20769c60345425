import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client, type Room } from "@colyseus/sdk";
import { startServerProcess, type ServerProcess } from "../helpers/process.ts";
import { eventually, nextMessage, server, uid } from "../helpers/server.ts";

/**
 * The request bodies of the original design, sent as a client written from its examples sends
 * them: the fields that restate what the server knows (the token's room, the room's anime and
 * episode, the caller's id and name) are accepted when they agree and refused, naming the field,
 * when they contradict it.
 */
type Call = (
  method: string,
  route: string,
  body?: unknown,
  token?: string,
) => Promise<{ status: number; body: any }>;

function caller(baseUrl: () => string): Call {
  return async (method, route, body, token) => {
    const res = await fetch(`${baseUrl()}${route}`, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
}

/** The seed's bodies; `withIds: false` leaves out the identity fields (guest mode issues identities). */
function seedBodies(anime: string, withIds: boolean) {
  const hostId = uid("host");
  const memberId = uid("member");
  const ids = <T extends object>(body: T, ident: Record<string, string>) =>
    withIds ? { ...body, ...ident } : body;
  return {
    hostId,
    memberId,
    create: ids(
      {
        title: "Friday night",
        anime_id: anime,
        anime_title: "Frieren",
        episode_number: 3,
        video_url: "https://example.com/ep3.webm",
        host_username: "Hana",
        avatar_url: "https://example.com/hana.png",
        is_public: true,
      },
      { host_user_id: hostId },
    ),
    join: ids({ username: "Gus", avatar_url: "https://example.com/gus.png" }, { user_id: memberId }),
    control: (roomId: string, userId: string) => ({
      room_id: roomId,
      ...(withIds && { user_id: userId }),
      action: "seek",
      current_time: 42,
    }),
    comment: (roomId: string, userId: string) => ({
      anime_id: anime,
      room_id: roomId,
      episode_number: 3,
      ...(withIds && { user_id: userId }),
      username: "Gus",
      message: "that cut at 0:42!",
      video_timestamp: 42,
    }),
    status: (roomId: string, userId: string) => ({
      room_id: roomId,
      ...(withIds && { user_id: userId }),
      position: 42,
      is_playing: false,
      sync_status: "synced",
    }),
  };
}

function exercise(mode: "open" | "guest", call: () => Call, baseUrl: () => string) {
  const rooms: Room<any>[] = [];
  afterEach(async () => {
    await Promise.all(rooms.splice(0).map((r) => (r.connection?.isOpen ? r.leave() : undefined)));
  });
  const consume = async (reservation: any) => {
    const room: Room<any> = await new Client(baseUrl()).consumeSeatReservation(reservation);
    room.reconnection.enabled = false;
    rooms.push(room);
    return room;
  };

  it(`rooms-create, rooms-join, sync-control, comments-create and members-update-status succeed (${mode})`, async () => {
    const anime = uid("anime");
    const seed = seedBodies(anime, mode === "open");
    const created = await call()("POST", "/api/rooms", seed.create);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const roomId = created.body.data.room.room_id as string;
    const hostId = created.body.data.user_id as string;
    if (mode === "open") assert.equal(hostId, seed.hostId);
    const host = await consume(created.body.data.reservation);
    const hostToken = created.body.data.member_token as string;

    const joinedRes = await call()("POST", `/api/rooms/${roomId}/join`, seed.join);
    assert.equal(joinedRes.status, 200, JSON.stringify(joinedRes.body));
    const memberId = joinedRes.body.data.user_id as string;
    const member = await consume(joinedRes.body.data.reservation);
    const memberToken = joinedRes.body.data.member_token as string;
    await eventually(() => host.state.members.size === 2, 5000, "both seated");

    const control = await call()(
      "POST",
      `/api/rooms/${roomId}/control`,
      seed.control(roomId, hostId),
      hostToken,
    );
    assert.equal(control.status, 200, JSON.stringify(control.body));
    await eventually(() => member.state.playback.position === 42, 5000, "the member sees the seek");

    const delivered = nextMessage(host, "comment");
    const comment = await call()("POST", "/api/comments", seed.comment(roomId, memberId), memberToken);
    assert.equal(comment.status, 201, JSON.stringify(comment.body));
    assert.equal(comment.body.data.message, "that cut at 0:42!");
    assert.equal(comment.body.data.user_id, memberId);
    assert.equal((await delivered).id, comment.body.data.id, "the host's page shows it");

    const status = await call()(
      "PATCH",
      `/api/rooms/${roomId}/members/${memberId}`,
      seed.status(roomId, memberId),
      memberToken,
    );
    assert.equal(status.status, 200, JSON.stringify(status.body));
    await eventually(
      () => {
        const m = host.state.members.get(memberId);
        return m?.position === 42 && m.sync_status === "synced";
      },
      5000,
      "the member's reported position and status in the state",
    );
  });

  it(`a contradicting episode_number, room_id or user_id is refused naming the field and changes nothing (${mode})`, async () => {
    const anime = uid("anime");
    const seed = seedBodies(anime, mode === "open");
    const created = await call()("POST", "/api/rooms", seed.create);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const roomId = created.body.data.room.room_id as string;
    const hostId = created.body.data.user_id as string;
    const host = await consume(created.body.data.reservation);
    const token = created.body.data.member_token as string;
    const comment = { ...seed.comment(roomId, hostId), username: "Hana" };

    const refusals: [string, unknown, string][] = [
      ["/api/comments", { ...comment, episode_number: 4 }, "episode_number: must be 3"],
      ["/api/comments", { ...comment, room_id: "someOtherRoom" }, `room_id: must be "${roomId}"`],
      ["/api/comments", { ...comment, user_id: "someone-else" }, `user_id: must be "${hostId}"`],
      ["/api/comments", { ...comment, anime_id: "another-anime" }, `anime_id: must be "${anime}"`],
      ["/api/comments", { ...comment, mood: "happy" }, "mood: unknown field"],
      [
        `/api/rooms/${roomId}/control`,
        { ...seed.control(roomId, hostId), user_id: "x" },
        `user_id: must be "${hostId}"`,
      ],
    ];
    for (const [route, body, message] of refusals) {
      const res = await call()("POST", route, body, token);
      assert.equal(res.status, 400, `${route} ${JSON.stringify(body)}`);
      assert.equal(res.body.error.code, "INVALID_INPUT");
      assert.ok(
        res.body.error.message.startsWith(message),
        `${res.body.error.message} starts with ${message}`,
      );
    }
    const patch = await call()(
      "PATCH",
      `/api/rooms/${roomId}/members/${hostId}`,
      { ...seed.status(roomId, hostId), room_id: "someOtherRoom" },
      token,
    );
    assert.equal(patch.status, 400);
    assert.match(patch.body.error.message, /^room_id: must be/);
    assert.equal(host.state.playback.seq, 0, "no control was applied");
    const thread = await call()("GET", `/api/comments?anime_id=${anime}&episode_number=3`);
    assert.deepEqual(thread.body.data.comments, [], "no comment was stored");
  });
}

describe("the seed's examples as written", function () {
  this.timeout(60_000);

  describe("AUTH_MODE=open: the bodies exactly as the seed shows them", () => {
    let baseUrl = "";
    before(async () => {
      baseUrl = (await server()).baseUrl;
    });
    exercise(
      "open",
      () => caller(() => baseUrl),
      () => baseUrl,
    );
  });

  describe("AUTH_MODE=guest (the default): the same bodies without host_user_id and user_id", () => {
    let srv: ServerProcess;
    before(async () => {
      srv = await startServerProcess({
        DATABASE_URL: process.env.DATABASE_URL,
        DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-seed-")),
        REDIS_URL: "",
        LOG_LEVEL: "warn",
        AUTH_MODE: "",
      });
    });
    after(async () => {
      await srv?.stop();
    });
    exercise(
      "guest",
      () => caller(() => srv.baseUrl),
      () => srv.baseUrl,
    );

    it("the seed's create body with host_user_id is refused with how to fix it", async () => {
      const seed = seedBodies(uid("anime"), true);
      const res = await caller(() => srv.baseUrl)("POST", "/api/rooms", seed.create);
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, "FORBIDDEN");
      assert.match(res.body.error.message, /^host_user_id: differs from your verified identity/);
      assert.match(res.body.error.message, /leave host_user_id out/);
      assert.match(res.body.error.message, /AUTH_MODE=open/);
    });
  });
});
