import assert from "node:assert/strict";
import {
  closedText,
  credentialsOf,
  displayName,
  parsePassword,
  refusalText,
} from "../../src/syncplay/access.ts";
import { keyFromMd5 } from "../../src/syncplay/hashed-key.ts";
import { AddressSlots, FloodGuard, MAX_STATES_PER_S } from "../../src/syncplay/flood.ts";
import { peerHeaderValue, verifiedPeer } from "../../src/syncplay/peer-address.ts";
import {
  changeAsControl,
  isJump,
  roomPlaystate,
  StateExchange,
  type RoomPlayback,
} from "../../src/syncplay/playstate.ts";
import { listAnswer, syncplayNames } from "../../src/syncplay/roster.ts";
import { silenceLimitMs } from "../../src/syncplay/connection.ts";
import {
  durationNote,
  entryName,
  itemChange,
  playlistIndex,
  playlistOf,
} from "../../src/syncplay/playlist.ts";

const pb = (over: Partial<RoomPlayback> = {}): RoomPlayback => ({
  is_playing: false,
  position: 10,
  updated_at: 1_000_000,
  rate: 1,
  seq: 1,
  ...over,
});

describe("Syncplay mapping rules", () => {
  describe("the room's playback as a Syncplay playstate", () => {
    it("a paused room is its position, paused", () => {
      assert.deepEqual(roomPlaystate(pb(), 1_005_000, "Hana"), {
        position: 10,
        paused: true,
        doSeek: false,
        setBy: "Hana",
      });
    });
    it("a playing room is where the host is expected now (rate included)", () => {
      assert.equal(roomPlaystate(pb({ is_playing: true, rate: 2 }), 1_003_000, "Hana").position, 16);
    });
    it("a seek is a jump; a pause or play in place is not", () => {
      const playing = pb({ is_playing: true });
      assert.equal(isJump(playing, pb({ is_playing: false, position: 12, updated_at: 1_002_000 })), false);
      assert.equal(isJump(playing, pb({ is_playing: true, position: 100, updated_at: 1_002_000 })), true);
    });
  });

  describe("a member's player change as a room control", () => {
    it("a changed paused flag is play or pause at the player's position", () => {
      assert.deepEqual(changeAsControl({ position: 33, paused: false }, true), {
        action: "play",
        current_time: 33,
      });
      assert.deepEqual(changeAsControl({ position: 33, paused: true }, false), {
        action: "pause",
        current_time: 33,
      });
    });
    it("the same paused flag is a seek", () => {
      assert.deepEqual(changeAsControl({ position: 90, paused: true }, true), {
        action: "seek",
        current_time: 90,
      });
    });
  });

  describe("the State exchange (ignoringOnTheFly, ping)", () => {
    it("a routine report is the member's status", () => {
      const x = new StateExchange();
      assert.deepEqual(x.receive({ playstate: { position: 5, paused: true } }, 100), {
        kind: "report",
        position: 5,
        paused: true,
      });
    });
    it("a report without playstate asks nothing", () => {
      assert.deepEqual(new StateExchange().receive({ latencyCalculation: 1 }, 2), { kind: "none" });
    });
    it("a change the client counts (client: n) is a change, echoed once", () => {
      const x = new StateExchange();
      const change = {
        playstate: { position: 50, paused: true, doSeek: true },
        ignoringOnTheFly: { client: 1 },
      };
      assert.equal(x.receive(change, 100).kind, "change");
      assert.equal(
        x.receive({ ignoringOnTheFly: { client: 1 } }, 100.1).kind,
        "none",
        "later States omit the playstate",
      );
      const out = x.send({ position: 50, paused: true, doSeek: false, setBy: "A" }, 100.2, false);
      assert.deepEqual(out.ignoringOnTheFly, { client: 1 });
      assert.equal(x.send(undefined, 100.3, false).ignoringOnTheFly, undefined, "echoed once");
    });
    it("the client's count starts again at 1 after our echo: a second change is a change", () => {
      const x = new StateExchange();
      const change = { playstate: { position: 50, paused: false }, ignoringOnTheFly: { client: 1 } };
      x.receive(change, 1);
      x.send(undefined, 1.1, false);
      assert.equal(
        x.receive({ ...change, playstate: { position: 80, paused: false, doSeek: true } }, 2).kind,
        "change",
      );
    });
    it("after a forced State, the client's reports are ignored until it echoes the server counter", () => {
      const x = new StateExchange();
      const forced = x.send({ position: 1, paused: true, doSeek: true, setBy: "H" }, 10, true);
      assert.deepEqual(forced.ignoringOnTheFly, { server: 1 });
      assert.equal(x.awaitingEcho, true);
      assert.equal(x.receive({ playstate: { position: 99, paused: false } }, 10.1).kind, "none");
      const echo = { playstate: { position: 0, paused: true }, ignoringOnTheFly: { server: 1 } };
      assert.equal(x.receive(echo, 10.2).kind, "none", "the echo's playstate predates the forced one");
      assert.equal(x.awaitingEcho, false);
      assert.equal(x.receive({ playstate: { position: 1, paused: true } }, 11).kind, "report");
    });
    it("every State carries latencyCalculation; the client's timestamp is echoed with the time it waited", () => {
      const x = new StateExchange();
      x.receive({ clientLatencyCalculation: 500 }, 10);
      const out = x.send(undefined, 10.25, false) as { ping: Record<string, number> };
      assert.equal(out.ping.latencyCalculation, 10.25);
      assert.equal(out.ping.clientLatencyCalculation, 500.25);
      const next = x.send(undefined, 11, false) as { ping: Record<string, number> };
      assert.equal(next.ping.clientLatencyCalculation, undefined);
    });
    it("the round trip from the echoed latencyCalculation moves reported positions while playing", () => {
      const x = new StateExchange();
      x.receive({ latencyCalculation: 10 }, 10.2);
      assert.ok(Math.abs(x.roundTripS - 0.2) < 1e-9);
      const v = x.receive({ playstate: { position: 20, paused: false } }, 11);
      assert.ok(v.kind === "report" && Math.abs(v.position - 20.1) < 1e-9);
      const out = x.send({ position: 30, paused: false, doSeek: false, setBy: null }, 11, false) as any;
      assert.equal(out.playstate.position, 30, "sent as is: the client adds the message's age itself");
    });
  });

  describe("what a viewer types", () => {
    it("the password holds a 6-digit key, an invite, a token, separated by spaces", () => {
      assert.deepEqual(parsePassword("123456"), { access_key: "123456" });
      assert.deepEqual(parsePassword("token:a.b.c Zx9_invite"), { token: "a.b.c", invite: "Zx9_invite" });
      assert.deepEqual(parsePassword(undefined), {});
    });
    it("the username is a display name of at most 32 characters", () => {
      assert.equal(displayName("  Mika   S  "), "Mika S");
      assert.equal(displayName("x".repeat(50)).length, 32);
      assert.equal(displayName("   "), "viewer");
    });
    it("a refused join says what to type", () => {
      assert.match(
        refusalText("r1", new Error("ROOM_NOT_FOUND: No such room")),
        /room id shown on the party's web page/,
      );
      assert.match(
        refusalText("r1", new Error("INVALID_ACCESS_KEY: The access key is wrong")),
        /Wrong access key/,
      );
      assert.match(refusalText("r1", new Error("TOO_MANY_ATTEMPTS: wait")), /Too many wrong access keys/);
      assert.match(refusalText("r1", new Error("UNAUTHORIZED: missing")), /signed-in viewers only/);
      assert.match(refusalText("r1", new Error("socket hang up")), /try again later/);
    });
    it("a removal or ban says so", () => {
      assert.match(closedText(4000, "REMOVED: spoilers"), /removed from the room: spoilers/);
      assert.match(closedText(4000, "BANNED: "), /banned/);
    });
  });

  describe("the member list", () => {
    const m = (user_id: string, username: string, joined_at: number) => ({
      user_id,
      username,
      joined_at,
      connected: true,
      ready: "",
    });
    it("two members with one name get distinct Syncplay names, the older keeps it", () => {
      const names = syncplayNames([m("b", "Hana", 2), m("a", "Hana", 1)]);
      assert.equal(names.get("a"), "Hana");
      assert.equal(names.get("b"), "Hana (2)");
    });
    it("List shows Syncplay files where known and ready members outside a ready check", () => {
      const list = listAnswer(
        "r",
        [m("a", "A", 1), m("b", "B", 2)],
        new Map([["b", { name: "ep.mkv", duration: 10 }]]),
        false,
      );
      assert.deepEqual(list.r!.A, { position: 0, file: {}, controller: false, isReady: true, features: {} });
      assert.deepEqual((list.r!.B as any).file, { name: "ep.mkv", duration: 10 });
    });
  });

  describe("limits and addresses", () => {
    it("a flood of States ends the connection; a real client's rate does not", () => {
      const f = new FloodGuard();
      for (let i = 0; i < MAX_STATES_PER_S; i++) assert.equal(f.allow("State", 5000 + i), true);
      assert.equal(f.allow("State", 5900), false);
      assert.equal(new FloodGuard().allow("State", 7000), true);
    });
    it("one address holds at most its share of connections; a closed one frees its slot", () => {
      const slots = new AddressSlots(2);
      assert.equal(slots.take("203.0.113.9"), true);
      assert.equal(slots.take("203.0.113.9"), true);
      assert.equal(slots.take("203.0.113.9"), false);
      assert.equal(slots.take("198.51.100.1"), true, "another address is counted alone");
      slots.release("203.0.113.9");
      assert.equal(slots.take("203.0.113.9"), true);
    });
    it("a forwarded address is believed only with the right signature", () => {
      const header = peerHeaderValue("secret", "203.0.113.9");
      assert.equal(verifiedPeer(header, "secret"), "203.0.113.9");
      assert.equal(verifiedPeer(header, "other"), undefined);
      assert.equal(verifiedPeer("203.0.113.9 forged", "secret"), undefined);
      assert.equal(verifiedPeer(`${header} extra`, "secret"), undefined);
    });
  });
});

describe("Syncplay passwords and room fields", () => {
  it("the real client's MD5 of a 6-digit key is turned back into the key", async function () {
    this.timeout(20_000);
    const md5 = (await import("node:crypto")).createHash("md5").update("042917").digest("hex");
    assert.equal(await keyFromMd5(md5), "042917");
    const notAKey = (await import("node:crypto")).createHash("md5").update("hunter2").digest("hex");
    assert.equal(await keyFromMd5(notAKey), undefined);
  });
  it("the room field may carry a key or an invite after a colon; it wins over the password", async () => {
    assert.deepEqual(await credentialsOf("abc:123456", undefined), {
      room: "abc",
      credentials: { access_key: "123456" },
    });
    assert.deepEqual(await credentialsOf("abc:Zx9invite", "token:t"), {
      room: "abc",
      credentials: { token: "t", invite: "Zx9invite" },
    });
    assert.deepEqual(await credentialsOf(" abc ", undefined), { room: "abc", credentials: {} });
  });
});

describe("the queue for a Syncplay member", () => {
  const q = (item_id: string, duration_s = 0) => ({
    item_id,
    anime_title: "Frieren",
    episode_number: 4,
    title: "",
    video_url: `https://v.example/${item_id}.webm`,
    duration_s,
  });
  it("a switch to another item is announced with the episode and where to get it", () => {
    assert.equal(
      itemChange("a", [q("a"), q("b")], "b"),
      "Now playing 2/2: Frieren episode 4. Load your copy (or https://v.example/b.webm); the room starts it from the beginning.",
    );
  });
  it("the first look and an unchanged item announce nothing", () => {
    assert.equal(itemChange(undefined, [q("a")], "a"), undefined);
    assert.equal(itemChange("a", [q("a")], "a"), undefined);
  });
  it("a file more than 5 s longer or shorter than the episode is flagged; unknown lengths are not", () => {
    assert.match(
      durationNote({ name: "ep.mkv", duration: 1450 }, q("a", 1420))!,
      /24:10 long; this episode is 23:40/,
    );
    assert.equal(durationNote({ name: "ep.mkv", duration: 1423 }, q("a", 1420)), undefined);
    assert.equal(durationNote({ name: "ep.mkv", duration: 1450 }, q("a", 0)), undefined);
    assert.equal(durationNote({ name: "ep.mkv" }, q("a", 1420)), undefined);
  });
  it("the playlist names each item after its video's file, never a URL, each name once", () => {
    const at = (video_url: string) => ({ ...q("x"), video_url });
    assert.deepEqual(playlistOf([q("a"), q("b")]), ["a.webm", "b.webm"]);
    assert.equal(entryName(at("https://v.example/s1/Frieren%20-%2004.mkv?token=abc")), "Frieren - 04.mkv");
    assert.equal(entryName(at("https://v.example/")), "Frieren 4", "no file name: title and episode");
    assert.equal(
      entryName(at("https://v.example/a%5Cb%0A.mp4")),
      "ab.mp4",
      "no backslash or control character",
    );
    assert.equal(entryName(at("https://v.example/%E0%A4%A.mp4")), "Frieren 4", "a malformed escape");
    assert.deepEqual(
      playlistOf([
        at("https://a.example/ep.mp4"),
        at("https://b.example/ep.mp4"),
        at("https://c.example/ep"),
      ]),
      ["ep.mp4", "ep (2).mp4", "ep"],
    );
    assert.equal(entryName(at(`https://v.example/${"x".repeat(300)}.mp4`)).length, 250);
  });
  it("the playlist index is the current item's place in the queue", () => {
    assert.equal(playlistIndex([q("a"), q("b")], "b"), 1);
    assert.equal(playlistIndex([q("a")], "gone"), null);
  });
});

describe("how long a Syncplay connection may be silent", () => {
  const limits = { idleTimeoutMs: 30_000, startTimeoutMs: 60_000 };
  it("while it starts (the client starts its player meanwhile), until the start-up bound since it opened", () => {
    assert.equal(silenceLimitMs(0, limits), 60_000);
    assert.equal(silenceLimitMs(20_000, limits), 40_000);
  });
  it("after that, the idle bound", () => {
    assert.equal(silenceLimitMs(40_000, limits), 30_000);
    assert.equal(silenceLimitMs(600_000, limits), 30_000);
  });
});
