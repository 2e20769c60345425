/**
 * Who may take a seat: runs in the static onAuth, on whichever process serves the
 * matchmaking request, before any seat is reserved. Checks the options, a private room's
 * access key (throttled), and asks the room's own process whether the user_id is free.
 */
import { matchMaker, type AuthContext } from "@colyseus/core";
import { createRoomOptions, joinRoomOptions } from "../../schema/messages.ts";
import { parseOrThrow } from "../validate.ts";
import { AppError, toServerError } from "../errors.ts";
import { services } from "../services.ts";
import { accessKeyMatches } from "../security/access-key.ts";
import * as repo from "../db/rooms-repo.ts";
import { RESTORE_OPTION } from "./restore.ts";

/** Becomes `client.auth` in the room. */
export interface MemberAuth {
  user_id: string;
  username: string;
  avatar_url?: string;
}

/** Set by the matchmaking entry points (src/rooms/matchmaking.ts) on the auth context. */
export interface SeatRequest {
  mode: "create" | "join";
  room_id?: string;
}

export type AniSyncAuthContext = AuthContext & { anisync?: SeatRequest };

export async function authorizeSeat(options: unknown, ctx: AniSyncAuthContext): Promise<MemberAuth> {
  try {
    return await authorize(options, ctx);
  } catch (err) {
    if (err instanceof AppError) throw toServerError(err);
    throw err;
  }
}

async function authorize(options: unknown, ctx: AniSyncAuthContext): Promise<MemberAuth> {
  if (options && typeof options === "object" && RESTORE_OPTION in options) {
    throw new AppError("INVALID_INPUT", `${RESTORE_OPTION}: not allowed`);
  }
  const request = ctx.anisync;
  if (request?.mode === "create") {
    const opts = parseOrThrow(createRoomOptions, options);
    await services().rateLimits.consume("room_create", { user_id: opts.host_user_id, ip: ctx.ip });
    return { user_id: opts.host_user_id, username: opts.host_username, avatar_url: opts.avatar_url };
  }
  if (request?.mode === "join" && request.room_id) {
    const opts = parseOrThrow(joinRoomOptions, options);
    await checkAccessKey(request.room_id, opts.access_key, ctx.ip ?? "unknown");
    const verdict = await matchMaker.remoteRoomCall(request.room_id, "admit", [opts.user_id]);
    if (!verdict?.ok) throw new AppError(verdict?.code ?? "ROOM_NOT_FOUND");
    return { user_id: opts.user_id, username: opts.username, avatar_url: opts.avatar_url };
  }
  throw new AppError("INVALID_INPUT", "only create and joinById are supported");
}

async function checkAccessKey(roomId: string, given: string | undefined, ip: string): Promise<void> {
  const { database, keyThrottle } = services();
  const row = await repo.getRoom(database.db, roomId);
  if (!row) throw new AppError("ROOM_NOT_FOUND");
  if (row.access_key === null) return;
  const verdict = await keyThrottle.check(roomId, ip);
  if (!verdict.allowed) {
    throw new AppError("TOO_MANY_ATTEMPTS", `too many wrong keys; retry in ${verdict.retryAfterS} s`, {
      retryAfterS: verdict.retryAfterS,
    });
  }
  if (!accessKeyMatches(row.access_key, given)) {
    await keyThrottle.recordFailure(roomId, ip);
    throw new AppError(
      "INVALID_ACCESS_KEY",
      given ? "access_key: wrong key" : "access_key: required for a private room",
    );
  }
}
