import assert from "node:assert/strict";
import { Client, type Room } from "@colyseus/sdk";
import { createOptions, eventually, joined, uid } from "../helpers/server.ts";
import type { ServerProcess } from "../helpers/process.ts";
import { serverBehindProxy, type BehindProxy } from "../helpers/behind-proxy.ts";
import { Rng } from "../helpers/rng.ts";

const base = process.env.DATABASE_URL;
/** OUTAGE_SEED=n replays one run; OUTAGE_RUNS=n runs that many seeds from it */
const FIRST_SEED = Number(process.env.OUTAGE_SEED ?? 1);
const RUNS = Number(process.env.OUTAGE_RUNS ?? (process.env.OUTAGE_SEED ? 1 : 10));

const KINDS = ["seek", "seek_http", "transfer", "rename"] as const;
type Kind = (typeof KINDS)[number] | "delete";

interface Party {
  roomId: string;
  users: [string, string];
  rooms: Map<string, Room<any>>;
  tokens: Map<string, string>;
  deleted: boolean;
}

/**
 * Seeded runs: the network between AniSync and PostgreSQL partitions for a random 2–8 s while two
 * rooms play; seeks (over the socket and over HTTP), host transfers, renames and a delete happen
 * at random moments before, during and right after it. The partition heals as TCP heals one: what
 * was sent during it arrives late, after the server's own retries. Once every HTTP call is
 * answered and nothing is pending, the process is SIGKILLed: the database must hold what members
 * last saw and what every HTTP answer said, in order.
 */
describe("random database outages: every acknowledged change is stored, in order", function () {
  this.timeout(RUNS * 60_000);
  before(function () {
    if (!base) this.skip(); // needs PostgreSQL (a TCP path to cut)
  });

  for (let seed = FIRST_SEED; seed < FIRST_SEED + RUNS; seed++) {
    it(`seed ${seed} (replay: OUTAGE_SEED=${seed})`, async () => {
      try {
        await run(seed);
      } catch (err) {
        console.log(`      outage run failed: replay with OUTAGE_SEED=${seed}`);
        throw err;
      }
    });
  }
});

async function run(seed: number): Promise<void> {
  const rng = new Rng(seed);
  let env: BehindProxy | undefined;
  let srv: ServerProcess | undefined;
  const parties: Party[] = [];
  try {
    env = await serverBehindProxy(base!, `anisync_outage_r${seed}_${process.pid}`, {
      LOG_LEVEL: "error",
      RATE_CONTROL_PER_S: "1000",
      RATE_MANAGE_PER_HOUR: "100000",
      DB_CONNECT_TIMEOUT_MS: "1000",
      DB_STATEMENT_TIMEOUT_MS: "1000",
    });
    const { proxy, db } = env;
    srv = env.srv;
    for (let i = 0; i < 2; i++) parties.push(await party(srv));
    for (const p of parties)
      await act(srv, p, "POST", `/api/rooms/${p.roomId}/control`, p.users[0], {
        action: "play",
        current_time: 5,
      });

    const cutAt = 500 + rng.int(1500);
    const cutMs = 2000 + rng.int(6000);
    const deliverAfterMs = rng.int(4000);
    const deleteOne = rng.chance(0.4);
    const ops: { at: number; party: number; kind: Kind; value: number }[] = Array.from(
      { length: 8 + rng.int(6) },
      () => ({
        at: Math.max(0, cutAt - 1500 + rng.int(cutMs + 3000)),
        party: rng.int(2),
        kind: rng.pick(KINDS),
        value: rng.int(1000),
      }),
    );
    if (deleteOne)
      ops.push({ at: cutAt + rng.int(cutMs + 1500), party: rng.int(2), kind: "delete", value: 0 });
    ops.sort((a, b) => a.at - b.at);

    const started = Date.now();
    const cutting = (async () => {
      await sleepUntil(started + cutAt);
      proxy.cut({ mode: "hold", deliverAfterMs });
      await sleepUntil(started + cutAt + cutMs);
      proxy.restore();
    })();
    const answers: Promise<void>[] = [];
    for (const op of ops) {
      await sleepUntil(started + op.at);
      const p = parties[op.party]!;
      if (p.deleted) continue;
      const hostId = p.rooms.get(p.users[0])!.state.host_user_id as string;
      const other = p.users.find((u) => u !== hostId)!;
      switch (op.kind) {
        case "seek": {
          // over the host's socket: acknowledged once the members see it
          p.rooms.get(hostId)!.send("control", { action: "seek", current_time: op.value });
          await seen(p, (r) => r.state.playback.position === op.value, "a seek");
          break;
        }
        case "seek_http":
          answers.push(
            act(srv, p, "POST", `/api/rooms/${p.roomId}/control`, hostId, {
              action: "seek",
              current_time: op.value,
            }),
          );
          await seen(p, (r) => r.state.playback.position === op.value, "an HTTP seek");
          break;
        case "transfer":
          p.rooms.get(hostId)!.send("transfer_host", { user_id: other });
          await seen(p, (r) => r.state.host_user_id === other, "a transfer");
          break;
        case "rename": {
          const who = rng.pick(p.users);
          answers.push(
            act(srv, p, "PATCH", `/api/rooms/${p.roomId}/members/${who}`, who, { username: `N${op.value}` }),
          );
          break;
        }
        case "delete":
          p.deleted = true;
          answers.push(act(srv, p, "DELETE", `/api/rooms/${p.roomId}`, p.users[0]));
          break;
      }
    }
    await cutting;
    await Promise.all(answers);
    await proxy.delivered();
    await eventually(async () => (await pendingWrites(srv!)) === 0, 30_000, "no write pending");
    await new Promise((r) => setTimeout(r, 300)); // what was delivered late has run
    // what the members saw last, before the process dies
    const seenLast = parties.map((p) => {
      const state = p.rooms.get(p.users[1])!.state;
      return {
        host: state.host_user_id as string,
        position: state.playback.position as number,
        seq: state.playback.seq as number,
        names: new Map(p.users.map((u) => [u, state.members.get(u)?.username as string])),
      };
    });
    await srv.stop("SIGKILL");
    srv = undefined;

    for (const [i, p] of parties.entries()) {
      const { rows } = await db.query("SELECT host_user_id, position, seq FROM rooms WHERE room_id = $1", [
        p.roomId,
      ]);
      const what = `seed ${seed}, room ${i} (cut at ${cutAt} ms for ${cutMs} ms, held writes ${deliverAfterMs} ms late)`;
      if (p.deleted) {
        assert.equal(rows.length, 0, `${what}: the acknowledged delete is stored`);
        continue;
      }
      const saw = seenLast[i]!;
      assert.deepEqual(
        rows[0],
        { host_user_id: saw.host, position: saw.position, seq: saw.seq },
        `${what}: stored host and playback are what members saw last`,
      );
      const names = await db.query("SELECT user_id, username FROM members WHERE room_id = $1", [p.roomId]);
      for (const row of names.rows)
        assert.equal(row.username, saw.names.get(row.user_id), `${what}: ${row.user_id}'s acknowledged name`);
    }
  } finally {
    for (const p of parties) for (const room of p.rooms.values()) room.connection?.close();
    await env?.close("SIGKILL");
  }
}

async function party(srv: ServerProcess): Promise<Party> {
  const hostId = uid("host");
  const memberId = uid("member");
  const host = await joined(
    new Client(srv.baseUrl).create("watch_party", createOptions({ host_user_id: hostId })),
  );
  const roomId = host.room.roomId as string;
  const member = await joined(
    new Client(srv.baseUrl).joinById(roomId, { user_id: memberId, username: "Mo" }),
  );
  await eventually(() => host.room.state.members.size === 2);
  return {
    roomId,
    users: [hostId, memberId],
    rooms: new Map([
      [hostId, host.room],
      [memberId, member.room],
    ]),
    tokens: new Map([
      [hostId, host.welcome.member_token],
      [memberId, member.welcome.member_token],
    ]),
    deleted: false,
  };
}

/** An HTTP change as `userId`; it must be acknowledged (2xx). */
async function act(
  srv: ServerProcess,
  p: Party,
  method: string,
  route: string,
  userId: string,
  body?: unknown,
) {
  const res = await fetch(`${srv.baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${p.tokens.get(userId)}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await res.text();
  assert.ok(res.status >= 200 && res.status < 300, `${method} ${route}: ${res.status} ${answer}`);
}

async function seen(p: Party, check: (room: Room<any>) => boolean, what: string): Promise<void> {
  await eventually(() => [...p.rooms.values()].every(check), 3000, `members see ${what}`);
}

async function pendingWrites(srv: ServerProcess): Promise<number> {
  const text = await (await fetch(`${srv.baseUrl}/metrics`)).text();
  return Number(/^anisync_db_writes_pending (\S+)/m.exec(text)?.[1] ?? NaN);
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
}
