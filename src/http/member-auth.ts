/**
 * Who is calling an HTTP route: `Authorization: Bearer <token>`, either a member token (one
 * stay in one room, src/security/member-token.ts) or an identity token (src/security/identity.ts).
 * Missing, forged or expired, or a stay that has ended: 401 UNAUTHORIZED. A valid token for
 * another room or user: 403 FORBIDDEN.
 */
import type { Request } from "express";
import { AppError } from "../errors.ts";
import { isJwtShaped } from "../security/identity.ts";
import { verifyMemberToken, type MemberClaims } from "../security/member-token.ts";
import { callRoom } from "../rooms/remote.ts";
import type { Services } from "../services.ts";

export function bearerOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  const token = typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  return token || undefined;
}

/** A member token's claims (signature and expiry checked; not yet whether its stay goes on). */
export function memberOf(req: Request, secret: string): MemberClaims {
  const token = bearerOf(req);
  if (!token) throw new AppError("UNAUTHORIZED", "Authorization: Bearer <member_token> is required");
  if (isJwtShaped(token))
    throw new AppError("UNAUTHORIZED", "this route needs a member token, not an identity token");
  const result = verifyMemberToken(secret, token, Date.now());
  if (!result.ok) {
    throw new AppError(
      "UNAUTHORIZED",
      result.reason === "expired" ? "member token expired" : "member token is not valid",
    );
  }
  return result.claims;
}

/** A member token of this room whose stay is still going on (the room is live and holds its seat). */
export async function stayIn(req: Request, secret: string, roomId: string): Promise<MemberClaims> {
  const claims = memberOf(req, secret);
  requireRoom(claims, roomId);
  const live = await callRoom(roomId, "memberAct", [claims, "check"]);
  if (!live) throw new AppError("UNAUTHORIZED", "this member token's stay has ended");
  return claims;
}

/** The caller's user id in this room: from an identity token, or from a member token's live stay. */
export async function userIn(req: Request, svc: Services, roomId: string): Promise<string> {
  const token = bearerOf(req);
  if (!token)
    throw new AppError("UNAUTHORIZED", "Authorization: Bearer <identity or member token> is required");
  if (isJwtShaped(token) && svc.identity.mode !== "open") return (await svc.identity.verify(token)).user_id;
  return (await stayIn(req, svc.tokenSecret, roomId)).user_id;
}

export function requireRoom(claims: MemberClaims, roomId: string): void {
  if (claims.room_id !== roomId) throw new AppError("FORBIDDEN", "this token is for another room");
}

export function requireUser(claims: MemberClaims, userId: string): void {
  if (claims.user_id !== userId) throw new AppError("FORBIDDEN", "this token is for another member");
}
