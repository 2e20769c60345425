/**
 * Member tokens: `<payload>.<signature>`, base64url, HMAC-SHA256 over the payload with the
 * server's TOKEN_SECRET. A token names one user's stay (one seat, from join to leave) in one
 * room and expires; the room refuses it once that stay has ended, whatever its expiry.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export interface MemberClaims {
  room_id: string;
  user_id: string;
  /** the seat this token belongs to: a random id per stay */
  stay: string;
  /** expiry, epoch ms */
  exp: number;
}

export function signMemberToken(secret: string, claims: MemberClaims): string {
  const payload = Buffer.from(
    JSON.stringify([claims.room_id, claims.user_id, claims.stay, claims.exp]),
  ).toString("base64url");
  return `${payload}.${sign(secret, payload)}`;
}

export type VerifyResult =
  { ok: true; claims: MemberClaims } | { ok: false; reason: "malformed" | "bad_signature" | "expired" };

export function verifyMemberToken(secret: string, token: string, nowMs: number): VerifyResult {
  const dot = token.indexOf(".");
  if (dot <= 0 || dot !== token.lastIndexOf(".")) return { ok: false, reason: "malformed" };
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), "base64url");
  const expected = Buffer.from(sign(secret, payload), "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: "bad_signature" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) return { ok: false, reason: "malformed" };
  const [room_id, user_id, stay, exp] = parsed as unknown[];
  if (
    typeof room_id !== "string" ||
    typeof user_id !== "string" ||
    typeof stay !== "string" ||
    typeof exp !== "number"
  ) {
    return { ok: false, reason: "malformed" };
  }
  if (exp <= nowMs) return { ok: false, reason: "expired" };
  return { ok: true, claims: { room_id, user_id, stay, exp } };
}

function sign(secret: string, payload: string): string {
  return createHmac("sha256", secret).update(payload).digest("base64url");
}
