/** /api/comments: post (as a room member), read an episode's thread, and the analytics. */
import { Router } from "express";
import { commentMessage } from "../../schema/messages.ts";
import { historyQuery, threadQuery } from "../../schema/queries.ts";
import { AppError } from "../errors.ts";
import type { Services } from "../services.ts";
import * as repo from "../db/rooms-repo.ts";
import { getThread, insertComment, viewOf } from "../db/comments-repo.ts";
import { commentHistory } from "../db/analytics-repo.ts";
import { parseOrThrow } from "../validate.ts";
import { publishComment } from "../rooms/comment-channel.ts";
import { clientIp } from "../security/client-ip.ts";
import { memberOf } from "./member-auth.ts";
import { sendData } from "./respond.ts";

export function commentsRouter(svc: Services): Router {
  const router = Router();
  const { db } = svc.database;

  router.post("/", async (req, res) => {
    const member = memberOf(req, svc.tokenSecret);
    const body = parseOrThrow(commentMessage, req.body);
    const [room, seat] = await Promise.all([
      repo.getRoom(db, member.room_id),
      repo.getMember(db, member.room_id, member.user_id),
    ]);
    if (!room) throw new AppError("ROOM_NOT_FOUND");
    if (!seat) throw new AppError("FORBIDDEN", "this token's user has never been in the room");
    await svc.rateLimits.consume("comment", { user_id: member.user_id, ip: clientIp(req) });
    const row = await insertComment(db, {
      anime_id: room.anime_id,
      episode_number: room.episode_number,
      parent_id: body.parent_id === undefined ? undefined : Number(body.parent_id),
      user_id: member.user_id,
      username: seat.username,
      message: body.message,
      room_id: room.room_id,
      video_timestamp: body.video_timestamp,
    });
    const comment = viewOf(row);
    await publishComment(room.room_id, comment);
    sendData(res, comment, 201);
  });

  router.get("/", async (req, res) => {
    const q = parseOrThrow(threadQuery, req.query);
    const page = await getThread(db, {
      anime_id: q.anime_id,
      episode_number: q.episode_number,
      order: q.order,
      limit: q.limit,
      after: q.cursor === undefined ? undefined : Number(q.cursor),
      until: q.until,
    });
    sendData(res, { anchor: page.anchor, comments: page.comments }, 200, {
      next_cursor: page.next === undefined ? null : String(page.next),
    });
  });

  router.get("/history", async (req, res) => {
    const q = parseOrThrow(historyQuery, req.query);
    sendData(res, await commentHistory(db, q));
  });

  return router;
}
