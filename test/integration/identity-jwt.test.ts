import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { Client, type Room } from "@colyseus/sdk";
import { startServerProcess, type ServerProcess } from "../helpers/process.ts";
import { nextMessage, refusedWith, uid } from "../helpers/server.ts";
import type { WelcomeMessage } from "../../schema/messages.ts";

/**
 * AUTH_MODE=jwt against a JWKS served by a local HTTP server in this test (as Supabase Auth,
 * Auth0 or Keycloak would serve it), rotated to a new key mid-test.
 */
describe("identity: jwt mode with a JWKS", function () {
  this.timeout(60_000);
  const ISSUER = "https://auth.example/";
  const AUDIENCE = "anisync";
  let jwks: Server;
  let srv: ServerProcess;
  let keys: Array<{ kid: string; privateKey: CryptoKey; jwk: Record<string, unknown> }> = [];
  const open: Room[] = [];

  const newKey = async (kid: string) => {
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } };
  };
  const sign = (
    sub: string,
    opts: { kid?: string; key?: CryptoKey; iss?: string; aud?: string; exp?: number; name?: string } = {},
  ) =>
    new SignJWT({ name: opts.name ?? "Yuki" })
      .setProtectedHeader({ alg: "ES256", kid: opts.kid ?? keys[0]!.kid })
      .setSubject(sub)
      .setIssuer(opts.iss ?? ISSUER)
      .setAudience(opts.aud ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 600)
      .sign(opts.key ?? keys.find((k) => k.kid === (opts.kid ?? keys[0]!.kid))!.privateKey);

  before(async () => {
    keys = [await newKey("k1")];
    jwks = createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    const { port } = jwks.address() as { port: number };
    srv = await startServerProcess({
      DATABASE_URL: process.env.DATABASE_URL,
      DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-jwt-")),
      REDIS_URL: "",
      LOG_LEVEL: "warn",
      AUTH_MODE: "jwt",
      AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
    });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => (r.connection?.isOpen ? r.leave() : undefined)));
  });
  after(async () => {
    await srv?.stop();
    jwks?.close();
  });

  const client = (token?: string) => {
    const c = new Client(srv.baseUrl);
    if (token) c.auth.token = token;
    return c;
  };
  const roomOptions = () => ({
    title: "JWT night",
    anime_id: uid("anime"),
    anime_title: "Frieren",
    episode_number: 2,
    video_url: "https://videos.example/2.webm",
  });

  it("a valid token joins as its sub, named by its claim; every forgery is refused", async () => {
    const alice = uid("alice");
    const room = await client(await sign(alice, { name: "Alice" })).create("watch_party", roomOptions());
    room.reconnection.enabled = false;
    open.push(room);
    const welcome = await nextMessage<WelcomeMessage>(room, "welcome");
    assert.deepEqual([welcome.user_id, welcome.is_owner], [alice, true]);
    assert.equal(room.state.members.get(alice)?.username ?? (await nextPatchName(room, alice)), "Alice");
    assert.equal(welcome.identity_token, undefined);

    const roomId = room.roomId;
    const other = await newKey("k1"); // same kid, another key: a wrong signature
    const attempts: Array<[string, Promise<string> | string]> = [
      ["no token", ""],
      ["wrong signature", sign(uid("m"), { key: other.privateKey })],
      ["expired", sign(uid("m"), { exp: Math.floor(Date.now() / 1000) - 60 })],
      ["wrong issuer", sign(uid("m"), { iss: "https://evil.example/" })],
      ["wrong audience", sign(uid("m"), { aud: "someone-else" })],
      ["unknown kid", sign(uid("m"), { kid: "nope", key: other.privateKey })],
      ["garbage", "a.b.c"],
    ];
    for (const [what, token] of attempts) {
      await refusedWith(client(await token).joinById(roomId, { username: "M" }), "UNAUTHORIZED").catch(
        (err) => {
          throw new Error(`${what}: ${String(err)}`);
        },
      );
    }
    const bob = await sign(uid("bob"));
    await refusedWith(client(bob).joinById(roomId, { user_id: alice, username: "M" }), "FORBIDDEN");
    assert.equal(room.state.members.size, 1, "0 impersonation attempts got in");
  });

  it("a rotated JWKS is picked up without a restart: a token with the new kid is accepted", async () => {
    const host = await client(await sign(uid("host"))).create("watch_party", roomOptions());
    host.reconnection.enabled = false;
    open.push(host);
    await nextMessage(host, "welcome");
    keys = [await newKey("k2"), ...keys];
    await new Promise((r) => setTimeout(r, 1_100)); // past the JWKS refetch cooldown
    const carol = uid("carol");
    const room = await client(await sign(carol, { kid: "k2" })).joinById(host.roomId, {});
    room.reconnection.enabled = false;
    open.push(room);
    const welcome = await nextMessage<WelcomeMessage>(room, "welcome");
    assert.equal(welcome.user_id, carol);
  });
});

async function nextPatchName(room: Room<any>, userId: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const name = room.state.members.get(userId)?.username;
    if (name) return name;
    await new Promise((r) => setTimeout(r, 20));
  }
  return "";
}
