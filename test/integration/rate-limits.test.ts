import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@colyseus/sdk";
import { createOptions, joined, nextMessage, uid } from "../helpers/server.ts";
import { startServerProcess, type ServerProcess } from "../helpers/process.ts";

/** The default limits of the original design, on a server process of its own. */
describe("rate limits (defaults per user: create 10/h, join 10/min, control 2/s, comments 5/min, management 20/h; per address 10×)", function () {
  this.timeout(90_000);
  let srv: ServerProcess;
  before(async () => {
    srv = await startServerProcess({
      DATABASE_URL: process.env.DATABASE_URL,
      DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-rl-")),
      REDIS_URL: "",
      TRUST_PROXY: "true",
      LOG_LEVEL: "warn",
      AUTH_MODE: "open",
    });
  });
  after(async () => {
    await srv?.stop();
  });

  const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${srv.baseUrl}${route}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("the 101st room an address creates within the hour (10× one user's) is RATE_LIMITED with Retry-After", async () => {
    const ip = { "x-forwarded-for": "192.0.2.10" };
    for (let i = 0; i < 100; i++) assert.equal((await post("/api/rooms", createOptions(), ip)).status, 201);
    const res = await post("/api/rooms", createOptions(), ip);
    assert.equal(res.status, 429);
    const { error } = (await res.json()) as any;
    assert.equal(error.code, "RATE_LIMITED");
    assert.match(error.message, /^room create:/);
    assert.ok(Number(res.headers.get("retry-after")) > 0);
  });

  it("the 11th room one user creates is refused from any address, over the SDK too", async () => {
    const host_user_id = uid("prolific");
    for (let i = 0; i < 10; i++) {
      const res = await post("/api/rooms", createOptions({ host_user_id }), {
        "x-forwarded-for": `192.0.2.${100 + i}`,
      });
      assert.equal(res.status, 201);
    }
    await assert.rejects(
      new Client(srv.baseUrl).create("watch_party", createOptions({ host_user_id })),
      (e: any) => e.code === 429 && e.message.startsWith("RATE_LIMITED:"),
    );
  });

  it("a third control within a second is refused in the room; the host stays connected", async () => {
    const host = await joined(new Client(srv.baseUrl).create("watch_party", createOptions()));
    const refused = nextMessage(host.room, "error");
    host.room.send("control", { action: "play", current_time: 1 });
    host.room.send("control", { action: "seek", current_time: 2 });
    host.room.send("control", { action: "pause", current_time: 3 });
    const e = await refused;
    assert.deepEqual([e.code, e.type], ["RATE_LIMITED", "control"]);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(host.room.state.playback.seq, 2);
    host.room.send("control", { action: "pause", current_time: 4 });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(host.room.state.playback.seq, 3);
    await host.room.leave();
  });

  it("room messages over HTTP count at the control rate: a third within a second is RATE_LIMITED", async () => {
    const host = await joined(new Client(srv.baseUrl).create("watch_party", createOptions()));
    const send = () =>
      fetch(`${srv.baseUrl}/api/rooms/${host.room.roomId}/messages/settings`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${host.welcome.member_token}` },
        body: JSON.stringify({ auto_skip: true }),
      });
    const statuses = [(await send()).status, (await send()).status];
    const third = await send();
    assert.deepEqual([...statuses, third.status], [200, 200, 429]);
    assert.ok(Number(third.headers.get("retry-after")) >= 1);
    await host.room.leave();
  });

  it("a sixth comment within a minute is refused, in the room and over HTTP", async () => {
    const host = await joined(new Client(srv.baseUrl).create("watch_party", createOptions()));
    for (let i = 0; i < 5; i++) {
      const ok = nextMessage(host.room, "comment");
      host.room.send("comment", { message: `c${i}` });
      await ok;
    }
    const refused = nextMessage(host.room, "error");
    host.room.send("comment", { message: "one too many" });
    assert.equal((await refused).code, "RATE_LIMITED");

    const guest = await joined(
      new Client(srv.baseUrl).joinById(host.room.roomId, { user_id: uid("g"), username: "G" }),
    );
    const auth = { authorization: `Bearer ${guest.welcome.member_token}`, "x-forwarded-for": "192.0.2.77" };
    for (let i = 0; i < 5; i++)
      assert.equal((await post("/api/comments", { message: `h${i}` }, auth)).status, 201);
    const res = await post("/api/comments", { message: "again" }, auth);
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get("retry-after")) > 0);
    await guest.room.leave();
    await host.room.leave();
  });

  it("the 21st management call within the hour is refused", async () => {
    const host = await joined(new Client(srv.baseUrl).create("watch_party", createOptions()));
    const route = `${srv.baseUrl}/api/rooms/${host.room.roomId}/members/${host.welcome.user_id}`;
    const patch = (n: number) =>
      fetch(route, {
        method: "PATCH",
        headers: { "content-type": "application/json", authorization: `Bearer ${host.welcome.member_token}` },
        body: JSON.stringify({ username: `Name${n}` }),
      });
    for (let i = 0; i < 20; i++) assert.equal((await patch(i)).status, 200);
    const res = await patch(20);
    assert.equal(res.status, 429);
    assert.equal(((await res.json()) as any).error.code, "RATE_LIMITED");
    await host.room.leave();
  });
});
