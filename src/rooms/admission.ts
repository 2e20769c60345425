/**
 * Who may take a seat: runs in the static onAuth, on whichever process serves the
 * matchmaking request, before any seat is reserved. Checks the options, then asks the room's
 * own process to check a private room's key and whether the user_id is free; wrong keys are
 * throttled per address and per room.
 */
import { matchMaker, type AuthContext } from "@colyseus/core";
import { createRoomOptions, joinRoomOptions } from "../../schema/messages.ts";
import { parseOrThrow } from "../validate.ts";
import { AppError, toServerError } from "../errors.ts";
import { services } from "../services.ts";
import { RESTORE_OPTION } from "./restore.ts";
import type { RemoteResult } from "./WatchPartyRoom.ts";

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
    await admit(request.room_id, opts.user_id, opts.access_key, ctx.ip ?? "unknown");
    return { user_id: opts.user_id, username: opts.username, avatar_url: opts.avatar_url };
  }
  throw new AppError("INVALID_INPUT", "only create and joinById are supported");
}

/** Asks the room's own process (which holds the key and the seats); counts wrong keys here. */
async function admit(
  roomId: string,
  userId: string,
  accessKey: string | undefined,
  ip: string,
): Promise<void> {
  const { keyThrottle } = services();
  const throttle = await keyThrottle.check(roomId, ip);
  const verdict: RemoteResult = await matchMaker.remoteRoomCall(roomId, "admit", [
    userId,
    accessKey ?? null,
    !throttle.allowed,
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
