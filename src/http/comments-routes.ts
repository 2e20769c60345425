/** /api/comments: post (as a room member), read an episode's thread, and the analytics. */
import { Router } from "express";
import { commentBody } from "../../schema/messages.ts";
import { historyQuery, threadQuery } from "../../schema/queries.ts";
import { AppError } from "../errors.ts";
import type { Services } from "../services.ts";
import { getThread } from "../db/comments-repo.ts";
import { commentHistory } from "../db/analytics-repo.ts";
import { parseOrThrow } from "../validate.ts";
import { callRoom, commitWaitMs } from "../rooms/remote.ts";
import { clientIp } from "../security/client-ip.ts";
import { memberOf } from "./member-auth.ts";
import { sendChange, sendData } from "./respond.ts";

export function commentsRouter(svc: Services): Router {
  const router = Router();
  const { db } = svc.database;

  /** As a member, during its stay: the room stores and delivers it (one path with the room message). */
  router.post("/", async (req, res) => {
    const member = memberOf(req, svc.tokenSecret);
    parseOrThrow(commentBody, req.body);
    await svc.rateLimits.consume("comment", { user_id: member.user_id, ip: clientIp(req) });
    const done = await callRoom(
      member.room_id,
      "memberAct",
      [member, "comment", req.body],
      commitWaitMs(svc),
    );
    if (!done) throw new AppError("UNAUTHORIZED", "this member token's stay has ended");
    sendChange(res, done, undefined, 201);
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
