/**
 * Who a Syncplay member is, on servers of their own: a guest identity per viewer (address and
 * name) in AUTH_MODE=guest, so a ban holds when they come back; in AUTH_MODE=jwt, a refusal that
 * says why (the real client hashes its password), or a token from a client that sends it in clear.
 */
import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { Client, type Room } from "@colyseus/sdk";
import { freePort, startServerProcess, stoppedAfterEach } from "../helpers/process.ts";
import { createOptions, eventually, joined } from "../helpers/server.ts";
import { rawClosedAfterEach, rawSyncplay } from "../helpers/syncplay.ts";

const SECRET = "syncplay-identity-test-secret-0123456789";

describe("Syncplay members' identities", function () {
  this.timeout(60_000);
  let host: Room<any> | undefined;
  afterEach(async () => {
    await host?.leave().catch(() => {});
    host = undefined;
  });
  const raws = rawClosedAfterEach();
  const processes = stoppedAfterEach();

  async function start(env: Record<string, string>) {
    const syncplayPort = await freePort();
    const srv = await startServerProcess({
      LOG_LEVEL: "warn",
      // its own limits: CI's REDIS_URL would share the rate-limit counters of every other test
      REDIS_URL: "",
      SYNCPLAY_PORT: String(syncplayPort),
      ...env,
    });
    processes.push(srv);
    return { srv, syncplayPort };
  }
  const raw = async (port: number) => {
    const r = await rawSyncplay(port);
    raws.push(r);
    return r;
  };
  const byName = (room: Room<any>, name: string) =>
    [...room.state.members.values()].find((m: any) => m.username === name && m.connected);

  it("guest mode: each viewer is a guest; the same viewer comes back as the same member, so a ban holds", async () => {
    const { srv, syncplayPort } = await start({ AUTH_MODE: "guest" });
    host = (
      await joined(new Client(srv.baseUrl).create("watch_party", createOptions({ host_user_id: undefined })))
    ).room;
    const room = host;
    const first = await raw(syncplayPort);
    await first.hello(room.roomId, "Mika");
    const id = await eventually(() => byName(room, "Mika")?.user_id as string, 5000, "Mika joined");
    assert.match(id, /^g_/);
    first.end();
    await eventually(() => !byName(room, "Mika"), 5000, "Mika left");

    const again = await raw(syncplayPort);
    await again.hello(room.roomId, "Mika");
    assert.equal(await eventually(() => byName(room, "Mika")?.user_id as string, 5000), id, "the same guest");
    room.send("ban", { user_id: id });
    await again.closed;
    const refused = await raw(syncplayPort);
    await assert.rejects(refused.hello(room.roomId, "Mika"), /banned/);
    const other = await raw(syncplayPort);
    await other.hello(room.roomId, "Ren");
    assert.notEqual(await eventually(() => byName(room, "Ren")?.user_id as string, 5000), id);
  });

  it("jwt mode: a viewer without a token is refused with a message that says why; a token in a clear password joins", async () => {
    const { srv, syncplayPort } = await start({ AUTH_MODE: "jwt", AUTH_JWT_SECRET: SECRET });
    const token = (sub: string, name: string) =>
      new SignJWT({ name })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(sub)
        .setExpirationTime("10m")
        .sign(new TextEncoder().encode(SECRET));
    const client = new Client(srv.baseUrl);
    client.auth.token = await token("owner-1", "Hana");
    host = (await joined(client.create("watch_party", createOptions({ host_user_id: undefined })))).room;
    const room = host;
    const anonymous = await raw(syncplayPort);
    await assert.rejects(
      anonymous.hello(room.roomId, "Mika"),
      /signed-in viewers only.*join from the web page/,
    );
    const signedIn = await raw(syncplayPort);
    await signedIn.hello(room.roomId, "Mika", `token:${await token("user-42", "Mika")}`);
    assert.equal(await eventually(() => byName(room, "Mika")?.user_id as string, 5000), "user-42");
  });
});
