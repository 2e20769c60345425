/**
 * Who may take a seat: runs in the static onAuth, on whichever process serves the
 * matchmaking request, before any seat is reserved. Establishes the caller's identity
 * (src/security/identity.ts), checks the options, then asks the room's own process whether
 * this user may enter (key, invite, former member) and whether a seat is free; wrong keys are
 * throttled per address and per room.
 */
import { randomBytes } from "node:crypto";
import { matchMaker, type AuthContext } from "@colyseus/core";
import { createRoomOptions, joinRoomOptions } from "../../schema/messages.ts";
import { parseOrThrow } from "../validate.ts";
import { AppError, toServerError } from "../errors.ts";
import { services } from "../services.ts";
import type { Identified } from "../security/identity.ts";
import { INTERNAL_OPTION_PREFIX, OWNER_OPTION } from "./restore.ts";
import type { RemoteResult } from "./remote.ts";

/** Becomes `client.auth` in the room. */
export interface MemberAuth {
  user_id: string;
  username: string;
  avatar_url?: string;
  /** the stay this seat starts; its member token names it */
  stay: string;
  /** a guest identity issued during this join, for the `welcome` */
  identity_token?: string;
}

/** What the creator's seat needs in onCreate (set on the options after onAuth verified it). */
export interface OwnerSeat {
  user_id: string;
  stay: string;
}

/** Set by the matchmaking entry points (src/rooms/matchmaking.ts) on the auth context. */
export interface SeatRequest {
  mode: "create" | "join";
  room_id?: string;
  /** chosen by an HTTP route that signs the member token before the seat is taken */
  stay?: string;
  /** filled in here: who the caller turned out to be */
  identified?: Identified;
}

export type AniSyncAuthContext = AuthContext & { anisync?: SeatRequest };

export function newStay(): string {
  return randomBytes(12).toString("base64url");
}

export async function authorizeSeat(
  token: string | undefined,
  options: unknown,
  ctx: AniSyncAuthContext,
): Promise<MemberAuth> {
  try {
    return await authorize(token, options, ctx);
  } catch (err) {
    if (err instanceof AppError) throw toServerError(err);
    throw err;
  }
}

async function authorize(
  token: string | undefined,
  options: unknown,
  ctx: AniSyncAuthContext,
): Promise<MemberAuth> {
  const internal = options && typeof options === "object" ? Object.keys(options).find(isInternal) : undefined;
  if (internal) throw new AppError("INVALID_INPUT", `${internal}: not allowed`);
  const request = ctx.anisync;
  const { rateLimits } = services();
  if (request?.mode === "create") {
    const opts = parseOrThrow(createRoomOptions, options);
    const who = await identifyCaller(token, opts.host_user_id, ctx.ip);
    await rateLimits.consume("room_create", { user_id: who.identity.user_id, ip: ctx.ip });
    const seat = memberAuth(who, opts.host_username, opts.avatar_url, request.stay);
    request.identified = who;
    const owner: OwnerSeat = { user_id: seat.user_id, stay: seat.stay };
    Object.assign(options as object, { [OWNER_OPTION]: owner });
    return seat;
  }
  if (request?.mode === "join" && request.room_id) {
    const opts = parseOrThrow(joinRoomOptions, options);
    const who = await identifyCaller(token, opts.user_id, ctx.ip);
    const seat = memberAuth(who, opts.username, opts.avatar_url, request.stay);
    await admit(
      request.room_id,
      seat,
      { access_key: opts.access_key, invite: opts.invite },
      ctx.ip ?? "unknown",
    );
    request.identified = who;
    return seat;
  }
  throw new AppError("INVALID_INPUT", "only create and joinById are supported");
}

/** The caller's identity; issuing a guest identity counts against the address's limit. */
async function identifyCaller(token: string | undefined, stated: string | undefined, ip: string | undefined) {
  const { identity, rateLimits } = services();
  const who = await identity.identify(token || undefined, stated);
  if (who.issued_token) await rateLimits.consume("guest_identity", { ip: ip ?? "unknown" });
  return who;
}

function isInternal(key: string): boolean {
  return key.startsWith(INTERNAL_OPTION_PREFIX);
}

function memberAuth(
  who: Identified,
  username: string | undefined,
  avatarUrl: string | undefined,
  stay?: string,
) {
  const name = who.identity.name ?? username;
  if (!name) throw new AppError("INVALID_INPUT", "username: required");
  const auth: MemberAuth = { user_id: who.identity.user_id, username: name, stay: stay ?? newStay() };
  if (avatarUrl !== undefined) auth.avatar_url = avatarUrl;
  if (who.issued_token) auth.identity_token = who.issued_token;
  return auth;
}

/** Asks the room's own process (which holds the key, the invite and the seats); counts wrong keys here. */
async function admit(
  roomId: string,
  seat: MemberAuth,
  given: { access_key?: string; invite?: string },
  ip: string,
): Promise<void> {
  const { keyThrottle, identity } = services();
  const throttle = await keyThrottle.check(roomId, ip);
  const verdict: RemoteResult = await matchMaker.remoteRoomCall(roomId, "admit", [
    seat.user_id,
    seat.stay,
    { access_key: given.access_key ?? null, invite: given.invite ?? null },
    { throttled: !throttle.allowed, verified: identity.mode !== "open" },
  ]);
  if (verdict.ok) return;
  if (verdict.code === "INVALID_ACCESS_KEY") await keyThrottle.recordFailure(roomId, ip);
  if (verdict.code === "TOO_MANY_ATTEMPTS" && !throttle.allowed) {
    throw new AppError("TOO_MANY_ATTEMPTS", `too many wrong keys; retry in ${throttle.retryAfterS} s`, {
      retryAfterS: throttle.retryAfterS,
    });
  }
  throw new AppError(verdict.code, verdict.message);
}
