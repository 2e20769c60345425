import assert from "node:assert/strict";
import { accessKeyMatches, generateAccessKey } from "../../src/security/access-key.ts";
import { signMemberToken, verifyMemberToken } from "../../src/security/member-token.ts";
import { KeyThrottle } from "../../src/security/key-throttle.ts";

describe("security primitives", () => {
  it("access keys are six digits and compare exactly", () => {
    for (let i = 0; i < 200; i++) assert.match(generateAccessKey(), /^\d{6}$/);
    assert.equal(accessKeyMatches("012345", "012345"), true);
    assert.equal(accessKeyMatches("012345", "12345"), false);
    assert.equal(accessKeyMatches("012345", undefined), false);
    assert.equal(accessKeyMatches("012345", 12345), false);
  });

  it("a member token verifies for its room and user until it expires", () => {
    const token = signMemberToken("s".repeat(32), { room_id: "r1", user_id: "u1", stay: "s1", exp: 5000 });
    assert.deepEqual(verifyMemberToken("s".repeat(32), token, 4999), {
      ok: true,
      claims: { room_id: "r1", user_id: "u1", stay: "s1", exp: 5000 },
    });
    assert.deepEqual(verifyMemberToken("s".repeat(32), token, 5000), { ok: false, reason: "expired" });
  });

  it("a forged or tampered token is refused", () => {
    const token = signMemberToken("s".repeat(32), { room_id: "r1", user_id: "u1", stay: "s1", exp: 5000 });
    assert.equal(verifyMemberToken("t".repeat(32), token, 0).ok, false);
    const [payload, sig] = token.split(".");
    const other = Buffer.from(JSON.stringify(["r1", "admin", 5000])).toString("base64url");
    assert.deepEqual(verifyMemberToken("s".repeat(32), `${other}.${sig}`, 0), {
      ok: false,
      reason: "bad_signature",
    });
    assert.deepEqual(verifyMemberToken("s".repeat(32), `${payload}`, 0), { ok: false, reason: "malformed" });
  });

  it("the key throttle blocks after N failures per ip and M per room", async () => {
    const t = new KeyThrottle({ perIpPerMinute: 2, perRoomPerHour: 3 });
    assert.deepEqual(await t.check("r", "1.1.1.1"), { allowed: true });
    await t.recordFailure("r", "1.1.1.1");
    await t.recordFailure("r", "1.1.1.1");
    const blocked = await t.check("r", "1.1.1.1");
    assert.equal(blocked.allowed, false);
    assert.deepEqual(await t.check("r", "2.2.2.2"), { allowed: true });
    await t.recordFailure("r", "2.2.2.2");
    assert.equal((await t.check("r", "3.3.3.3")).allowed, false);
    assert.deepEqual(await t.check("other-room", "1.1.1.1"), { allowed: true });
  });
});
