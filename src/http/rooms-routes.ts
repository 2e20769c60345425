/** /api/rooms: create, join, list, playback and members. Thin: validation, then the room layer. */
import { Router, type Request } from "express";
import { matchMaker } from "@colyseus/core";
import {
  controlMessage,
  createRoomOptions,
  joinRoomOptions,
  memberUpdate,
  roomId as roomIdSchema,
} from "../../schema/messages.ts";
import { listQuery } from "../../schema/queries.ts";
import { roomCounters, syncQuality } from "../db/analytics-repo.ts";
import type { RemoteResult } from "../rooms/WatchPartyRoom.ts";
import { clientIp } from "../security/client-ip.ts";
import { memberOf, requireRoom, requireUser } from "./member-auth.ts";
import { AppError } from "../errors.ts";
import type { Services } from "../services.ts";
import * as repo from "../db/rooms-repo.ts";
import { createWatchParty, joinWatchParty } from "../rooms/matchmaking.ts";
import { parseOrThrow } from "../validate.ts";
import { dormantPlayback, ROOM_NAME } from "../rooms/restore.ts";
import { signMemberToken } from "../security/member-token.ts";
import type { PlaybackSnapshot } from "../sync/playback.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { authContextOf, sendData } from "./respond.ts";

export function roomsRouter(svc: Services): Router {
  const router = Router();
  const { db } = svc.database;

  router.post("/", async (req, res) => {
    const opts = parseOrThrow(createRoomOptions, req.body);
    const reservation = await createWatchParty(req.body, authContextOf(req));
    const row = await loadRoom(reservation.roomId);
    const member_token = signMemberToken(svc.tokenSecret, {
      room_id: row.room_id,
      user_id: opts.host_user_id,
      exp: Date.now() + svc.config.MEMBER_TOKEN_TTL_S * 1000,
    });
    const data: Record<string, unknown> = { room: publicRoom(row, 0, true), member_token, reservation };
    if (row.access_key !== null) data.access_key = row.access_key;
    sendData(res, data, 201);
  });

  router.post("/:room_id/join", async (req, res) => {
    const roomId = roomParam(req);
    parseOrThrow(joinRoomOptions, req.body);
    const reservation = await joinWatchParty(roomId, req.body, authContextOf(req));
    const row = await loadRoom(roomId);
    const listing = await matchMaker.getRoomById(roomId);
    sendData(res, { room: publicRoom(row, listing?.clients ?? 0, Boolean(listing)), reservation });
  });

  router.get("/", async (req, res) => {
    const q = parseOrThrow(listQuery, req.query);
    const after = q.cursor !== undefined ? decodeCursor(q.cursor) : undefined;
    const page = await repo.listPublicRooms(db, { anime_id: q.anime_id, limit: q.limit, after });
    const live = new Map((await matchMaker.query({ name: ROOM_NAME })).map((l) => [l.roomId, l.clients]));
    sendData(
      res,
      page.rows.map((row) => publicRoom(row, live.get(row.room_id) ?? 0, live.has(row.room_id))),
      200,
      { next_cursor: page.next ? encodeCursor(page.next) : null },
    );
  });

  router.get("/:room_id/playback", async (req, res) => {
    const row = await loadRoom(roomParam(req));
    const live = await liveView(row.room_id);
    const playback = live?.playback ?? dormantPlayback(row);
    sendData(res, { ...playback, server_time: Date.now() });
  });

  router.get("/:room_id/members", async (req, res) => {
    const row = await loadRoom(roomParam(req));
    const live = await liveView(row.room_id);
    sendData(res, live?.members ?? []);
  });

  router.post("/:room_id/leave", async (req, res) => {
    const roomId = roomParam(req);
    const member = memberOf(req, svc.tokenSecret);
    requireRoom(member, roomId);
    await loadRoom(roomId);
    await svc.rateLimits.consume("manage", { user_id: member.user_id, ip: clientIp(req) });
    const left = await callRoom(roomId, "leaveUser", [member.user_id]);
    sendData(res, { left: left !== undefined });
  });

  router.delete("/:room_id", async (req, res) => {
    const roomId = roomParam(req);
    const member = memberOf(req, svc.tokenSecret);
    requireRoom(member, roomId);
    const row = await loadRoom(roomId);
    await svc.rateLimits.consume("manage", { user_id: member.user_id, ip: clientIp(req) });
    const live = await callRoom(roomId, "deleteRoom", [member.user_id]);
    if (live === undefined) {
      if (row.host_user_id !== member.user_id) throw new AppError("NOT_HOST");
      await repo.deleteRoom(db, roomId);
    }
    sendData(res, { deleted: true });
  });

  router.post("/:room_id/control", async (req, res) => {
    const roomId = roomParam(req);
    const member = memberOf(req, svc.tokenSecret);
    requireRoom(member, roomId);
    const cmd = parseOrThrow(controlMessage, req.body);
    await loadRoom(roomId);
    const done = await callRoom(roomId, "hostControl", [member.user_id, cmd]);
    if (done === undefined) throw new AppError("ROOM_DORMANT");
    const live = await liveView(roomId);
    sendData(res, { ...live?.playback, server_time: Date.now() });
  });

  router.patch("/:room_id/members/:user_id", async (req, res) => {
    const roomId = roomParam(req);
    const member = memberOf(req, svc.tokenSecret);
    requireRoom(member, roomId);
    requireUser(member, String(req.params.user_id));
    const patch = parseOrThrow(memberUpdate, req.body);
    await loadRoom(roomId);
    await svc.rateLimits.consume("manage", { user_id: member.user_id, ip: clientIp(req) });
    const done = await callRoom(roomId, "updateMember", [member.user_id, patch]);
    if (done === undefined) throw new AppError("MEMBER_NOT_FOUND");
    const live = await liveView(roomId);
    sendData(
      res,
      live?.members.find((m: any) => m.user_id === member.user_id),
    );
  });

  router.get("/:room_id/stats", async (req, res) => {
    const row = await loadRoom(roomParam(req));
    const [counters, sync, live] = await Promise.all([
      roomCounters(db, row.room_id),
      syncQuality(db, row.room_id),
      liveView(row.room_id),
    ]);
    sendData(res, {
      room_id: row.room_id,
      status: live ? "live" : "dormant",
      current_members: live?.members.length ?? 0,
      connected_members: live?.members.filter((m: any) => m.connected).length ?? 0,
      peak_members: counters?.peak_members ?? 0,
      host_actions: counters?.host_actions ?? 0,
      comments: counters?.comments ?? 0,
      sync,
    });
  });

  async function loadRoom(roomId: string): Promise<repo.RoomRow> {
    const row = await repo.getRoom(db, roomId);
    if (!row) throw new AppError("ROOM_NOT_FOUND");
    return row;
  }

  return router;
}

type LiveView = { playback: PlaybackSnapshot; members: any[] };

/**
 * Calls a method of a live room on whichever process hosts it. Undefined when the room is
 * dormant; a refusal from the room becomes its AppError.
 */
async function callRoom(roomId: string, method: string, args: unknown[]): Promise<true | undefined> {
  if (!(await matchMaker.getRoomById(roomId))) return undefined;
  let result: RemoteResult;
  try {
    result = await matchMaker.remoteRoomCall(roomId, method, args);
  } catch {
    return undefined; // went to sleep in between
  }
  if (!result.ok) throw new AppError(result.code, result.message);
  return true;
}

/** The live room's own view, from whichever process hosts it; undefined when dormant. */
async function liveView(roomId: string): Promise<LiveView | undefined> {
  if (!(await matchMaker.getRoomById(roomId))) return undefined;
  try {
    return (await matchMaker.remoteRoomCall(roomId, "describe")) as LiveView;
  } catch {
    return undefined; // went to sleep in between
  }
}

function roomParam(req: Request): string {
  const parsed = roomIdSchema.safeParse(req.params.room_id);
  if (!parsed.success) throw new AppError("ROOM_NOT_FOUND");
  return parsed.data;
}

/** A room as the API shows it: never the access key. */
export function publicRoom(row: repo.RoomRow, memberCount: number, live: boolean) {
  return {
    ...repo.describeRoom(row),
    member_count: memberCount,
    status: live ? "live" : "dormant",
  };
}
