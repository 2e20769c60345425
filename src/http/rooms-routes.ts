/** /api/rooms: create, join, list, describe, playback, members, stats and the member/owner actions. Thin. */
import { Router, type Request } from "express";
import { matchMaker } from "@colyseus/core";
import { and, inArray } from "drizzle-orm";
import { changesProfile, roomId as roomIdSchema } from "../../schema/messages.ts";
import { HTTP_MESSAGE_TYPES } from "../../schema/protocol.ts";
import { listQuery, membersQuery, timelineQuery } from "../../schema/queries.ts";
import { roomCounters, syncQuality } from "../db/analytics-repo.ts";
import { moderationCount } from "../db/moderation-repo.ts";
import { clientIp } from "../security/client-ip.ts";
import { generateAccessKey, generateInviteSecret } from "../security/access-key.ts";
import { signMemberToken } from "../security/member-token.ts";
import { isJwtShaped } from "../security/identity.ts";
import { AppError } from "../errors.ts";
import type { Services } from "../services.ts";
import * as repo from "../db/rooms-repo.ts";
import { members } from "../db/schema.ts";
import { createWatchParty, joinWatchParty, type Seated } from "../rooms/matchmaking.ts";
import { newStay } from "../rooms/admission.ts";
import {
  callRoom,
  commitWaitMs,
  isLive,
  type MemberAction,
  type OwnerAction,
  type RoomAnswer,
} from "../rooms/remote.ts";
import { answerOf } from "../rooms/write-waits.ts";
import { liveListing } from "../rooms/live-listing.ts";
import { requireRedis } from "../cluster/redis-gate.ts";
import { parseOrThrow } from "../validate.ts";
import { dormantPlayback, ROOM_NAME } from "../rooms/restore.ts";
import type { RoomMetadata } from "../rooms/metadata.ts";
import type { PlaybackSnapshot } from "../sync/playback.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import type { MembersPage, MembersPageQuery } from "../rooms/members-page.ts";
import { bearerOf, memberOf, requireRoom, requireUser, userIn } from "./member-auth.ts";
import { roomTimelines, TIMELINE_FRESH_MS } from "./room-timeline.ts";
import { RecentAnswers } from "./recent-answers.ts";
import { authContextOf, sendChange, sendData } from "./respond.ts";

type LiveView = { playback: PlaybackSnapshot } & MembersPage;

export function roomsRouter(svc: Services): Router {
  const router = Router();
  const { db } = svc.database;
  const timeline = roomTimelines(db, svc.config.SAMPLE_FLUSH_MS);
  // the last hour's sync quality scans that hour's samples (hundreds of ms for a big room on
  // PGlite, on the main thread): computed at most once per room per 5 s, however often asked
  const recentSync = new RecentAnswers<Awaited<ReturnType<typeof syncQuality>>>(TIMELINE_FRESH_MS, 1000);

  /** What a new seat's holder gets: the room, the seat, its member token, and a new guest identity. */
  async function seated(seat: Seated, stay: string, memberCount: number, live: boolean) {
    const row = await loadRoom(seat.reservation.roomId);
    const identified = seat.request.identified!;
    const user_id = identified.identity.user_id;
    const exp = Date.now() + svc.config.MEMBER_TOKEN_TTL_S * 1000;
    const data: Record<string, unknown> = {
      room: publicRoom(row, memberCount, live),
      user_id,
      member_token: signMemberToken(svc.tokenSecret, { room_id: row.room_id, user_id, stay, exp }),
      reservation: seat.reservation,
    };
    if (identified.issued_token) data.identity_token = identified.issued_token;
    if (row.access_key !== null && (row.owner_user_id === user_id || row.host_user_id === user_id)) {
      data.access_key = row.access_key;
      data.invite = row.invite_secret;
    }
    return data;
  }

  router.post("/", async (req, res) => {
    const stay = newStay();
    const seat = await createWatchParty(req.body, authContextOf(req), stay);
    sendData(res, await seated(seat, stay, 0, true), 201);
  });

  router.post("/:room_id/join", async (req, res) => {
    const roomId = roomParam(req);
    const stay = newStay();
    const seat = await joinWatchParty(roomId, req.body, authContextOf(req), stay);
    const listing = await matchMaker.getRoomById(roomId);
    sendData(res, await seated(seat, stay, listing?.clients ?? 0, Boolean(listing)));
  });

  router.get("/", async (req, res) => {
    const q = parseOrThrow(listQuery, req.query);
    const after = q.cursor !== undefined ? decodeCursor(q.cursor) : undefined;
    const page = await repo.listPublicRooms(db, { anime_id: q.anime_id, limit: q.limit, after });
    requireRedis(svc.redis);
    const live = new Map((await matchMaker.query({ name: ROOM_NAME })).map((l) => [l.roomId, l]));
    const now = Date.now();
    const hosts = await hostNames(page.rows);
    const listed = page.rows.map((row) => {
      const listing = live.get(row.room_id);
      // a live room's own word first: its stored members trail a join by a batched write
      const hostName =
        (listing?.metadata as RoomMetadata | undefined)?.host_username || hosts.get(row.room_id);
      return {
        ...publicRoom(row, listing?.clients ?? 0, Boolean(listing)),
        ...listingExtras(row, hostName ?? null, Boolean(listing)),
      };
    });
    // one server_time for the page (the same listing from every process but for this)
    sendData(res, listed, 200, { next_cursor: page.next ? encodeCursor(page.next) : null, server_time: now });
  });

  router.get("/:room_id", async (req, res) => {
    const row = await readableRoom(req);
    const listing = await liveListing(row.room_id);
    sendData(res, publicRoom(row, listing?.clients ?? 0, Boolean(listing)));
  });

  router.get("/:room_id/playback", async (req, res) => {
    const row = await readableRoom(req);
    const live = await liveView(row.room_id, { limit: 0 });
    sendData(res, { ...(live?.playback ?? dormantPlayback(row)), server_time: Date.now() });
  });

  router.get("/:room_id/members", async (req, res) => {
    const q = parseOrThrow(membersQuery, req.query);
    const row = await readableRoom(req);
    const after = q.cursor === undefined ? undefined : Buffer.from(q.cursor, "base64url").toString("utf8");
    const live = await liveView(row.room_id, { after, limit: q.limit });
    const next = live?.next_after;
    sendData(res, live?.members ?? [], 200, {
      next_cursor: next ? Buffer.from(next, "utf8").toString("base64url") : null,
      member_count: live?.member_count ?? 0,
    });
  });

  router.get("/:room_id/stats", async (req, res) => {
    const row = await readableRoom(req);
    const [counters, sync, live] = await Promise.all([
      roomCounters(db, row.room_id),
      recentSync.get(row.room_id, () => syncQuality(db, row.room_id)),
      liveView(row.room_id, { limit: 0 }),
    ]);
    sendData(res, {
      room_id: row.room_id,
      status: live ? "live" : "dormant",
      current_members: live?.member_count ?? 0,
      connected_members: live?.connected_count ?? 0,
      peak_members: counters?.peak_members ?? 0,
      host_actions: counters?.host_actions ?? 0,
      comments: counters?.comments ?? 0,
      moderation_actions: await moderationCount(db, row.room_id),
      sync,
    });
  });

  router.get("/:room_id/timeline", async (req, res) => {
    const row = await readableRoom(req);
    parseOrThrow(timelineQuery, req.query);
    sendData(res, await timeline(row.room_id));
  });

  router.post("/:room_id/leave", async (req, res) => {
    await memberAct(req, "leave");
    sendData(res, { left: true });
  });

  router.post("/:room_id/control", async (req, res) => {
    sendChange(res, await memberAct(req, "control", req.body));
  });

  router.patch("/:room_id/members/:user_id", async (req, res) => {
    requireUser(memberOf(req, svc.tokenSecret), String(req.params.user_id));
    sendChange(res, await memberAct(req, "update_member", req.body));
  });

  router.delete("/:room_id", async (req, res) => {
    sendChange(res, await ownerAct(req, "delete"), () => ({ deleted: true }));
  });

  /** Any room message as the token's member (bots, site backends): queue, moderation, speed, … */
  router.post("/:room_id/messages/:type", async (req, res) => {
    const type = String(req.params.type);
    if (!HTTP_MESSAGE_TYPES.includes(type))
      throw new AppError("INVALID_INPUT", `type: no room message "${type}" over HTTP`);
    // the socket path is capped by MAX_MESSAGES_PER_S; over HTTP each member counts at the control rate
    const claims = memberOf(req, svc.tokenSecret);
    await svc.rateLimits.consume("control", { user_id: claims.user_id, ip: clientIp(req) });
    sendData(res, (await memberAct(req, "message", { type, payload: req.body as unknown })).data);
  });

  router.post("/:room_id/access", async (req, res) => {
    sendChange(res, await ownerAct(req, "rotate_access"));
  });

  /**
   * Each listed room's host name, in one query: 100 rooms list in ~19 ms on PGlite (~11 ms without
   * names; a query per room took ~410 ms).
   */
  async function hostNames(rows: repo.RoomRow[]): Promise<Map<string, string>> {
    if (rows.length === 0) return new Map();
    const hostOf = new Map(rows.map((r) => [r.room_id, r.host_user_id]));
    const found = await db
      .select({ room_id: members.room_id, user_id: members.user_id, username: members.username })
      .from(members)
      .where(
        and(inArray(members.room_id, [...hostOf.keys()]), inArray(members.user_id, [...hostOf.values()])),
      );
    return new Map(
      found.filter((m) => hostOf.get(m.room_id) === m.user_id).map((m) => [m.room_id, m.username]),
    );
  }

  async function loadRoom(roomId: string): Promise<repo.RoomRow> {
    const row = await repo.getRoom(db, roomId);
    if (!row) throw new AppError("ROOM_NOT_FOUND");
    return row;
  }

  /** A public room, or a private one for its members (a live stay) and its owner. */
  async function readableRoom(req: Request): Promise<repo.RoomRow> {
    const row = await loadRoom(roomParam(req));
    if (row.is_public) return row;
    if (!bearerOf(req))
      throw new AppError(
        "UNAUTHORIZED",
        "a private room: members only (Authorization: Bearer <member_token>)",
      );
    const userId = await userIn(req, svc, row.room_id);
    const viaIdentity = isJwtShaped(bearerOf(req)!) && svc.identity.mode !== "open";
    if (viaIdentity && userId !== row.owner_user_id)
      throw new AppError("FORBIDDEN", "a private room: members only");
    return row;
  }

  /** A member token's action in its room, during its stay. */
  async function memberAct(
    req: Request,
    action: MemberAction,
    payload?: unknown,
  ): Promise<RoomAnswer<unknown>> {
    const roomId = roomParam(req);
    const claims = memberOf(req, svc.tokenSecret);
    requireRoom(claims, roomId);
    // a live room answers without a database read (the database may be away: the room keeps the write)
    if (!(await isLive(roomId))) await loadRoom(roomId);
    // control and room messages count against the room's own limits; a member update that only
    // reports playback status (no name or avatar) counts at the control rate, as often as a player reports
    const statusOnly = action === "update_member" && !changesProfile(payload);
    if (statusOnly) await svc.rateLimits.consume("control", { user_id: claims.user_id, ip: clientIp(req) });
    else if (action !== "control" && action !== "message")
      await svc.rateLimits.consume("manage", { user_id: claims.user_id, ip: clientIp(req) });
    const done = await callRoom(roomId, "memberAct", [claims, action, payload], commitWaitMs(svc));
    if (!done) throw new AppError("UNAUTHORIZED", "this member token's stay has ended");
    return done;
  }

  /** The owner's action: in the live room, or on the stored room while it is dormant. */
  async function ownerAct(req: Request, action: OwnerAction): Promise<RoomAnswer<unknown>> {
    const roomId = roomParam(req);
    const stored = (await isLive(roomId)) ? undefined : await loadRoom(roomId);
    // an identity token works while the room sleeps; a member token only during its stay
    const userId = await userIn(req, svc, roomId);
    await svc.rateLimits.consume("manage", { user_id: userId, ip: clientIp(req) });
    const done = await callRoom(roomId, "ownerAct", [userId, action], commitWaitMs(svc));
    if (done) return done;
    const row = stored ?? (await loadRoom(roomId));
    if (userId !== row.owner_user_id) throw new AppError("NOT_OWNER");
    // a dormant room: written here, within the same bound as a live room's change
    if (action === "delete") return pendingOrDone(repo.deleteRoom(db, row.room_id).then(() => null));
    if (row.access_key === null) throw new AppError("INVALID_INPUT", "a public room has no key to rotate");
    const access = { access_key: generateAccessKey(), invite_secret: generateInviteSecret() };
    const answer = { access_key: access.access_key, invite: access.invite_secret };
    return pendingOrDone(
      repo.setAccess(db, row.room_id, access).then(() => answer),
      answer,
    );
  }

  async function pendingOrDone<T>(
    work: Promise<T>,
    pendingData: T | null = null,
  ): Promise<RoomAnswer<T | null>> {
    const done = await svc.writeWaits.within(work, () => pendingData);
    return answerOf(done);
  }

  return router;
}

/** The live room's own view, from whichever process hosts it; undefined when dormant. */
async function liveView(roomId: string, page: MembersPageQuery): Promise<LiveView | undefined> {
  return (await callRoom<LiveView>(roomId, "describe", [page]))?.data;
}

function roomParam(req: Request): string {
  const parsed = roomIdSchema.safeParse(req.params.room_id);
  if (!parsed.success) throw new AppError("ROOM_NOT_FOUND");
  return parsed.data;
}

/**
 * What the lobby shows beyond the room itself (GET /api/rooms only): the host's name and the
 * playback as last stored (after every host action; paused where it stopped while dormant).
 */
function listingExtras(row: repo.RoomRow, hostName: string | null, live: boolean) {
  const { is_playing, position, updated_at, rate, seq } = live ? row : dormantPlayback(row);
  return {
    host_username: hostName,
    playback: { is_playing, position, updated_at, rate, seq },
  };
}

/** A room as the API shows it: never the access key or the invite. */
export function publicRoom(row: repo.RoomRow, memberCount: number, live: boolean) {
  return {
    ...repo.describeRoom(row),
    member_count: memberCount,
    status: live ? "live" : "dormant",
  };
}
