import assert from "node:assert/strict";
import {
  createOptions,
  eventually,
  joined,
  leftAfterEach,
  sdk,
  server,
  uid,
  type Harness,
} from "../helpers/server.ts";

describe("status reports become drift and sync_status", () => {
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });

  it("shows each member's drift against the host's expected position", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const guestId = uid("viewer");
    const guest = await joined(sdk(h).joinById(host.room.roomId, { user_id: guestId, username: "Viewer" }));
    rooms.push(guest.room);
    const view = () => host.room.state.members.get(guestId);
    await eventually(() => view(), 3000, "the guest in the host's view");
    assert.equal(view().sync_status, "unknown");

    host.room.send("control", { action: "pause", current_time: 100 });
    await eventually(() => guest.room.state.playback.seq === 1);

    guest.room.send("status", { current_time: 103.5, is_playing: false });
    await eventually(() => view().sync_status === "drifting", 3000, "drifting");
    assert.equal(view().drift, 3.5);
    assert.equal(view().position, 103.5);
    assert.ok(view().last_heartbeat > 0);

    guest.room.send("status", { current_time: 98.25, is_playing: false });
    await eventually(() => view().sync_status === "synced", 3000, "synced");
    assert.equal(view().drift, -1.75);

    guest.room.send("status", { current_time: 98.25, is_playing: false, buffering: true });
    await eventually(() => view().sync_status === "buffering", 3000, "buffering");

    // while playing, drift is measured against where the host is now
    host.room.send("control", { action: "play", current_time: 200 });
    await eventually(() => guest.room.state.playback.seq === 2);
    const pb = guest.room.state.playback;
    await new Promise((r) => setTimeout(r, 300));
    const sentAt = Date.now();
    guest.room.send("status", { current_time: 190, is_playing: true });
    await eventually(() => view().sync_status === "drifting", 3000, "drifting while playing");
    const expectedMin = 190 - (200 + (Date.now() - pb.updated_at) / 1000);
    const expectedMax = 190 - (200 + (sentAt - pb.updated_at) / 1000);
    assert.ok(
      view().drift >= expectedMin - 0.001 && view().drift <= expectedMax + 0.001,
      `drift ${view().drift}`,
    );

    await guest.room.leave();
    await host.room.leave();
  });

  it("a report that changes nothing visible sends no patch", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const guestId = uid("quiet");
    const guest = await joined(sdk(h).joinById(host.room.roomId, { user_id: guestId, username: "Quiet" }));
    rooms.push(guest.room);
    host.room.send("control", { action: "pause", current_time: 50 });
    guest.room.send("status", { current_time: 50.01, is_playing: false });
    await eventually(() => host.room.state.members.get(guestId).sync_status === "synced");
    let changes = 0;
    host.room.onStateChange(() => changes++);
    for (let i = 0; i < 10; i++) {
      guest.room.send("status", { current_time: 50.02 + i * 0.001, is_playing: false });
      await new Promise((r) => setTimeout(r, 30));
    }
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(changes, 0);
    await guest.room.leave();
    await host.room.leave();
  });
});
