/**
 * Member tokens on HTTP calls: `Authorization: Bearer <member_token>`. Missing, forged or
 * expired: 401 UNAUTHORIZED. A valid token for another room or user: 403 FORBIDDEN.
 */
import type { Request } from "express";
import { AppError } from "../errors.ts";
import { verifyMemberToken, type MemberClaims } from "../security/member-token.ts";

export function memberOf(req: Request, secret: string): MemberClaims {
  const header = req.headers.authorization;
  const token = typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  if (!token) throw new AppError("UNAUTHORIZED", "Authorization: Bearer <member_token> is required");
  const result = verifyMemberToken(secret, token, Date.now());
  if (!result.ok) {
    throw new AppError(
      "UNAUTHORIZED",
      result.reason === "expired" ? "member token expired" : "member token is not valid",
    );
  }
  return result.claims;
}

export function requireRoom(claims: MemberClaims, roomId: string): void {
  if (claims.room_id !== roomId) throw new AppError("FORBIDDEN", "this token is for another room");
}

export function requireUser(claims: MemberClaims, userId: string): void {
  if (claims.user_id !== userId) throw new AppError("FORBIDDEN", "this token is for another member");
}
