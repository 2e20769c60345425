import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client, type Room } from "@colyseus/sdk";
import { createOptions, uid } from "../helpers/server.ts";
import { startServerProcess, type ServerProcess } from "../helpers/process.ts";

/**
 * Issue 9: everyone behind one NAT, campus or reverse proxy shares an address. Per-user limits
 * stay at the original numbers; per-address limits are looser (RATE_PER_ADDRESS_FACTOR, 10×).
 * Default limits on a server process of its own; the test's addresses come in X-Forwarded-For
 * through the one trusted hop (TRUST_PROXY=true) the test's loopback connection stands for.
 */
describe("limits per address fit shared networks (defaults)", function () {
  this.timeout(120_000);
  let srv: ServerProcess;
  const rooms: Room[] = [];
  before(async () => {
    srv = await startServerProcess({
      DATABASE_URL: process.env.DATABASE_URL,
      DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-pa-")),
      REDIS_URL: "",
      TRUST_PROXY: "true",
      LOG_LEVEL: "warn",
      AUTH_MODE: "open",
    });
  });
  after(async () => {
    for (const room of rooms) await room.leave().catch(() => undefined);
    await srv?.stop();
  });

  const call = async (method: string, route: string, body: unknown, headers: Record<string, string>) => {
    const res = await fetch(`${srv.baseUrl}${route}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any, headers: res.headers };
  };
  const from = (ip: string) => ({ "x-forwarded-for": ip });
  /** Seats a member over HTTP from `ip` and takes the seat; returns its member token. */
  const seat = async (data: any): Promise<string> => {
    const room = await new Client(srv.baseUrl).consumeSeatReservation(data.reservation);
    room.reconnection.enabled = false;
    room.onMessage("*", () => undefined);
    rooms.push(room);
    return data.member_token;
  };

  it("40 HTTP comments from 10 users behind one address are all stored; each user's 6th is refused", async () => {
    const ip = from("198.51.100.7");
    const created = await call("POST", "/api/rooms", createOptions(), ip);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const roomId = created.body.data.room.room_id;
    const tokens = [await seat(created.body.data)];
    for (let i = 1; i < 10; i++) {
      const joined = await call(
        "POST",
        `/api/rooms/${roomId}/join`,
        { user_id: uid("nat"), username: `N${i}` },
        ip,
      );
      assert.equal(joined.status, 200, JSON.stringify(joined.body));
      tokens.push(await seat(joined.body.data));
    }
    let stored = 0;
    for (const token of tokens) {
      for (let c = 0; c < 4; c++) {
        const res = await call(
          "POST",
          "/api/comments",
          { message: `c${c}` },
          { ...ip, authorization: `Bearer ${token}` },
        );
        assert.equal(res.status, 201, `comment ${stored + 1} from the address: ${JSON.stringify(res.body)}`);
        stored++;
      }
    }
    assert.equal(stored, 40);
    const auth = { ...ip, authorization: `Bearer ${tokens[0]}` };
    assert.equal((await call("POST", "/api/comments", { message: "fifth" }, auth)).status, 201);
    const sixth = await call("POST", "/api/comments", { message: "sixth" }, auth);
    assert.equal(sixth.status, 429);
    assert.equal(sixth.body.error.code, "RATE_LIMITED");
  });

  it("an address holds at most 10 seats reserved and not taken in a room, the room at most 100", async () => {
    const created = await call("POST", "/api/rooms", createOptions(), from("198.51.100.9"));
    await seat(created.body.data);
    const roomId = created.body.data.room.room_id;
    const join = (ip: string) =>
      call("POST", `/api/rooms/${roomId}/join`, { user_id: uid("idle"), username: "Idle" }, from(ip));
    for (let i = 0; i < 10; i++) assert.equal((await join("203.0.113.1")).status, 200);
    const eleventh = await join("203.0.113.1");
    assert.equal(eleventh.status, 429, JSON.stringify(eleventh.body));
    assert.equal(eleventh.body.error.code, "RATE_LIMITED");
    assert.match(eleventh.body.error.message, /from this address/);
    assert.ok(Number(eleventh.headers.get("retry-after")) > 0);
    // one IPv6 subscriber (a /64) is one address
    for (let i = 0; i < 10; i++) assert.equal((await join(`2001:db8:7:7::${i + 1}`)).status, 200);
    assert.equal((await join("2001:db8:7:7:ffff::1")).status, 429);
    for (let a = 2; a <= 9; a++)
      for (let i = 0; i < 10; i++) assert.equal((await join(`203.0.113.${a}`)).status, 200);
    const full = await join("203.0.113.50");
    assert.equal(full.status, 429, JSON.stringify(full.body));
    assert.match(full.body.error.message, /in this room/);
  });

  it("20 rooms from 10 users behind one address are all created", async () => {
    const ip = from("198.51.100.8");
    const users = Array.from({ length: 10 }, () => uid("campus"));
    for (const host_user_id of users) {
      for (let r = 0; r < 2; r++) {
        const res = await call("POST", "/api/rooms", createOptions({ host_user_id }), ip);
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
    }
  });
});
