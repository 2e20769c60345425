/** /api/rooms: create, join, list, playback and members. Thin: validation, then the room layer. */
import { Router, type Request } from "express";
import { z } from "zod";
import { matchMaker } from "@colyseus/core";
import { createRoomOptions, joinRoomOptions, roomId as roomIdSchema } from "../../schema/messages.ts";
import { AppError } from "../errors.ts";
import type { Services } from "../services.ts";
import * as repo from "../db/rooms-repo.ts";
import { createWatchParty, joinWatchParty } from "../rooms/matchmaking.ts";
import { parseOrThrow } from "../rooms/admission.ts";
import { dormantPlayback, ROOM_NAME } from "../rooms/restore.ts";
import { signMemberToken } from "../security/member-token.ts";
import type { PlaybackSnapshot } from "../sync/playback.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { authContextOf, sendData } from "./respond.ts";

const listQuery = z.object({
  anime_id: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

export function roomsRouter(svc: Services): Router {
  const router = Router();
  const { db } = svc.database;

  router.post("/", async (req, res) => {
    const opts = parseOrThrow(createRoomOptions, req.body);
    const reservation = await createWatchParty(req.body, authContextOf(req));
    const row = await requireRoom(reservation.roomId);
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
    const row = await requireRoom(roomId);
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
    const row = await requireRoom(roomParam(req));
    const live = await liveView(row.room_id);
    const playback = live?.playback ?? dormantPlayback(row);
    sendData(res, { ...playback, server_time: Date.now() });
  });

  router.get("/:room_id/members", async (req, res) => {
    const row = await requireRoom(roomParam(req));
    const live = await liveView(row.room_id);
    sendData(res, live?.members ?? []);
  });

  async function requireRoom(roomId: string): Promise<repo.RoomRow> {
    const row = await repo.getRoom(db, roomId);
    if (!row) throw new AppError("ROOM_NOT_FOUND");
    return row;
  }

  return router;
}

type LiveView = { playback: PlaybackSnapshot; members: unknown[] };

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
    room_id: row.room_id,
    title: row.title,
    anime_id: row.anime_id,
    anime_title: row.anime_title,
    episode_number: row.episode_number,
    video_url: row.video_url,
    is_public: row.is_public,
    host_user_id: row.host_user_id,
    created_at: row.created_at.getTime(),
    member_count: memberCount,
    status: live ? "live" : "dormant",
  };
}
