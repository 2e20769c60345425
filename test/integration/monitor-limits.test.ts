import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import path from "node:path";
import { freePort, startServerProcess, type ServerProcess } from "../helpers/process.ts";

const PASSWORD = "monitor-limits-password";
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});
const env = (extra: Record<string, string> = {}) => ({
  DATABASE_URL: process.env.DATABASE_URL,
  DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-monitor-")),
  REDIS_URL: "",
  AUTH_MODE: "open",
  LOG_LEVEL: "warn",
  ADMIN_PASSWORD: PASSWORD,
  TRUST_PROXY: "true",
  ...extra,
});

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, retryAfter: res.headers.get("retry-after") };
}

describe("the monitor refuses brute force", function () {
  this.timeout(60_000);
  let srv: ServerProcess;
  before(async () => {
    srv = await startServerProcess(env());
  });
  after(async () => {
    await srv?.stop("SIGKILL");
  });

  it("after 10 wrong passwords from one address, that address gets 429 with Retry-After, even with the right one", async () => {
    const from = (ip: string, auth: Record<string, string> = {}) =>
      get(`${srv.baseUrl}/monitor/api`, { "x-forwarded-for": ip, ...auth });

    // asking without credentials (a browser's first request) is not a failed login
    for (let i = 0; i < 15; i++) assert.equal((await from("203.0.113.7")).status, 401);
    for (let i = 1; i <= 10; i++)
      assert.equal((await from("203.0.113.7", basic("admin", `guess-${i}`))).status, 401, `guess ${i}`);

    const refused = await from("203.0.113.7", basic("admin", PASSWORD));
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, "RATE_LIMITED");
    const wait = Number(refused.retryAfter);
    assert.ok(Number.isInteger(wait) && wait > 0 && wait <= 3600, `Retry-After ${refused.retryAfter}`);
    assert.equal((await from("203.0.113.7", basic("admin", "guess-11"))).status, 429);

    // another address is not affected
    assert.equal((await from("198.51.100.9", basic("admin", PASSWORD))).status, 200);
    assert.equal((await from("198.51.100.9", basic("admin", "wrong"))).status, 401);
  });
});

describe("the monitor on its own loopback port (ADMIN_PORT)", function () {
  this.timeout(60_000);
  let srv: ServerProcess;
  let adminPort: number;
  before(async () => {
    adminPort = await freePort();
    srv = await startServerProcess(env({ ADMIN_PORT: String(adminPort) }));
  });
  after(async () => {
    await srv?.stop("SIGKILL");
  });

  it("serves /monitor on 127.0.0.1:ADMIN_PORT only, not on the public port", async () => {
    const admin = `http://127.0.0.1:${adminPort}`;
    assert.equal((await get(`${admin}/monitor/api`)).status, 401);
    const ok = await get(`${admin}/monitor/api`, basic("admin", PASSWORD));
    assert.equal(ok.status, 200);
    assert.ok(Array.isArray(ok.body.rooms));
    // the guard holds there too
    const call = await get(
      `${admin}/monitor/api/room/call?roomId=x&method=secrets&args=null`,
      basic("admin", PASSWORD),
    );
    assert.equal(call.status, 403);

    assert.equal((await get(`${srv.baseUrl}/monitor/api`, basic("admin", PASSWORD))).status, 404);
    assert.equal((await get(`${srv.baseUrl}/health`)).status, 200);

    // bound to loopback: another address of this machine is refused
    const other = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === "IPv4" && !a.internal);
    if (other) await assert.rejects(fetch(`http://${other.address}:${adminPort}/monitor/api`));
  });

  it("stops with the server", async () => {
    assert.equal(await srv.stop("SIGTERM"), 0);
    await assert.rejects(fetch(`http://127.0.0.1:${adminPort}/monitor/api`));
  });
});
