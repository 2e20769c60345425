import assert from "node:assert/strict";
import { Client } from "@colyseus/sdk";
import type { Pool } from "pg";
import { createOptions, eventually, joined, uid } from "../helpers/server.ts";
import type { ServerProcess } from "../helpers/process.ts";
import type { TcpProxy } from "../helpers/tcp-proxy.ts";
import { serverBehindProxy, type BehindProxy } from "../helpers/behind-proxy.ts";

const base = process.env.DATABASE_URL;
const CUT_MS = 30_000;
/** the server's HTTP_WRITE_WAIT_S here: a change still waiting for the database then is answered 202 */
const WRITE_WAIT_S = 8;

interface Ack {
  what: string;
  status: number;
  body: any;
  ms: number;
}

/**
 * A TCP proxy between AniSync and PostgreSQL (the real database keeps running) is cut for 30 s
 * while three rooms play and their hosts seek, transfer and delete.
 */
describe("a 30 s database outage between AniSync and PostgreSQL", function () {
  this.timeout(120_000);
  let proxy: TcpProxy;
  let srv: ServerProcess;
  let db: Pool;
  let env: BehindProxy | undefined;
  const rooms: Awaited<ReturnType<typeof party>>[] = [];

  before(async function () {
    if (!base) this.skip(); // needs PostgreSQL
    env = await serverBehindProxy(base!, `anisync_outage_${process.pid}_${Date.now()}`, {
      RATE_CONTROL_PER_S: "100",
      RATE_MANAGE_PER_HOUR: "100000",
      DB_CONNECT_TIMEOUT_MS: "1000",
      DB_STATEMENT_TIMEOUT_MS: "2000",
      HTTP_WRITE_WAIT_S: String(WRITE_WAIT_S),
    });
    ({ proxy, srv, db } = env);
  });

  after(async () => {
    // a deleted room's sockets are closed already: leave() would wait forever
    const leaving = rooms.flatMap((r) =>
      [r.host.room, r.member.room].map((room) => room.leave().catch(() => {})),
    );
    await Promise.race([Promise.all(leaving), new Promise((r) => setTimeout(r, 2000))]);
    const code = await env?.close("SIGTERM");
    if (env) assert.equal(code, 0, `exits cleanly after the outage:\n${srv.output()}`);
  });

  async function party() {
    const host = await joined(new Client(srv.baseUrl).create("watch_party", createOptions()));
    const memberId = uid("member");
    const roomId = host.room.roomId as string;
    const member = await joined(
      new Client(srv.baseUrl).joinById(roomId, { user_id: memberId, username: "Mo" }),
    );
    await eventually(() => host.room.state.members.size === 2);
    return { host, member, roomId, hostId: host.welcome.user_id as string, memberId };
  }

  async function call(
    what: string,
    method: string,
    route: string,
    token: string,
    body?: unknown,
  ): Promise<Ack> {
    const started = Date.now();
    const res = await fetch(`${srv.baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { what, status: res.status, body: await res.json().catch(() => null), ms: Date.now() - started };
  }

  const ready = async () => (await fetch(`${srv.baseUrl}/health/ready`)).status;
  const outcome = async (writeId: string) =>
    ((await (await fetch(`${srv.baseUrl}/api/writes/${writeId}`)).json()) as any).data?.status as string;

  it("rooms keep playing, /health/ready says 503 then 200, changes are answered within HTTP_WRITE_WAIT_S, and every acknowledged one is stored in order", async () => {
    for (let i = 0; i < 3; i++) rooms.push(await party());
    for (const r of rooms) {
      const ack = await call("play", "POST", `/api/rooms/${r.roomId}/control`, r.host.welcome.member_token, {
        action: "play",
        current_time: 10,
      });
      assert.equal(ack.status, 200, JSON.stringify(ack.body));
    }
    assert.equal(await ready(), 200);

    const cutAt = Date.now();
    proxy.cut();
    await eventually(async () => (await ready()) === 503, 10_000, "/health/ready 503 during the cut");
    const readyDownMs = Date.now() - cutAt;
    assert.equal((await fetch(`${srv.baseUrl}/health/live`)).status, 200, "the process itself is alive");

    const acks: Promise<Ack>[] = [];
    const [a, b, c] = rooms;
    for (const [i, r] of [a!, b!].entries()) {
      // the host seeks over HTTP: the members see it at once, the answer waits for the commit
      acks.push(
        call(`seek ${i}`, "POST", `/api/rooms/${r.roomId}/control`, r.host.welcome.member_token, {
          action: "seek",
          current_time: 100 + i,
        }),
      );
      await eventually(() => r.member.room.state.playback.position === 100 + i, 2000, "members see the seek");
      // the host hands over over its socket; the new host seeks over its socket and over HTTP
      r.host.room.send("transfer_host", { user_id: r.memberId });
      await eventually(
        () => r.member.room.state.host_user_id === r.memberId,
        2000,
        "members see the transfer",
      );
      r.member.room.send("control", { action: "seek", current_time: 200 + i });
      await eventually(
        () => r.host.room.state.playback.position === 200 + i,
        2000,
        "members see the new host",
      );
      acks.push(
        call(`pause ${i}`, "POST", `/api/rooms/${r.roomId}/control`, r.member.welcome.member_token, {
          action: "pause",
          current_time: 300 + i,
        }),
      );
      await eventually(() => r.host.room.state.playback.position === 300 + i, 2000, "members see the pause");
      acks.push(
        call(
          `rename ${i}`,
          "PATCH",
          `/api/rooms/${r.roomId}/members/${r.hostId}`,
          r.host.welcome.member_token,
          { username: `Renamed ${i}` },
        ),
      );
    }
    acks.push(
      call("seek 2", "POST", `/api/rooms/${c!.roomId}/control`, c!.host.welcome.member_token, {
        action: "seek",
        current_time: 50,
      }),
    );
    acks.push(call("delete 2", "DELETE", `/api/rooms/${c!.roomId}`, c!.host.welcome.member_token));
    const comment = call("comment", "POST", "/api/comments", a!.member.welcome.member_token, {
      message: "posted while the database is away",
    });

    // every change is answered within the bound: 202 (pending, with a write to ask about), as
    // nothing can be stored now; the comment is stored (201), pending (202) or refused (503)
    const during = await Promise.all(acks);
    for (const ack of during) {
      assert.ok(ack.ms <= WRITE_WAIT_S * 1000 + 1000, `${ack.what} answered in ${ack.ms} ms`);
      assert.equal(ack.status, 202, `${ack.what}: ${JSON.stringify(ack.body)}`);
      assert.equal(ack.body.write.status, "pending");
      assert.equal(ack.body.write.outcome, `/api/writes/${ack.body.write.id}`);
    }
    const commented = await comment;
    assert.ok(commented.ms <= WRITE_WAIT_S * 1000 + 1000, `the comment answered in ${commented.ms} ms`);
    assert.ok([201, 202, 503].includes(commented.status), `comment: ${commented.status}`);
    assert.equal(Date.now() < cutAt + CUT_MS, true, "all answered during the outage");
    assert.equal(await ready(), 503);
    await new Promise((r) => setTimeout(r, Math.max(0, cutAt + CUT_MS - Date.now())));
    const restoredAt = Date.now();
    proxy.restore();
    await eventually(async () => (await ready()) === 200, 15_000, "/health/ready 200 after the outage");
    const readyUpMs = Date.now() - restoredAt;

    // every pending change is stored once the database is back, as /api/writes says
    const answered = during;
    const lastAnswerMs = Math.max(...answered.map((x) => x.ms));
    for (const ack of answered)
      await eventually(
        async () => (await outcome(ack.body.write.id)) === "stored",
        15_000,
        `${ack.what}: /api/writes says stored`,
      );
    console.log(
      `      outage ${CUT_MS} ms: ready 503 after ${readyDownMs} ms, 200 ${readyUpMs} ms after the restore;` +
        ` ${answered.length} changes answered 202 (slowest ${lastAnswerMs} ms), all stored after; comment ${commented.status}`,
    );

    // every acknowledged change is there, and the later one won (order)
    for (const [i, r] of [a!, b!].entries()) {
      const { rows } = await db.query(
        "SELECT position, is_playing, seq, host_user_id FROM rooms WHERE room_id = $1",
        [r.roomId],
      );
      assert.equal(rows.length, 1);
      const pause = answered.find((x) => x.what === `pause ${i}`)!;
      assert.deepEqual(
        rows[0],
        {
          position: 300 + i,
          is_playing: false,
          seq: pause.body.data.seq,
          host_user_id: r.memberId,
        },
        srv
          .output()
          .split("\n")
          .filter((l) => !l.includes("retrying"))
          .join("\n"),
      );
      assert.equal(r.member.room.state.playback.seq, pause.body.data.seq, "members saw the same");
      const member = await db.query("SELECT username FROM members WHERE room_id = $1 AND user_id = $2", [
        r.roomId,
        r.hostId,
      ]);
      assert.equal(member.rows[0].username, `Renamed ${i}`);
    }
    const posted = await db.query("SELECT 1 FROM comments WHERE message = $1", [
      "posted while the database is away",
    ]);
    const commentStored =
      commented.status === 201 ||
      (commented.status === 202 &&
        (await eventually(async () => {
          const status = await outcome(commented.body.write.id);
          return status !== "pending" && status;
        })) === "stored");
    assert.equal(posted.rows.length, commentStored ? 1 : 0, "the comment is stored as its answer said");
    const gone = await db.query("SELECT 1 FROM rooms WHERE room_id = $1", [c!.roomId]);
    assert.equal(gone.rows.length, 0, "the acknowledged delete is stored");
    assert.doesNotMatch(srv.output(), /given up/, "no write was given up");
  });
});

/** A change answered 202 whose write is then given up (OUTBOX_GIVE_UP_S passes during the cut). */
describe("a change pending past HTTP_WRITE_WAIT_S and then given up", function () {
  this.timeout(90_000);
  let proxy: TcpProxy;
  let srv: ServerProcess;
  let db: Pool;
  let env: BehindProxy | undefined;
  const open: Awaited<ReturnType<typeof joined>>[] = [];

  before(async function () {
    if (!base) this.skip(); // needs PostgreSQL
    env = await serverBehindProxy(base!, `anisync_abandon_${process.pid}_${Date.now()}`, {
      DB_CONNECT_TIMEOUT_MS: "1000",
      DB_STATEMENT_TIMEOUT_MS: "1000",
      HTTP_WRITE_WAIT_S: "2",
      OUTBOX_GIVE_UP_S: "5",
    });
    ({ proxy, srv, db } = env);
  });

  after(async () => {
    for (const p of open) p.room.connection?.close();
    await env?.close("SIGTERM");
  });

  it("is answered 202, /api/writes says abandoned, and the database does not hold it", async () => {
    const host = await joined(new Client(srv.baseUrl).create("watch_party", createOptions()));
    open.push(host);
    const roomId = host.room.roomId as string;
    const seek = (current_time: number) =>
      fetch(`${srv.baseUrl}/api/rooms/${roomId}/control`, {
        method: "POST",
        headers: { authorization: `Bearer ${host.welcome.member_token}`, "content-type": "application/json" },
        body: JSON.stringify({ action: "seek", current_time }),
      });
    assert.equal((await seek(10)).status, 200, "stored while the database is there");

    proxy.cut();
    const started = Date.now();
    const res = await seek(77);
    const body = (await res.json()) as any;
    assert.equal(res.status, 202, JSON.stringify(body));
    assert.ok(Date.now() - started <= 3000, "answered within HTTP_WRITE_WAIT_S + 1 s");
    assert.equal(res.headers.get("location"), `/api/writes/${body.write.id}`);
    assert.equal(body.data.position, 77, "what members see now");
    const status = async () =>
      ((await (await fetch(`${srv.baseUrl}/api/writes/${body.write.id}`)).json()) as any).data?.status;
    assert.equal(await status(), "pending");
    await eventually(async () => (await status()) === "abandoned", 15_000, "/api/writes says abandoned");
    proxy.restore();
    await eventually(async () => (await fetch(`${srv.baseUrl}/health/ready`)).status === 200, 15_000);
    const { rows } = await db.query("SELECT position FROM rooms WHERE room_id = $1", [roomId]);
    assert.equal(rows[0].position, 10, `the abandoned seek is not stored:\n${srv.output()}`);
    const unknown = await fetch(`${srv.baseUrl}/api/writes/AAAAAAAAAAAAAAAAAAAAAA`);
    assert.equal(unknown.status, 404);
  });
});
