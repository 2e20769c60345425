import assert from "node:assert/strict";
import {
  createOptions,
  eventually,
  http,
  nextMessage,
  sdk,
  server,
  uid,
  type Harness,
} from "../helpers/server.ts";
import { verifyMemberToken } from "../../src/security/member-token.ts";

describe("HTTP rooms API", function () {
  this.timeout(20_000);
  let h: Harness;
  before(async () => {
    h = await server();
  });

  it("POST /api/rooms creates a room and a seat the host consumes with the SDK", async () => {
    const opts = createOptions({ is_public: false });
    const res = await http(h, "POST", "/api/rooms", opts);
    assert.equal(res.status, 201);
    const { room, access_key, member_token, reservation } = res.body.data;
    assert.equal(room.title, opts.title);
    assert.equal(room.is_public, false);
    assert.match(access_key, /^\d{6}$/);
    assert.equal(room.access_key, undefined);
    const claims = verifyMemberToken(h.app.services.tokenSecret, member_token, Date.now());
    assert.ok(
      claims.ok && claims.claims.user_id === opts.host_user_id && claims.claims.room_id === room.room_id,
    );

    const hostRoom = await sdk(h).consumeSeatReservation<any>(reservation);
    const welcome = await nextMessage(hostRoom, "welcome");
    assert.equal(welcome.is_host, true);
    assert.equal(welcome.access_key, access_key);

    const join = await http(h, "POST", `/api/rooms/${room.room_id}/join`, {
      user_id: uid("guest"),
      username: "Guest",
      access_key,
    });
    assert.equal(join.status, 200, JSON.stringify(join.body));
    const guestRoom = await sdk(h).consumeSeatReservation<any>(join.body.data.reservation);
    await eventually(() => hostRoom.state.members.size === 2, 3000, "guest joined");

    hostRoom.send("control", { action: "play", current_time: 7 });
    await eventually(() => guestRoom.state.playback.seq === 1);
    // a private room's playback and members are for its members
    const asHost = { authorization: `Bearer ${member_token}` };
    const pb = await http(h, "GET", `/api/rooms/${room.room_id}/playback`, undefined, asHost);
    assert.equal(pb.status, 200);
    assert.equal(pb.body.data.is_playing, true);
    assert.equal(pb.body.data.position, 7);
    assert.equal(pb.body.data.seq, 1);
    assert.ok(Math.abs(pb.body.data.server_time - Date.now()) < 1000);

    const members = await http(h, "GET", `/api/rooms/${room.room_id}/members`, undefined, asHost);
    assert.deepEqual(
      members.body.data.map((m: any) => m.username).sort(),
      ["Guest", opts.host_username].sort(),
    );
    assert.ok(!JSON.stringify(members.body).includes(access_key));

    await guestRoom.leave();
    await hostRoom.leave();
  });

  it("refusals come back in the error shape with the contract's status", async () => {
    const missing = await http(h, "POST", "/api/rooms/nope404/join", { user_id: "u", username: "u" });
    assert.deepEqual([missing.status, missing.body.error.code], [404, "ROOM_NOT_FOUND"]);
    assert.equal((await http(h, "GET", "/api/rooms/nope404/playback")).status, 404);
    assert.equal((await http(h, "GET", "/api/rooms/nope404/members")).body.error.code, "ROOM_NOT_FOUND");
    assert.equal((await http(h, "GET", "/api/no-such-route")).body.error.code, "NOT_FOUND");

    const created = await http(h, "POST", "/api/rooms", createOptions());
    const roomId = created.body.data.room.room_id;
    const again = await http(h, "POST", `/api/rooms/${roomId}/join`, {
      user_id: created.body.data.room.host_user_id,
      username: "Impostor",
    });
    assert.deepEqual([again.status, again.body.error.code], [409, "USER_ALREADY_IN_ROOM"]);
    const bad = await http(h, "POST", `/api/rooms/${roomId}/join`, { user_id: "" });
    assert.deepEqual([bad.status, bad.body.error.code], [400, "INVALID_INPUT"]);
  });

  it("GET /api/rooms pages through public rooms without skipping or repeating", async () => {
    const anime = uid("paged");
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const r = await http(h, "POST", "/api/rooms", createOptions({ anime_id: anime }));
      ids.add(r.body.data.room.room_id);
    }
    await http(h, "POST", "/api/rooms", createOptions({ anime_id: anime, is_public: false }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await http(
        h,
        "GET",
        `/api/rooms?anime_id=${anime}&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      assert.equal(page.status, 200);
      assert.ok(page.body.data.length <= 2);
      seen.push(...page.body.data.map((r: any) => r.room_id));
      cursor = page.body.next_cursor;
    } while (cursor);
    assert.equal(seen.length, 5);
    assert.deepEqual(new Set(seen), ids);
  });

  it("GET /health reports the database", async () => {
    const res = await http(h, "GET", "/health");
    assert.equal(res.status, 200);
    assert.equal(res.body.status, "ok");
    assert.equal(res.body.database, process.env.DATABASE_URL ? "postgres" : "pglite");
  });
});
