/**
 * Desktop players in a room: Debian's real Syncplay client driving a headless mpv, connected to
 * the gateway, next to a host on the SDK. Positions are read from each mpv over its JSON IPC.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Room } from "@colyseus/sdk";
import { expectedPosition } from "../../client/correction.ts";
import {
  createOptions,
  eventually,
  joined,
  leftAfterEach,
  nextMessage,
  server,
  sdk,
  type Harness,
} from "../helpers/server.ts";
import {
  skipWithoutSyncplay,
  startSyncplay,
  syncplayStoppedAfterEach,
  testVideo,
  type SyncplayClient,
} from "../helpers/syncplay.ts";

describe("Syncplay members: playback with the real client and mpv", function () {
  this.timeout(60_000);
  let h: Harness;
  const rooms = leftAfterEach();
  const clients = syncplayStoppedAfterEach();
  const media: string[] = [];
  afterEach(() => {
    for (const dir of media.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  before(async function () {
    skipWithoutSyncplay(this);
    h = await server();
    testVideo();
  });

  async function party(): Promise<{ host: Room<any>; a: SyncplayClient; b: SyncplayClient }> {
    const { room: host } = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host);
    const port = h.app.syncplayPort!;
    const started = await Promise.all(
      ["Mika", "Ren"].map((name) => startSyncplay({ port, name, room: host.roomId })),
    );
    clients.push(...started);
    const inRoom = () => [...host.state.members.values()].map((m: any) => m.username as string);
    await eventually(() => host.state.members.size === 3, 20_000, "both Syncplay members in the room").catch(
      (err: unknown) => {
        throw new Error(`${String(err)}; in the room now: ${inRoom().join(", ")}`);
      },
    );
    return { host, a: started[0]!, b: started[1]! };
  }

  const near = async (c: SyncplayClient, at: number, tolerance = 1) => {
    const p = await c.mpv.position();
    return p !== undefined && Math.abs(p - at) <= tolerance;
  };

  it("both mpvs follow the host's seek, play and pause, and stay on the room's position while playing", async () => {
    const { host, a, b } = await party();
    host.send("control", { action: "seek", current_time: 100 });
    for (const c of [a, b]) await eventually(() => near(c, 100), 5000, `${c.name} at 100 s`);

    host.send("control", { action: "play", current_time: 100 });
    for (const c of [a, b])
      await eventually(async () => (await c.mpv.paused()) === false, 5000, `${c.name} plays`);
    // while playing, each player is on the room's expected position (within 0.5 s: a busy box delays mpv's reports)
    for (const c of [a, b]) {
      await eventually(
        async () => {
          const p = await c.mpv.position();
          return p !== undefined && Math.abs(p - expectedPosition(host.state.playback, Date.now())) < 0.5;
        },
        5000,
        `${c.name} on the room's position while playing`,
      );
    }

    host.send("control", { action: "pause", current_time: 150 });
    for (const c of [a, b]) {
      await eventually(
        async () => (await c.mpv.paused()) === true && (await near(c, 150, 0.2)),
        5000,
        `${c.name} paused at 150`,
      );
    }
  });

  it("a client whose player starts slower than the idle bound still joins and follows", async () => {
    // the real client sends its TLS probe, then starts mpv on its only thread and says nothing
    // until mpv is up; the gateway once closed it as idle meanwhile, and the client gave up
    const { room: host } = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host);
    const slow = await startSyncplay({
      port: h.app.syncplayPort!,
      name: "Slow",
      room: host.roomId,
      playerDelayS: h.config.SYNCPLAY_IDLE_TIMEOUT_S + 2,
    });
    clients.push(slow);
    await eventually(() => host.state.members.size === 2, 20_000, "the slow starter in the room");
    host.send("control", { action: "seek", current_time: 50 });
    await eventually(() => near(slow, 50), 5000, "at 50 s");
    assert.doesNotMatch(slow.output(), /Nothing received/);
  });

  it("a Syncplay member's reports show as its status in the room", async () => {
    const { host, a } = await party();
    host.send("control", { action: "seek", current_time: 42 });
    const member = () => [...host.state.members.values()].find((m: any) => m.username === a.name);
    await eventually(
      () => member()?.sync_status === "synced" && Math.abs(member().position - 42) < 1,
      10_000,
      "status",
    );
  });

  it("a member who may not control seeks in mpv: the player is put back and the room does not move", async () => {
    const { host, a } = await party();
    host.send("control", { action: "seek", current_time: 60 });
    await eventually(() => near(a, 60), 5000, "at 60 s");
    await new Promise((r) => setTimeout(r, 1500)); // Syncplay ignores small seeks for ~1 s after a load
    const seq = host.state.playback.seq;
    await a.mpv.command("set_property", "time-pos", 200);
    await eventually(() => near(a, 60), 1000, "put back on the room within 1 s");
    assert.equal(host.state.playback.seq, seq, "the room did not move");
    assert.equal(host.state.playback.position, 60);
  });

  it("a Syncplay member made host pauses, plays and seeks in mpv: the room follows", async () => {
    const { host, a } = await party();
    host.send("control", { action: "seek", current_time: 30 });
    await eventually(() => near(a, 30), 5000, "at 30 s");
    const id = [...host.state.members.values()].find((m: any) => m.username === a.name).user_id;
    host.send("transfer_host", { user_id: id });
    await eventually(() => host.state.host_user_id === id, 2000, "host transferred");
    await new Promise((r) => setTimeout(r, 1500));

    await a.mpv.command("set_property", "pause", false);
    await eventually(() => host.state.playback.is_playing, 3000, "room plays");
    await a.mpv.command("set_property", "time-pos", 120);
    await eventually(
      () => Math.abs(expectedPosition(host.state.playback, Date.now()) - 120) < 2,
      3000,
      "room seeked",
    );
    await a.mpv.command("set_property", "pause", true);
    await eventually(() => !host.state.playback.is_playing, 3000, "room paused");
    const mpvAt = (await a.mpv.position())!;
    assert.ok(
      Math.abs(host.state.playback.position - mpvAt) < 1,
      `room at ${host.state.playback.position}, mpv at ${mpvAt}`,
    );
  });

  it("chat typed in the Syncplay client becomes a comment at mpv's position, and comments show in the client", async () => {
    const { room: host } = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host);
    const a = await startSyncplay({ port: h.app.syncplayPort!, name: "Mika", room: host.roomId });
    clients.push(a);
    await eventually(() => host.state.members.size === 2, 20_000, "joined");
    host.send("control", { action: "seek", current_time: 75 });
    await eventually(() => near(a, 75), 5000, "at 75 s");
    const comment = nextMessage(host, "comment", 10_000);
    a.type("ch what a fight");
    const c = await comment;
    assert.equal(c.message, "what a fight");
    assert.equal(c.username, "Mika");
    assert.ok(Math.abs(c.video_timestamp - 75) < 1.5, `at ${c.video_timestamp}`);
    host.send("comment", { message: "hello from the browser" });
    await eventually(() => a.output().includes("hello from the browser"), 5000, "shown in the client");
  });

  it("a private room: the client with the key plays along; a wrong key is refused with a message that says so", async () => {
    const { room: host, welcome } = await joined(
      sdk(h).create("watch_party", createOptions({ is_public: false })),
    );
    rooms.push(host);
    const port = h.app.syncplayPort!;
    const wrong = welcome.access_key === "000000" ? "111111" : "000000";
    const [good, bad] = await Promise.all([
      startSyncplay({ port, name: "Keyed", room: host.roomId, password: welcome.access_key! }),
      startSyncplay({ port, name: "Guess", room: host.roomId, password: wrong }),
    ]);
    clients.push(good, bad);
    await eventually(() => bad.output().includes("Wrong access key or invite"), 10_000, "refusal shown");
    host.send("control", { action: "seek", current_time: 20 });
    await eventually(() => near(good, 20), 10_000, "the keyed client follows");
    assert.equal(host.state.members.size, 2, "only the keyed client joined");
  });

  it("an auto-advance moves each mpv to the next playlist entry: its file where the client finds one, else the next item's start in its own file", async () => {
    // Mika keeps the next episode under its playlist name in a media directory; Ren does not have it
    const dir = mkdtempSync(path.join(tmpdir(), "anisync-media-"));
    media.push(dir);
    symlinkSync(testVideo(120), path.join(dir, "frieren-04.mp4"));
    const { room: host } = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host);
    const port = h.app.syncplayPort!;
    const [a, b] = await Promise.all([
      startSyncplay({ port, name: "Mika", room: host.roomId, mediaDirs: [dir] }),
      startSyncplay({ port, name: "Ren", room: host.roomId }),
    ]);
    clients.push(a!, b!);
    await eventually(() => host.state.members.size === 3, 20_000, "both Syncplay members in the room");
    host.send("queue_add", {
      items: [
        {
          anime_id: "frieren",
          anime_title: "Frieren",
          episode_number: 4,
          video_url: "https://videos.example/frieren-04.mp4",
        },
      ],
    });
    host.send("control", { action: "seek", current_time: 200 });
    for (const c of [a!, b!]) await eventually(() => near(c, 200), 5000, `${c.name} at 200 s`);
    host.send("advance_now", {});
    await eventually(
      async () => (await a!.mpv.command("get_property", "filename")) === "frieren-04.mp4",
      10_000,
      "Mika's mpv plays the next entry's file",
    );
    await eventually(() => b!.output().includes("Now playing 2/2: Frieren episode 4"), 5000, "announced");
    for (const c of [a!, b!]) {
      await eventually(
        () => near(c, expectedPosition(host.state.playback, Date.now())),
        5000,
        `${c.name} at the new item's start`,
      );
    }
    assert.ok(expectedPosition(host.state.playback, Date.now()) < 10);
    assert.equal(await b!.mpv.command("get_property", "filename"), "anisync-test-300s-10fps.mp4");
  });

  it("the host's ready check reaches the Syncplay client; its ready toggle answers it and the room starts", async () => {
    const { host, a, b } = await party();
    host.send("ready_check", { timeout_s: 120 });
    await eventually(
      () => a.output().includes("Ready check") && b.output().includes("Ready check"),
      5000,
      "shown",
    );
    const member = (c: SyncplayClient) =>
      [...host.state.members.values()].find((m: any) => m.username === c.name);
    a.type("t");
    await eventually(() => member(a)?.ready === "ready", 5000, `${a.name} ready`);
    b.type("t");
    host.send("ready", { ready: true });
    await eventually(() => host.state.playback.is_playing, 5000, "everyone ready: the room plays");
    for (const c of [a, b])
      await eventually(async () => (await c.mpv.paused()) === false, 5000, `${c.name} plays`);
  });
});
