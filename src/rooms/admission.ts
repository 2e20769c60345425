/**
 * Who may take a seat: runs in the static onAuth, on whichever process serves the
 * matchmaking request, before any seat is reserved. Establishes the caller's identity
 * (src/security/identity.ts), checks the options, then asks the room's own process whether
 * this user may enter (key, invite, former member) and whether a seat is free; wrong keys are
 * throttled per address and per room. Creates and joins count per user and per address
 * (`join`, and `room_create` for creates); the room caps seats reserved and not yet taken per
 * address and in all.
 */
import { randomBytes } from "node:crypto";
import { matchMaker, type AuthContext } from "@colyseus/core";
import { createRoomOptions, joinRoomOptions } from "../../schema/messages.ts";
import { protocolRefusal } from "../../schema/protocol.ts";
import { parseOrThrow } from "../validate.ts";
import { AppError, toServerError } from "../errors.ts";
import { services } from "../services.ts";
import type { Identified, StatedUserId } from "../security/identity.ts";
import { addressKey } from "../security/client-ip.ts";
import { INTERNAL_OPTION_PREFIX, OWNER_OPTION } from "./restore.ts";
import type { WatchPartyRoom } from "./WatchPartyRoom.ts";
import { PROCESS_GONE, roomProcessGone, unlessProcessGone } from "./live-listing.ts";

/** Becomes `client.auth` in the room. */
export interface MemberAuth {
  user_id: string;
  username: string;
  avatar_url?: string;
  /** the stay this seat starts; its member token names it */
  stay: string;
  /** a guest identity issued during this join, for the `welcome` */
  identity_token?: string;
  /** the client's address as limits count it (an IPv6 /64), for in-room limits */
  address?: string;
}

/** What the room's `admit` is told besides the user: the key throttle's verdict and the seat caps. */
export interface AdmitContext {
  throttled: boolean;
  verified: boolean;
  pending?: PendingSeatCaps;
}

/** At most this many seats reserved and not yet taken: from one address, and in the room. */
export interface PendingSeatCaps {
  address?: string;
  perAddress: number;
  perRoom: number;
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
  // before the options' schema: a client of another major may send options this one does not know
  const refusal = protocolRefusal(options);
  if (refusal) throw new AppError("UNSUPPORTED_PROTOCOL", refusal);
  const request = ctx.anisync;
  const { rateLimits } = services();
  const address = addressKey(ctx.ip ?? "unknown");
  if (request?.mode === "create") {
    const opts = parseOrThrow(createRoomOptions, options);
    const who = await identifyCaller(token, { field: "host_user_id", value: opts.host_user_id }, address);
    const counted = { user_id: who.identity.user_id, ip: address };
    await rateLimits.consume("room_create", counted);
    await rateLimits.consume("join", counted);
    const seat = memberAuth(who, opts.host_username, opts.avatar_url, request.stay, address);
    request.identified = who;
    const owner: OwnerSeat = { user_id: seat.user_id, stay: seat.stay };
    Object.assign(options as object, { [OWNER_OPTION]: owner });
    return seat;
  }
  if (request?.mode === "join" && request.room_id) {
    const opts = parseOrThrow(joinRoomOptions, options);
    const who = await identifyCaller(token, { field: "user_id", value: opts.user_id }, address);
    await rateLimits.consume("join", { user_id: who.identity.user_id, ip: address });
    const seat = memberAuth(who, opts.username, opts.avatar_url, request.stay, address);
    await admit(request.room_id, seat, { access_key: opts.access_key, invite: opts.invite }, address);
    request.identified = who;
    return seat;
  }
  throw new AppError("INVALID_INPUT", "only create and joinById are supported");
}

/** The caller's identity; issuing a guest identity counts against the address's limit. */
async function identifyCaller(token: string | undefined, stated: StatedUserId, ip: string) {
  const { identity, rateLimits } = services();
  const who = await identity.identify(token || undefined, stated);
  if (who.issued_token) await rateLimits.consume("guest_identity", { ip });
  return who;
}

function isInternal(key: string): boolean {
  return key.startsWith(INTERNAL_OPTION_PREFIX);
}

function memberAuth(
  who: Identified,
  username: string | undefined,
  avatarUrl: string | undefined,
  stay: string | undefined,
  address: string,
) {
  const name = who.identity.name ?? username;
  if (!name) throw new AppError("INVALID_INPUT", "username: required");
  const auth: MemberAuth = {
    user_id: who.identity.user_id,
    username: name,
    stay: stay ?? newStay(),
    address,
  };
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
  const { keyThrottle, identity, config } = services();
  const throttle = await keyThrottle.check(roomId, ip);
  const context: AdmitContext = {
    throttled: !throttle.allowed,
    verified: identity.mode !== "open",
    pending: {
      address: ip,
      perAddress: config.MAX_PENDING_SEATS_PER_ADDRESS,
      perRoom: config.MAX_PENDING_SEATS_PER_ROOM,
    },
  };
  const verdict = await unlessProcessGone(
    roomId,
    matchMaker.remoteRoomCall<WatchPartyRoom, "admit">(roomId, "admit", [
      seat.user_id,
      seat.stay,
      { access_key: given.access_key ?? null, invite: given.invite ?? null },
      context,
    ]),
  ).catch(async (err: unknown) => {
    if (err instanceof AppError) throw err; // its process is gone
    // a timeout: if the room's process is gone (its rooms are dropped now), joinById restores it
    if (await roomProcessGone(roomId)) throw new AppError("UNAVAILABLE", PROCESS_GONE);
    throw err;
  });
  if (verdict.ok) return;
  if (verdict.code === "INVALID_ACCESS_KEY") await keyThrottle.recordFailure(roomId, ip);
  if (verdict.code === "TOO_MANY_ATTEMPTS" && !throttle.allowed) {
    throw new AppError("TOO_MANY_ATTEMPTS", `too many wrong keys; retry in ${throttle.retryAfterS} s`, {
      retryAfterS: throttle.retryAfterS,
    });
  }
  throw new AppError(verdict.code, verdict.message, { retryAfterS: verdict.retry_after_s });
}
