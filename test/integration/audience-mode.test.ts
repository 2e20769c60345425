import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client, type Room } from "@colyseus/sdk";
import { startServerProcess, type ServerProcess } from "../helpers/process.ts";
import { createOptions, eventually, uid } from "../helpers/server.ts";

/**
 * A big room changes shape (docs/premiere.md): a server of its own with a low threshold
 * (audience mode above 40 members, 8 shown, 2 comments a second), and 150 real members.
 */
describe("a room that changes shape with its size: audience mode", function () {
  this.timeout(120_000);
  const ABOVE = 40;
  const SHOWN = 8;
  let srv: ServerProcess;
  const rooms: Room<any>[] = [];
  /** each member's user id (open mode: the one it joined with) */
  const idOf = new Map<Room<any>, string>();

  before(async () => {
    srv = await startServerProcess({
      DATABASE_URL: process.env.DATABASE_URL,
      DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-aud-")),
      REDIS_URL: "",
      LOG_LEVEL: "warn",
      AUTH_MODE: "open",
      AUDIENCE_MODE_ABOVE: String(ABOVE),
      AUDIENCE_VISIBLE_MAX: String(SHOWN),
      ROOM_CHAT_PER_S: "2",
      STATUS_FLUSH_MS: "100",
      RATE_JOIN_PER_MIN: "100000",
      RATE_COMMENT_PER_MIN: "100000",
      RATE_REACTION_PER_10S: "10000",
      RATE_PER_ADDRESS_FACTOR: "10000",
      MAX_PENDING_SEATS_PER_ADDRESS: "100000",
      MAX_PENDING_SEATS_PER_ROOM: "100000",
    });
  });
  after(async () => {
    await srv?.stop(); // every member's socket closes with it
  });

  async function join(roomId: string, name: string): Promise<Room<any>> {
    const user_id = uid(name);
    const room = await new Client(srv.baseUrl).joinById(roomId, { user_id, username: name });
    room.reconnection.enabled = false;
    idOf.set(room, user_id);
    room.onMessage("*", () => {}); // what this member is not asked about
    rooms.push(room);
    return room;
  }

  const messages = (room: Room<any>, type: string) => {
    const got: any[] = [];
    room.onMessage(type, (m) => got.push(m));
    return got;
  };
  /** the comments a member receives: one by one (`comment`) or a second's worth (`comment_batch`) */
  const comments = (room: Room<any>) => {
    const got: any[] = [];
    room.onMessage("comment", (c) => got.push(c));
    room.onMessage("comment_batch", (b) => got.push(...b.comments));
    return got;
  };

  it("switches both ways, pages its members, slows its chat, counts reactions and statuses", async () => {
    const opts = createOptions();
    const host = await new Client(srv.baseUrl).create("watch_party", opts);
    host.reconnection.enabled = false;
    host.onMessage("welcome", () => {});
    rooms.push(host);
    const roomId = host.roomId;
    const hostId = opts.host_user_id;
    await eventually(() => host.state.members?.has(hostId), 5000, "host in the state");

    // a small room: everyone is shown, nothing changes
    const early: Room<any>[] = [];
    for (let i = 0; i < 10; i++) early.push(await join(roomId, `early${i}`));
    await eventually(() => host.state.members.size === 11, 5000, "11 shown");
    assert.equal(host.state.member_count, 11);
    assert.equal(host.state.audience, false);

    // past the threshold: audience mode, only the host (and later co-hosts, chatters) shown
    const crowd: Room<any>[] = [];
    for (let batch = 0; batch < 7; batch++)
      crowd.push(
        ...(await Promise.all(Array.from({ length: 20 }, (_, i) => join(roomId, `m${batch}-${i}`)))),
      );
    const member = crowd[crowd.length - 1]!;
    await eventually(() => member.state.member_count === 151, 10_000, "151 counted");
    assert.equal(member.state.audience, true);
    assert.deepEqual([...member.state.members.keys()], [hostId], "only the host shown");

    // a co-host is shown
    const cohostId = idOf.get(early[0]!)!;
    host.send("set_cohost", { user_id: cohostId, cohost: true });
    await eventually(() => member.state.members.has(cohostId), 5000, "co-host shown");
    // shown before the switch, hidden, shown again: whole, with its current fields
    const shownCohost = member.state.members.get(cohostId);
    assert.equal(shownCohost.username, "early0");
    assert.equal(shownCohost.is_cohost, true);
    assert.equal(shownCohost.connected, true);

    // the full list is paged over HTTP
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `?limit=50&cursor=${cursor}` : "?limit=50";
      const res = await fetch(`${srv.baseUrl}/api/rooms/${roomId}/members${q}`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        data: Array<{ user_id: string }>;
        next_cursor: string | null;
        member_count: number;
      };
      assert.equal(body.member_count, 151);
      for (const m of body.data) seen.add(m.user_id);
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    assert.equal(seen.size, 151, "every member on some page, once");
    assert.equal(pages, 4);
    const bad = await fetch(`${srv.baseUrl}/api/rooms/${roomId}/members?cursor=%25%25`);
    assert.equal(bad.status, 400);

    // slow mode: 2 comments a second reach everyone; the rest reach their author only
    const watcher = crowd[0]!;
    const batches = messages(watcher, "comment_batch");
    const watched = comments(watcher);
    const authors = crowd.slice(1, 7);
    const own = authors.map((a) => comments(a));
    authors.forEach((a, i) => a.send("comment", { message: `hello ${i}` }));
    await eventually(() => own.every((o) => o.length >= 1), 5000, "each author sees its own comment");
    await new Promise((r) => setTimeout(r, 1200));
    assert.ok(watched.length >= 1 && watched.length <= 2, `a bystander saw ${watched.length} of 6`);
    assert.ok(batches.length >= 1 && batches.length <= 2, `in comment_batch messages (${batches.length})`);
    const stored = await fetch(
      `${srv.baseUrl}/api/comments?anime_id=${host.state.anime_id}&episode_number=${host.state.episode_number}&limit=100`,
    );
    const thread = (await stored.json()) as { data: { comments: unknown[] } };
    assert.equal(thread.data.comments.length, 6, "all 6 stored");
    // a chatter is shown
    const chatterId = watched[0].user_id as string; // a comment that reached everyone
    await eventually(
      () => member.state.members.has(chatterId),
      5000,
      "a recent chatter whose comment reached everyone is shown",
    );
    assert.ok(member.state.members.size <= SHOWN);

    // reactions arrive as counts, about once a second, never one by one
    const counts = messages(watcher, "reaction_counts");
    const single = messages(watcher, "reaction");
    for (const r of crowd.slice(10, 30)) r.send("reaction", { emoji: "🔥", video_timestamp: 1 });
    await eventually(
      () => counts.reduce((n, c) => n + (c.counts["🔥"] ?? 0), 0) === 20,
      5000,
      "20 fires counted",
    );
    assert.ok(counts.length <= 3, `${counts.length} count messages`);
    assert.equal(single.length, 0);

    // status reports are folded into counts and percentiles
    crowd
      .slice(0, 100)
      .forEach((r, i) =>
        r.send("status", { current_time: 0.01 * (i % 10), is_playing: false, buffering: i >= 90 }),
      );
    await eventually(
      () => member.state.sync_summary.buffering === 10 && member.state.sync_summary.synced >= 80,
      5000,
      `statuses folded (${JSON.stringify(member.state.sync_summary?.toJSON?.())})`,
    );

    // nobody's buffering holds a big room; a ready check still starts playback once all are ready
    host.send("ready_check", { timeout_s: 60 });
    await eventually(() => member.state.ready_check.active, 5000, "ready check on");
    for (const r of [host, ...early, ...crowd]) r.send("ready", { ready: true });
    await eventually(() => member.state.playback.is_playing, 5000, "all ready: playing");
    await new Promise((r) => setTimeout(r, 2000)); // past the grace after a playback change
    crowd[5]!.send("status", { current_time: 2, is_playing: true, buffering: true });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(member.state.hold.active, false, "no hold for one buffering member");
    assert.equal(member.state.playback.is_playing, true);

    // the room shrinks: back to showing everyone (at 90 % of the threshold)
    const leaving = crowd.splice(0, 115);
    await Promise.all(leaving.map((r) => r.leave()));
    await eventually(() => host.state.member_count === 36, 10_000, "36 left");
    assert.equal(host.state.audience, false);
    assert.equal(host.state.members.size, 36, "everyone shown again");
  });
});
