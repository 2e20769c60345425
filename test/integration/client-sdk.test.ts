import assert from "node:assert/strict";
import { CloseCode } from "@colyseus/sdk";
import { matchMaker } from "@colyseus/core";
import { WatchParty } from "../../client/index.ts";
import { createOptions, eventually, server, uid, type Harness } from "../helpers/server.ts";

/** The client SDK against the real server, over real WebSockets, from Node. */
describe("client SDK (client/)", function () {
  this.timeout(30_000);
  let h: Harness;
  before(async () => {
    h = await server();
  });

  it("joins with a synced clock and reconnects transparently after a dropped socket", async () => {
    const host = await WatchParty.create(h.baseUrl, createOptions({ is_public: false }));
    assert.equal(host.isHost, true);
    assert.match(host.accessKey ?? "", /^\d{6}$/);
    const guest = await WatchParty.join(h.baseUrl, host.roomId, {
      user_id: uid("guest"),
      username: "Guest",
      access_key: host.accessKey,
    });
    assert.equal(guest.clockSynced, true);
    assert.ok(Math.abs(guest.serverNow() - Date.now()) < 50, "server clock estimate within 50 ms");

    const events: string[] = [];
    guest.on("drop", () => events.push("drop"));
    guest.on("reconnect", () => events.push("reconnect"));
    await new Promise((r) => setTimeout(r, 1100)); // past the SDK's minimum uptime for reconnecting
    guest.room.connection.close(CloseCode.MAY_TRY_RECONNECT);
    await eventually(() => events.includes("reconnect"), 10_000, "reconnect");
    assert.deepEqual(events, ["drop", "reconnect"]);
    assert.equal(guest.isConnected, true);
    assert.equal(host.state.members.size, 2, "the same seat, no duplicate member");

    host.control("play", 12);
    await eventually(
      () => guest.state.playback.seq === 1 && guest.state.playback.position === 12,
      3000,
      "control after reconnect",
    );
    assert.ok(Math.abs(guest.expectedPosition() - 12) < 0.5);
    await guest.leave();
    await host.leave();
  });

  it("while it joins a lost room again, `state` stays the last one it had, never the new room's empty one", async () => {
    const host = await WatchParty.create(h.baseUrl, createOptions(), {
      rejoin: { baseDelayMs: 100, maxDelayMs: 500, jitter: 0 },
    });
    host.control("play", 30);
    await eventually(() => host.state.playback.seq === 1, 3000, "play acknowledged");
    // what a page's timers read (a countdown, the current segment, attach()'s tick) at every turn
    // of the event loop until the room is back: the new room has no state yet right after its join
    const seen = new Set<string>();
    let watching = true;
    const watch = () => {
      if (!watching) return;
      try {
        seen.add(typeof host.state.playback?.position);
        host.expectedPosition();
      } catch (err) {
        seen.add(String(err));
      }
      setImmediate(watch);
    };
    const rejoined = new Promise<void>((resolve) => host.on("rejoin", () => resolve()));
    watch();
    await matchMaker.getLocalRoomById(host.roomId)!.disconnect(CloseCode.SERVER_SHUTDOWN);
    await rejoined;
    watching = false;
    assert.deepEqual([...seen], ["number"]);
    assert.ok(host.expectedPosition() > 30);
    await host.leave();
  });

  it("refusals surface the contract's code", async () => {
    const host = await WatchParty.create(h.baseUrl, createOptions({ is_public: false }));
    await assert.rejects(
      WatchParty.join(h.baseUrl, host.roomId, {
        user_id: uid("x"),
        username: "X",
        access_key: "000000" === host.accessKey ? "000001" : "000000",
      }),
      (e: Error) => e.message.startsWith("INVALID_ACCESS_KEY:"),
    );
    await assert.rejects(
      WatchParty.join(h.baseUrl, "no-such-room", { user_id: uid("x"), username: "X" }),
      (e: Error) => e.message.startsWith("ROOM_NOT_FOUND:"),
    );
    await host.leave();
  });

  it("drives group playback: speed, segments with the current one named, skip, reactions, ready check", async () => {
    const host = await WatchParty.create(h.baseUrl, createOptions());
    const guest = await WatchParty.join(h.baseUrl, host.roomId, { user_id: uid("guest"), username: "Guest" });
    host.setSegments([{ kind: "intro", start_s: 0, end_s: 90 }]);
    host.control("play", 3);
    await eventually(() => guest.currentSegment()?.kind === "intro", 3000, "inside the intro");
    host.setRate(1.25);
    await eventually(() => guest.state.playback.rate === 1.25, 3000, "rate");
    host.skip();
    await eventually(() => guest.state.playback.position === 90 && !guest.currentSegment(), 3000, "skipped");
    const reaction = new Promise((resolve) => host.on("reaction", resolve));
    guest.react("🎉", 91);
    assert.deepEqual(await reaction, { user_id: guest.userId, emoji: "🎉", video_timestamp: 91 });
    host.readyCheck(30);
    await eventually(() => guest.state.ready_check.active, 3000, "ready check");
    host.ready();
    guest.ready();
    await eventually(
      () => guest.state.playback.is_playing && !guest.state.ready_check.active,
      3000,
      "started",
    );
    await guest.leave();
    await host.leave();
  });

  it("drives the queue, co-hosts and moderation", async () => {
    const opts = createOptions();
    const host = await WatchParty.create(h.baseUrl, opts);
    const guest = await WatchParty.join(h.baseUrl, host.roomId, { user_id: uid("guest"), username: "Guest" });
    host.queueAdd([
      {
        anime_id: opts.anime_id,
        anime_title: "Frieren",
        episode_number: 4,
        video_url: "https://v.example/4.webm",
      },
    ]);
    await eventually(() => guest.state.queue.length === 2, 3000, "queued");
    host.advanceNow();
    await eventually(() => guest.state.episode_number === 4, 3000, "advanced");
    host.setCohost(guest.userId, true);
    await eventually(() => guest.canControl, 3000, "co-host may control");
    const left = new Promise<string | undefined>((resolve) =>
      guest.on("leave", (_code, reason) => resolve(reason)),
    );
    host.removeMember(guest.userId, "bedtime");
    assert.equal(await left, "REMOVED: bedtime");
    await host.leave();
  });
});
