import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { eq } from "drizzle-orm";
import { rooms } from "../../src/db/schema.ts";
import { WatchParty } from "../../client/index.ts";
import { openDatabase, type Database } from "../../src/db/connect.ts";
import { createOptions, eventually, uid } from "../helpers/server.ts";
import { startServerProcess, stoppedAfterEach, type ServerProcess } from "../helpers/process.ts";
import { startBalancer, type Balancer } from "../helpers/balancer.ts";
import { clusterRedisUrl } from "../helpers/cluster-redis.ts";

const base = process.env.DATABASE_URL;
const redisBase = process.env.REDIS_URL;

interface Listing {
  roomId: string;
  processId: string;
  publicAddress: string;
}

/** A party of three (host and two members) joined through the balancer, the SDK rejoining by itself. */
interface Party {
  roomId: string;
  members: WatchParty[];
  events: string[];
  position: number;
  /** the host pressed play at `position` (else paused there) */
  playing: boolean;
}

const FAST = { rejoin: { baseDelayMs: 200, maxDelayMs: 1000, jitter: 0.2 }, minUptimeMs: 0 };

/** Three processes on one PostgreSQL and one Redis, a load balancer in front (as in production). */
describe("a process of three dies or stalls", function () {
  this.timeout(180_000);
  const processes = stoppedAfterEach();
  let redis: Redis;
  let db: Database;
  let lb: Balancer | undefined;
  const excluded = new Set<ServerProcess>();
  const parties: Party[] = [];

  before(async function () {
    if (!base || !redisBase) this.skip(); // needs real PostgreSQL and Redis: CI's first run has both
    redis = new Redis(clusterRedisUrl());
    db = await openDatabase({ databaseUrl: base!, dataDir: "" });
  });
  beforeEach(async () => {
    await redis.flushdb();
    excluded.clear();
    const env = {
      DATABASE_URL: base,
      REDIS_URL: clusterRedisUrl(),
      PUBLIC_ADDRESS: "auto",
      LOG_LEVEL: "info",
      AUTH_MODE: "open",
      RATE_JOIN_PER_MIN: "1000", // every client of the test joins from one address
      RATE_ROOM_CREATE_PER_HOUR: "1000",
      RATE_CONTROL_PER_S: "100",
    };
    processes.push(...(await Promise.all([0, 1, 2].map(() => startServerProcess(env)))));
    lb = await startBalancer(() =>
      processes.filter((p) => !excluded.has(p) && p.child.exitCode === null).map((p) => p.port),
    );
  });
  afterEach(async () => {
    await Promise.all(parties.splice(0).flatMap((p) => p.members.map((m) => m.leave().catch(() => {}))));
    await lb?.close();
  });
  after(async () => {
    redis?.disconnect();
    await db?.close();
  });

  async function listings(): Promise<Listing[]> {
    return Object.values(await redis.hgetall("roomcaches")).map((v) => JSON.parse(v) as Listing);
  }

  function processAt(listing: Listing): ServerProcess {
    const found = processes.find((p) => listing.publicAddress === `127.0.0.1:${p.port}`);
    assert.ok(found, `a process at ${listing.publicAddress}`);
    return found;
  }

  /** `count` parties; each host pauses at a position of its own (acknowledged, stored). */
  async function openParties(count: number, size = 3, play = false): Promise<Party[]> {
    const opened: Party[] = [];
    for (let i = 0; i < count; i++) {
      const host = await WatchParty.create(lb!.url, createOptions({ is_public: true }), FAST);
      const members = [host];
      for (let m = 1; m < size; m++)
        members.push(
          await WatchParty.join(lb!.url, host.roomId, { user_id: uid("m"), username: `M${m}` }, FAST),
        );
      const playing = play && i % 2 === 1;
      const party: Party = { roomId: host.roomId, members, events: [], position: 100 + i * 7.25, playing };
      for (const [n, member] of members.entries()) {
        member.on("drop", () => party.events.push(`drop ${n}`));
        member.on("rejoin", () => party.events.push(`rejoin ${n}`));
      }
      host.control(playing ? "play" : "pause", party.position);
      await eventually(
        () =>
          members.every(
            (m) => m.state.playback.position === party.position && m.state.playback.is_playing === playing,
          ),
        5000,
        "every member sees the host's pause",
      );
      opened.push(party);
    }
    parties.push(...opened);
    return opened;
  }

  async function roomsByProcess(): Promise<Map<ServerProcess, string[]>> {
    const by = new Map<ServerProcess, string[]>(processes.map((p) => [p, []]));
    for (const l of await listings()) by.get(processAt(l))!.push(l.roomId);
    return by;
  }

  async function row(roomId: string) {
    const [found] = await db.db
      .select({
        epoch: rooms.epoch,
        process_id: rooms.process_id,
        position: rooms.position,
        seq: rooms.seq,
        host_actions: rooms.host_actions,
      })
      .from(rooms)
      .where(eq(rooms.room_id, roomId));
    assert.ok(found, `room ${roomId} is stored`);
    return found;
  }

  /**
   * Every member is connected to the room again, once, at the host's last position: paused there,
   * or (the host had pressed play) playing on from there, every member on the same clock.
   */
  async function backInPlace(party: Party, timeoutMs: number): Promise<void> {
    await eventually(
      () =>
        party.members.every(
          (m) =>
            m.isConnected &&
            (party.playing
              ? m.state.playback.is_playing && m.state.playback.position >= party.position
              : m.state.playback.position === party.position) &&
            m.state.playback.updated_at === party.members[0]!.state.playback.updated_at &&
            m.state.members.size === party.members.length &&
            [...m.state.members.values()].every((s) => s.connected),
        ),
      timeoutMs,
      `room ${party.roomId}: every member back at ${party.position}`,
    ).catch((err: Error) => {
      const seen = party.members.map((m) => ({
        connected: m.isConnected,
        closed: m.isClosed,
        position: m.state.playback.position,
        members: [...m.state.members.values()].map((s) => `${s.user_id}:${s.connected}`),
      }));
      throw new Error(`${err.message}: ${JSON.stringify(seen)} [${party.events.join(",")}]`);
    });
  }

  it("SIGKILL of the busiest: its rooms come back on the survivors with their members, the others never notice", async () => {
    const opened = await openParties(9, 3, true);
    await new Promise((r) => setTimeout(r, 300)); // the last host action was acknowledged ≥ 300 ms before the kill
    const by = await roomsByProcess();
    const [victim, victimRooms] = [...by.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
    assert.ok(victimRooms.length > 0);
    const victimId = (await listings()).find((l) => victimRooms.includes(l.roomId))!.processId;
    const moved = opened.filter((p) => victimRooms.includes(p.roomId));
    const stayed = opened.filter((p) => !victimRooms.includes(p.roomId));
    const seqBefore = new Map(stayed.map((p) => [p.roomId, p.members[0]!.state.playback.seq]));

    victim.child.kill("SIGKILL");
    excluded.add(victim);

    // every member of the dead process's rooms notices, then comes back by itself, at the host's
    // last position, the owner host again
    await eventually(
      () => moved.every((p) => p.members.every((_, n) => p.events.includes(`drop ${n}`))),
      10_000,
      "every member of a dead room sees the drop",
    );
    for (const party of moved) await backInPlace(party, 20_000);
    for (const party of moved) {
      const owner = party.members[0]!;
      await eventually(() => owner.isHost, 5000, `owner host again (host: ${owner.state.host_user_id})`);
      assert.ok(
        party.events.some((e) => e.startsWith("rejoin")),
        `${party.roomId}: [${party.events.join(",")}]`,
      );
    }
    // joinable by anyone through the survivors, where the host left it
    for (const party of moved) {
      const late = await WatchParty.join(
        lb!.url,
        party.roomId,
        { user_id: uid("late"), username: "Late" },
        FAST,
      );
      assert.equal(late.state.playback.is_playing, party.playing);
      if (party.playing) assert.ok(late.state.playback.position >= party.position);
      else assert.equal(late.state.playback.position, party.position);
      await late.leave();
      const overHttp = await fetch(`${lb!.url}/api/rooms/${party.roomId}/join`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user_id: uid("http"), username: "Http" }),
      });
      assert.equal(overHttp.status, 200, "POST /api/rooms/:id/join through a survivor");
    }
    // the rooms elsewhere saw nothing
    for (const party of stayed) {
      assert.deepEqual(party.events, [], `room ${party.roomId} on a survivor`);
      assert.equal(party.members[0]!.state.playback.seq, seqBefore.get(party.roomId));
    }
    // the listing holds no room of the dead process
    const after = await listings();
    assert.equal(after.filter((l) => l.processId === victimId).length, 0);
    for (const party of moved)
      assert.ok(after.some((l) => l.roomId === party.roomId && l.processId !== victimId));
  });

  it("SIGSTOP for 10 s: its rooms are restored elsewhere; after SIGCONT its copies close and write nothing", async () => {
    const opened = await openParties(7, 2);
    const by = await roomsByProcess();
    const [victim, victimRooms] = [...by.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
    assert.ok(victimRooms.length >= 2, "the busiest process has two rooms or more");
    const victimId = (await listings()).find((l) => victimRooms.includes(l.roomId))!.processId;
    const onVictim = opened.filter((p) => victimRooms.includes(p.roomId));
    const untouched = onVictim.pop()!; // nobody joins it during the stall: it stays where it is
    const taken = onVictim;

    const takenAt = new Map<string, Awaited<ReturnType<typeof row>>>();
    victim.child.kill("SIGSTOP");
    const stoppedAt = Date.now();
    excluded.add(victim);
    // the balancer stops sending to it, also over kept-alive connections (a request on one that
    // was piped to the stalled process would wait for it forever, as no real balancer lets it)
    lb!.dropAll();
    try {
      await eventually(
        async () => (await redis.exists(`anisync:alive:${victimId}`)) === 0,
        10_000,
        "the stalled process's heartbeat lapses",
      );
      // a newcomer's join through a survivor restores the room there, a generation on
      for (const party of taken) {
        const before = await row(party.roomId);
        const newcomer = await WatchParty.join(
          lb!.url,
          party.roomId,
          { user_id: uid("new"), username: "New" },
          FAST,
        );
        party.members.push(newcomer);
        assert.equal(newcomer.state.playback.position, party.position);
        const now = await row(party.roomId);
        assert.equal(now.epoch, before.epoch + 1);
        assert.notEqual(now.process_id, victimId);
        takenAt.set(party.roomId, now);
        // the stalled copy's host seeks: the message waits in the socket until SIGCONT
        party.members[0]!.control("seek", 777);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + 10_000 - Date.now())));
    } finally {
      victim.child.kill("SIGCONT");
    }
    excluded.delete(victim);

    // the old copies close, their members rejoin the room where it lives now
    for (const party of taken) await backInPlace(party, 20_000);
    for (const party of taken) {
      assert.ok(
        party.events.includes("rejoin 0") && party.events.includes("rejoin 1"),
        party.events.join(","),
      );
      const members = await (await fetch(`${lb!.url}/api/rooms/${party.roomId}/members`)).json();
      const ids = (members as { data: { user_id: string }[] }).data.map((m) => m.user_id).sort();
      assert.deepEqual(ids, party.members.map((m) => m.userId).sort(), "each member once");
    }
    // nothing of the stalled copies landed after the takeover
    await new Promise((r) => setTimeout(r, 1000));
    for (const party of taken) {
      const now = await row(party.roomId);
      assert.notEqual(now.position, 777);
      const { epoch, process_id, position, seq, host_actions } = takenAt.get(party.roomId)!;
      assert.deepEqual(now, { epoch, process_id, position, seq, host_actions }, "as the takeover left it");
    }
    const log = victim.output();
    const closed = log
      .split("\n")
      .filter((line) => line.includes("room taken by another process: this copy closes"));
    for (const party of taken)
      assert.ok(
        closed.some((line) => line.includes(party.roomId)),
        party.roomId,
      );
    // the room nobody touched stayed on the stalled process, listed again, its members never left
    await eventually(
      async () => (await listings()).some((l) => l.roomId === untouched.roomId && l.processId === victimId),
      10_000,
      "the untouched room is listed again on its process",
    );
    assert.deepEqual(untouched.events, []);
  });

  it("a private room comes back with its key, invite, owner, co-host, mute and ban", async () => {
    const host = await WatchParty.create(lb!.url, createOptions({ is_public: false }), FAST);
    const key = host.accessKey!;
    const invite = host.invite!;
    const join = (name: string) =>
      WatchParty.join(lb!.url, host.roomId, { user_id: uid(name), username: name, access_key: key }, FAST);
    const cohost = await join("co");
    const muted = await join("mu");
    const party: Party = {
      roomId: host.roomId,
      members: [host, cohost, muted],
      events: [],
      position: 0,
      playing: false,
    };
    parties.push(party);
    for (const [n, m] of party.members.entries()) m.on("drop", () => party.events.push(`drop ${n}`));
    const errors: string[] = [];
    host.on("error", (e) => errors.push(JSON.stringify(e)));
    const banned = uid("banned");
    host.setCohost(cohost.userId, true);
    host.mute(muted.userId, true);
    host.ban(banned);
    host.control("pause", 33.5);
    party.position = 33.5;
    await eventually(
      () =>
        cohost.state.members.get(cohost.userId)?.is_cohost === true &&
        cohost.state.members.get(muted.userId)?.muted === true &&
        cohost.state.playback.position === 33.5,
      5000,
      "co-host, mute and pause seen",
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${errors.join(" ")} ${JSON.stringify(cohost.state.toJSON())}`);
    });
    await new Promise((r) => setTimeout(r, 300));
    const listing = (await listings()).find((l) => l.roomId === host.roomId)!;
    const victim = processAt(listing);
    victim.child.kill("SIGKILL");
    excluded.add(victim);

    await eventually(() => party.events.length === 3, 10_000, "every member sees the drop");
    await backInPlace(party, 20_000);
    await eventually(() => host.isHost, 5000, "the owner is host again");
    assert.equal(host.accessKey, key);
    assert.equal(host.invite, invite);
    assert.equal(host.state.owner_user_id, host.userId);
    assert.equal(host.state.members.get(cohost.userId)?.is_cohost, true);
    assert.equal(host.state.members.get(muted.userId)?.muted, true);
    await assert.rejects(
      WatchParty.join(
        lb!.url,
        host.roomId,
        { user_id: banned, username: "B", access_key: key },
        { rejoin: false },
      ),
      (err: Error) => err.message.startsWith("BANNED"),
    );
    const listed = (await listings()).find((l) => l.roomId === host.roomId);
    assert.ok(listed && listed.processId !== listing.processId, "listed on a survivor");
  });

  it("30 rooms created at once through one process spread over the three within 20 %", async () => {
    const entry = processes[0]!;
    const created = await Promise.all(
      Array.from({ length: 30 }, () =>
        fetch(`${entry.baseUrl}/api/rooms`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(createOptions()),
        }),
      ),
    );
    assert.deepEqual(
      created.map((r) => r.status),
      Array(30).fill(201),
    );
    const counts = [...(await roomsByProcess()).values()].map((ids) => ids.length);
    assert.equal(
      counts.reduce((a, b) => a + b),
      30,
    );
    for (const n of counts) assert.ok(n >= 8 && n <= 12, `rooms per process: ${counts.join("/")}`);
  });
});
