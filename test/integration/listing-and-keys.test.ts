import assert from "node:assert/strict";
import {
  createOptions,
  eventually,
  http,
  joined,
  leftAfterEach,
  refusedWith,
  sdk,
  server,
  uid,
  type Harness,
} from "../helpers/server.ts";

describe("room listing and private keys", () => {
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });

  it("lists a public room with its live member count, and never a private one", async () => {
    const anime = uid("anime");
    const pub = await joined(sdk(h).create("watch_party", createOptions({ anime_id: anime })));
    rooms.push(pub.room);
    const priv = await joined(
      sdk(h).create("watch_party", createOptions({ anime_id: anime, is_public: false })),
    );
    rooms.push(priv.room);

    const res = await http(h, "GET", `/api/rooms?anime_id=${anime}`);
    assert.equal(res.status, 200);
    const ids = res.body.data.map((r: any) => r.room_id);
    assert.deepEqual(ids, [pub.room.roomId]);
    assert.equal(res.body.data[0].member_count, 1);
    assert.equal(res.body.data[0].status, "live");
    assert.ok(!JSON.stringify(res.body).includes("access_key"));
    assert.notEqual(priv.welcome.access_key, undefined);
    await pub.room.leave();
    await priv.room.leave();
  });

  it("lists each room with its host's name and where its playback stands", async () => {
    const anime = uid("anime");
    const host = await joined(
      sdk(h).create("watch_party", createOptions({ anime_id: anime, host_username: "Fern" })),
    );
    rooms.push(host.room);
    const listed = async () => (await http(h, "GET", `/api/rooms?anime_id=${anime}`)).body.data[0];
    // the room publishes its host's name on its clock (STATUS_FLUSH_MS); the stored member trails
    // the join by a batched write: either names the host within moments of the join
    const paused = await eventually(async () => {
      const room = await listed();
      return room.host_username !== null ? room : undefined;
    });
    assert.equal(paused.host_username, "Fern");
    assert.equal(paused.playback.is_playing, false);
    assert.equal(paused.playback.position, 0);

    host.room.send("control", { action: "play", current_time: 12 });
    const playing = await eventually(async () => {
      const room = await listed();
      return room.playback.is_playing ? room : undefined;
    });
    assert.equal(playing.playback.position, 12);
    const page = (await http(h, "GET", `/api/rooms?anime_id=${anime}`)).body;
    assert.ok(page.server_time >= page.data[0].playback.updated_at, "one server_time for the page");
    await host.room.leave();
  });

  it("gives the access key only in the host's welcome, never in the state", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions({ is_public: false })));
    rooms.push(host.room);
    const key = host.welcome.access_key;
    assert.match(key ?? "", /^\d{6}$/);
    assert.equal(host.welcome.is_host, true);

    const guest = await joined(
      sdk(h).joinById(host.room.roomId, { user_id: uid("guest"), username: "Gus", access_key: key }),
    );
    rooms.push(guest.room);
    assert.equal(guest.welcome.is_host, false);
    assert.equal(guest.welcome.access_key, undefined);
    assert.ok(guest.welcome.member_token.length > 20);
    assert.ok(!JSON.stringify(guest.room.state.toJSON()).includes(key!));
    await guest.room.leave();
    await host.room.leave();
  });

  it("refuses a wrong or missing key with INVALID_ACCESS_KEY", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions({ is_public: false })));
    rooms.push(host.room);
    const wrong = host.welcome.access_key === "000000" ? "000001" : "000000";
    const e = await refusedWith(
      sdk(h).joinById(host.room.roomId, { user_id: uid("g"), username: "G", access_key: wrong }),
      "INVALID_ACCESS_KEY",
    );
    assert.equal(e.code, 403);
    await refusedWith(
      sdk(h).joinById(host.room.roomId, { user_id: uid("g"), username: "G" }),
      "INVALID_ACCESS_KEY",
    );
    await host.room.leave();
  });

  it("past 5 wrong keys a minute from one address, even the right key gets TOO_MANY_ATTEMPTS", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions({ is_public: false })));
    rooms.push(host.room);
    const key = host.welcome.access_key!;
    const wrong = key === "000000" ? "000001" : "000000";
    const ip = { "x-forwarded-for": "203.0.113.7" };
    const join = (access_key: string, headers = ip) =>
      http(
        h,
        "POST",
        `/api/rooms/${host.room.roomId}/join`,
        { user_id: uid("g"), username: "G", access_key },
        headers,
      );
    for (let i = 0; i < 5; i++) assert.equal((await join(wrong)).body.error.code, "INVALID_ACCESS_KEY");
    const blocked = await join(key);
    assert.equal(blocked.status, 429);
    assert.equal(blocked.body.error.code, "TOO_MANY_ATTEMPTS");
    assert.ok(Number(blocked.headers.get("retry-after")) > 0);
    // another address is still let in with the right key
    const other = await join(key, { "x-forwarded-for": "203.0.113.8" });
    assert.equal(other.status, 200, JSON.stringify(other.body));
    await host.room.leave();
  });

  it("past 30 wrong keys an hour for one room, every address is refused", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions({ is_public: false })));
    rooms.push(host.room);
    const key = host.welcome.access_key!;
    const wrong = key === "000000" ? "000001" : "000000";
    for (let i = 0; i < 30; i++) {
      const r = await http(
        h,
        "POST",
        `/api/rooms/${host.room.roomId}/join`,
        { user_id: uid("g"), username: "G", access_key: wrong },
        { "x-forwarded-for": `198.51.100.${i}` },
      );
      assert.equal(r.body.error.code, "INVALID_ACCESS_KEY");
    }
    await refusedWith(
      sdk(h).joinById(host.room.roomId, { user_id: uid("g"), username: "G", access_key: key }),
      "TOO_MANY_ATTEMPTS",
    );
    await host.room.leave();
  });
});
