import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { configWith } from "../../src/config.ts";
import { IdentityService } from "../../src/security/identity.ts";
import { hostOnJoin } from "../../src/sync/roles.ts";
import { checkAccess } from "../../src/rooms/room-access.ts";
import { Seats } from "../../src/rooms/seats.ts";
import { freshSyncView } from "../../src/rooms/sync-view.ts";

const SECRET = "s".repeat(40);
const hs256 = (claims: Record<string, unknown>, secret = SECRET) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("user-1")
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(secret));

describe("identity rules", () => {
  it("jwt mode with an HS256 secret takes sub as user_id and the name from a dotted claim", async () => {
    const config = configWith({
      AUTH_MODE: "jwt",
      AUTH_JWT_SECRET: SECRET,
      AUTH_JWT_NAME_CLAIM: "user_metadata.full_name",
    });
    const ids = new IdentityService(config, "t".repeat(40));
    const token = await hs256({ user_metadata: { full_name: "  Mika  " } });
    assert.deepEqual(await ids.verify(token), { user_id: "user-1", name: "Mika" });
    await assert.rejects(ids.verify(await hs256({}, "x".repeat(40))), /bad signature/);
    await assert.rejects(ids.identify(undefined, { field: "user_id", value: undefined }), /identity token/);
    await assert.rejects(
      ids.identify(token, { field: "user_id", value: "user-2" }),
      (e: any) =>
        e.code === "FORBIDDEN" && /leave user_id out: your identity token says who you are/.test(e.message),
    );
  });

  it("a stated id that is not the caller's is refused naming the field and saying how to fix it", async () => {
    const guest = new IdentityService(configWith({ AUTH_MODE: "guest" }), "g".repeat(40));
    await assert.rejects(
      guest.identify(undefined, { field: "host_user_id", value: "user-123" }),
      (e: any) => {
        assert.equal(e.code, "FORBIDDEN");
        assert.match(e.message, /^host_user_id: differs from your verified identity/);
        assert.match(e.message, /leave host_user_id out and the server issues you one/);
        assert.match(e.message, /AUTH_MODE=open on a trusted network/);
        return true;
      },
    );
    const open = new IdentityService(configWith({ AUTH_MODE: "open" }), "o".repeat(40));
    await assert.rejects(
      open.identify(undefined, { field: "host_user_id", value: undefined }),
      /host_user_id: required when AUTH_MODE=open/,
    );
  });

  it("a guest token of one server is refused by a server with another TOKEN_SECRET", async () => {
    const a = new IdentityService(configWith({}), "a".repeat(40));
    const b = new IdentityService(configWith({}), "b".repeat(40));
    const { token, identity } = await a.issueGuest();
    assert.deepEqual(await a.verify(token), identity);
    await assert.rejects(b.verify(token), (e: any) => e.code === "UNAUTHORIZED");
  });

  it("jwt mode needs exactly one of a secret or a JWKS URL", () => {
    assert.throws(() => configWith({ AUTH_MODE: "jwt" }), /AUTH_JWT_SECRET or AUTH_JWKS_URL/);
  });

  it("the owner takes the host role back on joining; a joiner hosts only a room whose host holds no seat", () => {
    const base = { host: "h", owner: "o", hostHoldsSeat: true };
    assert.deepEqual(hostOnJoin({ ...base, joiner: "o" }), { host: "o", reason: "owner returned" });
    assert.deepEqual(hostOnJoin({ ...base, joiner: "x" }), { host: "h" });
    assert.deepEqual(hostOnJoin({ ...base, joiner: "x", hostHoldsSeat: false }), {
      host: "x",
      reason: "absent host",
    });
    assert.deepEqual(hostOnJoin({ ...base, joiner: "h" }), { host: "h" });
  });

  it("a private room admits a former member or an invite even when throttled, a key only when not", () => {
    const secrets = { access_key: "123456", invite_secret: "invite-secret-abcdefgh" };
    const free = { formerMember: false, throttled: false };
    const throttled = { formerMember: false, throttled: true };
    assert.equal(checkAccess(undefined, {}, throttled).ok, true);
    assert.deepEqual(checkAccess(secrets, {}, { ...throttled, formerMember: true }), {
      ok: true,
      via: "former member",
    });
    assert.deepEqual(checkAccess(secrets, { invite: "invite-secret-abcdefgh" }, throttled), {
      ok: true,
      via: "invite",
    });
    assert.equal(checkAccess(secrets, { access_key: "123456" }, throttled).ok, false);
    assert.deepEqual(checkAccess(secrets, { access_key: "123456" }, free), { ok: true, via: "key" });
    const wrong = checkAccess(secrets, { invite: "old" }, free);
    assert.equal(wrong.ok === false && wrong.code, "INVALID_ACCESS_KEY");
  });

  it("a seat moves reserved → connected → reconnecting → connected → gone, and only its stay acts for it", () => {
    const seats = new Seats<{ sessionId: string }>();
    seats.reserve("u", "stay-1", 1000);
    assert.equal(seats.holds("u", 999), true);
    assert.equal(seats.occupied("u"), undefined, "a reservation is not a member");
    assert.equal(seats.count(1000), 0, "a lapsed reservation frees its seat");
    seats.reserve("u", "stay-1", 5000);
    seats.connect("u", "stay-1", { sessionId: "s1" }, freshSyncView(0));
    assert.equal(seats.occupied("u", "stay-1")?.phase, "connected");
    assert.equal(seats.occupied("u", "stay-0"), undefined);
    let ended = false;
    seats.drop("s1", () => (ended = true));
    const dropped = seats.occupied("u", "stay-1");
    assert.equal(dropped?.phase, "reconnecting");
    if (dropped?.phase === "reconnecting") dropped.end();
    assert.equal(ended, true);
    seats.reconnect("s1", { sessionId: "s2" });
    assert.equal(seats.ofSession("s2")?.phase, "connected");
    assert.equal(seats.leave("s2")?.user_id, "u");
    assert.equal(seats.holds("u", 0), false);
  });
});
