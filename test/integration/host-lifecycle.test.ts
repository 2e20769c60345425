import assert from "node:assert/strict";
import { CloseCode } from "@colyseus/sdk";
import * as repo from "../../src/db/rooms-repo.ts";
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

describe("host, reconnection and dormant rooms", function () {
  this.timeout(30_000);
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });

  const roomStatus = async (roomId: string) =>
    (await repo.getRoom(h.app.services.database.db, roomId))?.status;

  it("a host whose socket drops stays host through the window and is host again after reconnecting", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const hostId = host.welcome.user_id;
    const guest = await joined(sdk(h).joinById(host.room.roomId, { user_id: uid("g"), username: "G" }));
    rooms.push(guest.room);

    host.room.connection.close(CloseCode.MAY_TRY_RECONNECT);
    await eventually(
      () => guest.room.state.members.get(hostId)?.connected === false,
      3000,
      "host shown disconnected",
    );
    assert.equal(guest.room.state.host_user_id, hostId);
    assert.equal(guest.room.state.members.get(hostId).is_host, true);

    const back = await sdk(h).reconnect(host.room.reconnectionToken);
    back.reconnection.enabled = false;
    rooms.push(back);
    const welcome = await nextMessage(back, "welcome");
    assert.equal(welcome.is_host, true);
    await eventually(
      () => guest.room.state.members.get(hostId)?.connected === true,
      3000,
      "host shown connected",
    );

    back.send("control", { action: "play", current_time: 5 });
    await eventually(
      () => guest.room.state.playback.seq === 1,
      3000,
      "host control accepted after reconnect",
    );
    await guest.room.leave();
    await back.leave();
  });

  it("a host who never comes back is replaced by the longest-present member when the window ends", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const first = await joined(
      sdk(h).joinById(host.room.roomId, { user_id: uid("first"), username: "First" }),
    );
    rooms.push(first.room);
    const second = await joined(
      sdk(h).joinById(host.room.roomId, { user_id: uid("second"), username: "Second" }),
    );
    rooms.push(second.room);

    const promoted = nextMessage(first.room, "welcome", 8000);
    host.room.connection.close(CloseCode.MAY_TRY_RECONNECT);
    const welcome = await promoted;
    assert.equal(welcome.is_host, true);
    assert.equal(second.room.state.host_user_id, first.welcome.user_id);
    assert.equal(second.room.state.members.has(host.welcome.user_id), false);
    assert.equal(second.room.state.members.get(first.welcome.user_id).is_host, true);
    await first.room.leave();
    await second.room.leave();
  });

  it("a host who leaves hands the room to the longest-present connected member at once", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const first = await joined(
      sdk(h).joinById(host.room.roomId, { user_id: uid("first"), username: "First" }),
    );
    rooms.push(first.room);
    const second = await joined(
      sdk(h).joinById(host.room.roomId, { user_id: uid("second"), username: "Second" }),
    );
    rooms.push(second.room);
    await host.room.leave();
    await eventually(
      () => second.room.state.host_user_id === first.welcome.user_id,
      2000,
      "first member promoted",
    );
    const hosts = [...second.room.state.members.values()].filter((m: any) => m.is_host);
    assert.deepEqual(
      hosts.map((m: any) => m.user_id),
      [first.welcome.user_id],
    );
    await first.room.leave();
    await second.room.leave();
  });

  it("the host can hand the role to a connected member; a member cannot", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions({ is_public: false })));
    rooms.push(host.room);
    const guest = await joined(
      sdk(h).joinById(host.room.roomId, {
        user_id: uid("g"),
        username: "G",
        access_key: host.welcome.access_key,
      }),
    );
    rooms.push(guest.room);
    const refused = nextMessage(guest.room, "error");
    guest.room.send("transfer_host", { user_id: guest.welcome.user_id });
    assert.equal((await refused).code, "NOT_HOST");

    const missing = nextMessage(host.room, "error");
    host.room.send("transfer_host", { user_id: "nobody-here" });
    assert.equal((await missing).code, "MEMBER_NOT_FOUND");

    const promoted = nextMessage(guest.room, "welcome");
    host.room.send("transfer_host", { user_id: guest.welcome.user_id });
    const welcome = await promoted;
    assert.equal(welcome.is_host, true);
    assert.equal(welcome.access_key, host.welcome.access_key, "the new host of a private room gets its key");
    await eventually(() => host.room.state.host_user_id === guest.welcome.user_id);
    assert.equal(host.room.state.members.get(host.welcome.user_id).is_host, false);
    await guest.room.leave();
    await host.room.leave();
  });

  it("when the last member leaves the room sleeps; a join brings it back paused, same id and key", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions({ is_public: false })));
    rooms.push(host.room);
    const roomId = host.room.roomId;
    const key = host.welcome.access_key;
    host.room.send("control", { action: "play", current_time: 30 });
    host.room.send("control", { action: "pause", current_time: 95.25 });
    await eventually(() => host.room.state.playback.seq === 2);
    await host.room.leave();
    await eventually(async () => (await roomStatus(roomId)) === "dormant", 5000, "dormant");

    // a private room's playback is for members only: read the stored row
    const stored = await repo.getRoom(h.app.services.database.db, roomId);
    assert.equal(stored?.is_playing, false);
    assert.equal(stored?.position, 95.25);

    const back = await joined(
      sdk(h).joinById(roomId, { user_id: uid("returning"), username: "R", access_key: key }),
    );
    rooms.push(back.room);
    assert.equal(back.room.roomId, roomId);
    assert.equal(back.welcome.is_host, true);
    assert.equal(back.welcome.access_key, key);
    const pb = back.room.state.playback;
    assert.deepEqual([pb.is_playing, pb.position, pb.seq], [false, 95.25, 2]);
    assert.equal(await roomStatus(roomId), "live");
    await back.room.leave();
  });

  it("a room left while playing resumes paused where the host had got to", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const roomId = host.room.roomId;
    host.room.send("control", { action: "play", current_time: 10 });
    await eventually(() => host.room.state.playback.seq === 1);
    await new Promise((r) => setTimeout(r, 500));
    await host.room.leave();
    await eventually(async () => (await roomStatus(roomId)) === "dormant", 5000, "dormant");
    const back = await joined(sdk(h).joinById(roomId, { user_id: uid("r"), username: "R" }));
    rooms.push(back.room);
    const pb = back.room.state.playback;
    assert.equal(pb.is_playing, false);
    assert.ok(pb.position >= 10.5 && pb.position < 12, `position ${pb.position}`);
    await back.room.leave();
  });

  it("two simultaneous joins to a sleeping room end in one live room", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const roomId = host.room.roomId;
    await host.room.leave();
    await eventually(async () => (await roomStatus(roomId)) === "dormant", 5000, "dormant");
    const [a, b] = await Promise.all([
      joined(sdk(h).joinById(roomId, { user_id: uid("a"), username: "A" })),
      joined(sdk(h).joinById(roomId, { user_id: uid("b"), username: "B" })),
    ]);
    rooms.push(a.room, b.room);
    await eventually(
      () => a.room.state.members.size === 2 && b.room.state.members.size === 2,
      3000,
      "both in one room",
    );
    assert.equal([a.welcome.is_host, b.welcome.is_host].filter(Boolean).length, 1);
    await a.room.leave();
    await b.room.leave();
  });

  it("a user_id that holds a seat cannot join again, even while reconnecting", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const userId = uid("dup");
    const guest = await joined(sdk(h).joinById(host.room.roomId, { user_id: userId, username: "D" }));
    rooms.push(guest.room);
    const again = sdk(h).joinById(host.room.roomId, { user_id: userId, username: "D2" });
    await assert.rejects(again, (e: any) => e.code === 409 && e.message.startsWith("USER_ALREADY_IN_ROOM:"));
    guest.room.connection.close(CloseCode.MAY_TRY_RECONNECT);
    await eventually(() => host.room.state.members.get(userId)?.connected === false);
    await assert.rejects(sdk(h).joinById(host.room.roomId, { user_id: userId, username: "D3" }), (e: any) =>
      e.message.startsWith("USER_ALREADY_IN_ROOM:"),
    );
    await assert.rejects(
      sdk(h).joinById(host.room.roomId, { user_id: host.welcome.user_id, username: "Impostor" }),
      (e: any) => e.message.startsWith("USER_ALREADY_IN_ROOM:"),
    );
    await host.room.leave();
  });

  it("a creator who never takes the host seat loses the role to the longest-present member", async () => {
    const created = await fetch(`${h.baseUrl}/api/rooms`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(createOptions()),
    }).then((r) => r.json() as Promise<any>);
    const roomId = created.data.room.room_id;
    const first = await joined(sdk(h).joinById(roomId, { user_id: uid("first"), username: "First" }));
    rooms.push(first.room);
    const second = await joined(sdk(h).joinById(roomId, { user_id: uid("second"), username: "Second" }));
    rooms.push(second.room);
    assert.equal(first.welcome.is_host, false, "the creator's seat is still reserved");
    const promoted = nextMessage(first.room, "welcome", 10_000);
    assert.equal((await promoted).is_host, true);
    await eventually(
      () => second.room.state.host_user_id === first.welcome.user_id,
      3000,
      "everyone sees the new host",
    );
    await first.room.leave();
    await second.room.leave();
  });

  it("an unknown room is ROOM_NOT_FOUND", async () => {
    await assert.rejects(
      sdk(h).joinById("doesNotExist1", { user_id: uid("x"), username: "X" }),
      (e: any) => e.code === 404 && e.message.startsWith("ROOM_NOT_FOUND:"),
    );
  });
});
