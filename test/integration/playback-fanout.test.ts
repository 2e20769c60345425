import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
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

describe("host playback reaches every member", function () {
  this.timeout(60_000);
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });

  it("60 members see play, seek and pause, each with the next seq and the action's server time", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const guests = await Promise.all(
      Array.from({ length: 59 }, (_, i) =>
        joined(sdk(h).joinById(host.room.roomId, { user_id: uid(`m${i}`), username: `M${i}` })),
      ),
    );
    rooms.push(...guests.map((g) => g.room));
    const everyone: Room<any>[] = [host.room, ...guests.map((g) => g.room)];
    await eventually(
      () => everyone.every((r) => r.state.members.size === 60),
      10_000,
      "60 members in every view",
    );

    const steps = [
      { action: "play", current_time: 10, is_playing: true },
      { action: "seek", current_time: 120, is_playing: true },
      { action: "pause", current_time: 121.5, is_playing: false },
    ] as const;
    for (const [i, step] of steps.entries()) {
      const sentAt = Date.now();
      host.room.send("control", { action: step.action, current_time: step.current_time });
      await eventually(
        () => everyone.every((r) => r.state.playback.seq === i + 1),
        5000,
        `seq ${i + 1} everywhere`,
      );
      const receivedAt = Date.now();
      for (const r of everyone) {
        const pb = r.state.playback;
        assert.equal(pb.is_playing, step.is_playing);
        assert.equal(pb.position, step.current_time);
        assert.equal(pb.rate, 1);
        assert.ok(
          pb.updated_at >= sentAt && pb.updated_at <= receivedAt,
          `updated_at ${pb.updated_at} in [${sentAt}, ${receivedAt}]`,
        );
      }
    }

    // a member's control is refused, changes nothing, and the member stays connected
    const member = guests[0]!.room;
    const refusal = nextMessage(member, "error");
    member.send("control", { action: "play", current_time: 0 });
    assert.deepEqual(await refusal, {
      code: "NOT_HOST",
      message: "Only the host can do that",
      type: "control",
    });
    const answer = await member.request("time");
    assert.ok(Math.abs(answer.server_time - Date.now()) < 1000);
    assert.equal(member.state.playback.seq, 3);
    assert.equal(host.room.state.playback.seq, 3);
    assert.equal(host.room.state.members.get(guests[0]!.welcome.user_id).connected, true);

    await Promise.all(everyone.map((r) => r.leave()));
  });

  it("a host action replaces nothing in a member's state but the playback's values", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    const guest = await joined(sdk(h).joinById(host.room.roomId, { user_id: uid("g"), username: "G" }));
    rooms.push(host.room, guest.room);
    const state = guest.room.state;
    await eventually(() => state.members.size === 2, 5000, "both members shown");
    // every object a member's decoder holds; a replaced one is a new object on the member's side
    const objects = () => [
      state.playback,
      state.hold,
      state.hold.waiting_for,
      state.ready_check,
      state.settings,
      state.sync_summary,
      state.segments,
      state.queue,
      ...state.members.values(),
    ];
    // once the join has settled: its patches are in when none came for half a second
    let lastPatchAt = Date.now();
    guest.room.onStateChange(() => (lastPatchAt = Date.now()));
    await eventually(() => Date.now() - lastPatchAt >= 500, 5000, "the join's patches settled");
    const before = objects();
    for (const [i, action] of (["play", "seek", "pause", "seek"] as const).entries()) {
      host.room.send("control", { action, current_time: 30 + i });
      await eventually(() => state.playback.seq === i + 1, 5000, `seq ${i + 1}`);
    }
    const after = objects();
    assert.equal(after.length, before.length);
    after.forEach((o, i) => assert.ok(o === before[i], `object ${i} of the state was replaced`));
  });
});
