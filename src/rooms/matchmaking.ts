/**
 * The two ways into a watch party, shared by the SDK's matchmaking route and the HTTP API:
 * create, and join by id (which brings a dormant room back first). Other matchmaking
 * methods (join, joinOrCreate) are not offered: a watch party is always joined by its id.
 */
import { matchMaker, type AuthContext } from "@colyseus/core";
import { AppError, fromServerError } from "../errors.ts";
import { roomId as roomIdSchema } from "../../schema/messages.ts";
import type { AniSyncAuthContext, SeatRequest } from "./admission.ts";
import { ensureLive, ROOM_NAME } from "./restore.ts";
import { PROCESS_GONE } from "./live-listing.ts";
import { metrics } from "../ops/metrics.ts";
import { services } from "../services.ts";
import { requireRedis } from "../cluster/redis-gate.ts";

type SeatReservation = Awaited<ReturnType<typeof matchMaker.joinById>>;

/** A seat and who it is for (the verified identity, and a guest token if one was issued). */
export interface Seated {
  reservation: SeatReservation;
  request: SeatRequest;
}

export async function createWatchParty(options: unknown, ctx: AuthContext, stay?: string): Promise<Seated> {
  requireRedis(services().redis);
  const request: SeatRequest = { mode: "create", stay };
  const reservation = await counted(
    () => matchMaker.create(ROOM_NAME, options, withRequest(ctx, request)),
    ctx,
  );
  return { reservation, request };
}

export async function joinWatchParty(
  roomId: string,
  options: unknown,
  ctx: AuthContext,
  stay?: string,
): Promise<Seated> {
  requireRedis(services().redis);
  const request: SeatRequest = { mode: "join", room_id: roomId, stay };
  const reservation = await counted(() => joinById(roomId, options, withRequest(ctx, request)), ctx);
  return { reservation, request };
}

async function joinById(roomId: string, options: unknown, auth: AuthContext): Promise<SeatReservation> {
  if (!roomIdSchema.safeParse(roomId).success) throw new AppError("ROOM_NOT_FOUND");
  for (let attempt = 1; ; attempt++) {
    await ensureLive(roomId);
    try {
      return await matchMaker.joinById(roomId, options, auth);
    } catch (err) {
      // the room went to sleep between our look-up and the seat reservation, or its process
      // turned out to be gone (admission.ts): wake it again
      const refusal = fromServerError(err);
      if ((refusal && refusal.message !== PROCESS_GONE) || attempt >= 3) throw err;
    }
  }
}

/** Every refused create or join is counted by its code (anisync_refused_joins_total). */
async function counted<T>(fn: () => Promise<T>, ctx: AuthContext): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const code = fromServerError(err)?.code ?? "INTERNAL";
    metrics.refusedJoins.inc({ code });
    services().log.info("join refused", { code, ip: ctx.ip });
    throw err;
  }
}

function withRequest(ctx: AuthContext, request: SeatRequest): AniSyncAuthContext {
  return Object.assign(ctx, { anisync: request });
}

/** Routes the SDK's `/matchmake/:method/:room` calls through the functions above. */
export function installMatchmakingRoutes(): void {
  const controller = matchMaker.controller;
  controller.exposedMethods = ["create", "joinById", "reconnect"];
  const original = controller.invokeMethod.bind(controller);
  controller.invokeMethod = (
    method: string,
    roomNameOrId: string,
    clientOptions: unknown = {},
    auth?: AuthContext,
  ) => {
    const ctx = auth ?? { token: undefined, ip: undefined, headers: new Headers() };
    if (method === "create") {
      return rethrow(async () => {
        if (roomNameOrId !== ROOM_NAME) throw new AppError("INVALID_INPUT", `no room type "${roomNameOrId}"`);
        return (await createWatchParty(clientOptions, ctx)).reservation;
      });
    }
    if (method === "joinById")
      return rethrow(async () => (await joinWatchParty(roomNameOrId, clientOptions, ctx)).reservation);
    return original(method, roomNameOrId, clientOptions, auth);
  };
}

/** The matchmaking route reads `code` (HTTP status) and `message` ("CODE: text"). */
async function rethrow<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const app = fromServerError(err);
    if (app) throw Object.assign(new Error(`${app.code}: ${app.message}`), { code: app.status });
    throw err;
  }
}
