/** Rooms and their members in the database. */
import { and, desc, eq, inArray, isNull, lt, or, sql } from "./drizzle.ts";
import type { Db } from "./connect.ts";
import { members, rooms, syncSamples } from "./schema.ts";
import type { PlaybackSnapshot } from "../sync/playback.ts";

export type RoomRow = typeof rooms.$inferSelect;
export type NewRoomRow = typeof rooms.$inferInsert;
export type MemberRow = typeof members.$inferSelect;
export type SampleRow = typeof syncSamples.$inferInsert;

type Described = Pick<
  RoomRow,
  | "room_id"
  | "title"
  | "anime_id"
  | "anime_title"
  | "episode_number"
  | "video_url"
  | "is_public"
  | "host_user_id"
  | "owner_user_id"
  | "created_at"
>;

/** The fields that describe a room to its members and to the API (never its access key). */
export function describeRoom(row: Described) {
  return {
    room_id: row.room_id,
    title: row.title,
    anime_id: row.anime_id,
    anime_title: row.anime_title,
    episode_number: row.episode_number,
    video_url: row.video_url,
    is_public: row.is_public,
    host_user_id: row.host_user_id,
    owner_user_id: row.owner_user_id,
    created_at: row.created_at.getTime(),
  };
}

export async function insertRoom(db: Db, row: NewRoomRow): Promise<void> {
  await db.insert(rooms).values(row);
}

export async function getRoom(db: Db, roomId: string): Promise<RoomRow | undefined> {
  const [row] = await db.select().from(rooms).where(eq(rooms.room_id, roomId));
  return row;
}

export async function setRoomStatus(
  db: Db,
  roomId: string,
  status: "live" | "dormant",
  playback?: PlaybackSnapshot,
): Promise<void> {
  await db
    .update(rooms)
    .set({
      status,
      last_active_at: new Date(),
      ...(playback
        ? {
            is_playing: playback.is_playing,
            position: playback.position,
            updated_at: playback.updated_at,
            seq: playback.seq,
          }
        : {}),
    })
    .where(eq(rooms.room_id, roomId));
}

export async function recordPeak(db: Db, roomId: string, count: number): Promise<void> {
  await db
    .update(rooms)
    .set({ peak_members: sql`GREATEST(${rooms.peak_members}, ${count})` })
    .where(eq(rooms.room_id, roomId));
}

type Stay = { user_id: string; username: string; avatar_url: string | null; joined_at: number; stay: string };

/** rows per statement: 7 parameters a row stays well under PostgreSQL's 65,535 */
const JOIN_ROWS_PER_STATEMENT = 1000;

/**
 * Many joins in one write (a join storm into a big room): each user's latest stay, upserted
 * as memberJoined would, in statements of at most 1,000 rows; then the room's peak.
 */
export async function membersJoined(
  db: Db,
  roomId: string,
  stays: readonly Stay[],
  peak: number,
): Promise<void> {
  const latest = [...new Map(stays.map((m) => [m.user_id, m])).values()];
  for (let i = 0; i < latest.length; i += JOIN_ROWS_PER_STATEMENT) {
    const rows = latest
      .slice(i, i + JOIN_ROWS_PER_STATEMENT)
      .map((m) => ({ room_id: roomId, ...m, left_at: null }));
    await db
      .insert(members)
      .values(rows)
      .onConflictDoUpdate({
        target: [members.room_id, members.user_id],
        set: {
          username: sql`excluded.username`,
          avatar_url: sql`excluded.avatar_url`,
          joined_at: sql`excluded.joined_at`,
          left_at: null,
          stay: sql`excluded.stay`,
        },
      });
  }
  await recordPeak(db, roomId, peak);
}

/** Many leaves in one statement (a big room emptying): each user's `left_at`. */
export async function membersLeft(
  db: Db,
  roomId: string,
  leaves: ReadonlyArray<{ user_id: string; at: number }>,
): Promise<void> {
  if (leaves.length === 0) return;
  const ids = sql.param(leaves.map((l) => l.user_id));
  const times = sql.param(leaves.map((l) => l.at));
  await db.execute(sql`
    UPDATE ${members} SET left_at = gone.at
    FROM unnest(${ids}::text[], ${times}::float8[]) AS gone(user_id, at)
    WHERE ${members.room_id} = ${roomId} AND ${members.user_id} = gone.user_id`);
}

/** Promote (`on`) or demote a co-host; the member row exists since their first stay. */
export async function setCohost(db: Db, roomId: string, userId: string, on: boolean): Promise<void> {
  await db
    .update(members)
    .set({ is_cohost: on })
    .where(and(eq(members.room_id, roomId), eq(members.user_id, userId)));
}

/** The room's co-hosts (verified user ids), present or not. */
export async function cohostsOf(db: Db, roomId: string): Promise<string[]> {
  const rows = await db
    .select({ user_id: members.user_id })
    .from(members)
    .where(and(eq(members.room_id, roomId), eq(members.is_cohost, true)));
  return rows.map((r) => r.user_id);
}

/** Members whose stay has not ended (used when a room went away without saying goodbye). */
export async function closeOpenStays(db: Db, roomId: string, atMs: number): Promise<void> {
  await db
    .update(members)
    .set({ left_at: atMs })
    .where(and(eq(members.room_id, roomId), isNull(members.left_at)));
}

export interface RoomPage {
  rows: RoomRow[];
  next?: { created_at: Date; room_id: string };
}

/** Public rooms, newest first, keyset-paginated on (created_at, room_id). */
export async function listPublicRooms(
  db: Db,
  q: { anime_id?: string; limit: number; after?: { created_at: Date; room_id: string } },
): Promise<RoomPage> {
  const conditions = [eq(rooms.is_public, true)];
  if (q.anime_id) conditions.push(eq(rooms.anime_id, q.anime_id));
  if (q.after) {
    conditions.push(
      or(
        lt(rooms.created_at, q.after.created_at),
        and(eq(rooms.created_at, q.after.created_at), lt(rooms.room_id, q.after.room_id)),
      )!,
    );
  }
  const rows = await db
    .select()
    .from(rooms)
    .where(and(...conditions))
    .orderBy(desc(rooms.created_at), desc(rooms.room_id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return rows.length > q.limit && last
    ? { rows: page, next: { created_at: last.created_at, room_id: last.room_id } }
    : { rows: page };
}

/**
 * One statement with five array parameters, whatever the number of rows: drizzle's multi-row
 * insert builds five parameters per row, which costs about twice as much main-thread time on
 * PGlite (measured: loadtest/samples-insert.ts). Callers keep batches small (SampleWriter).
 */
export async function insertSamples(db: Db, rows: SampleRow[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <T>(pick: (r: SampleRow) => T) => sql.param(rows.map(pick));
  await db.execute(sql`
    INSERT INTO ${syncSamples} (room_id, user_id, at, drift, sync_status)
    SELECT * FROM unnest(
      ${column((r) => r.room_id)}::text[],
      ${column((r) => r.user_id)}::text[],
      ${column((r) => r.at.toISOString())}::timestamptz[],
      ${column((r) => r.drift)}::float8[],
      ${column((r) => r.sync_status)}::text[]
    )`);
}

export async function updateMember(
  db: Db,
  roomId: string,
  userId: string,
  patch: { username?: string; avatar_url?: string },
): Promise<void> {
  await db
    .update(members)
    .set(patch)
    .where(and(eq(members.room_id, roomId), eq(members.user_id, userId)));
}

export async function getMember(db: Db, roomId: string, userId: string): Promise<MemberRow | undefined> {
  const [row] = await db
    .select()
    .from(members)
    .where(and(eq(members.room_id, roomId), eq(members.user_id, userId)));
  return row;
}

/** Whether this user has ever held a seat in the room (a former member rejoins without key). */
export async function wasMember(db: Db, roomId: string, userId: string): Promise<boolean> {
  return (await getMember(db, roomId, userId)) !== undefined;
}

/** New key and invite of a private room (the old ones stop working). */
export async function setAccess(
  db: Db,
  roomId: string,
  access: { access_key: string; invite_secret: string },
): Promise<void> {
  await db.update(rooms).set(access).where(eq(rooms.room_id, roomId));
}

export type RoomSettingsRow = Partial<
  Pick<
    RoomRow,
    | "segments"
    | "wait_for_buffering"
    | "auto_skip"
    | "autoplay_next"
    | "control_open"
    | "slow_mode"
    | "queue"
    | "current_item"
    | "anime_id"
    | "anime_title"
    | "episode_number"
    | "video_url"
  >
>;

/** The host's room settings and the episode's segments. */
export async function saveRoomSettings(db: Db, roomId: string, settings: RoomSettingsRow): Promise<void> {
  await db.update(rooms).set(settings).where(eq(rooms.room_id, roomId));
}

export async function countComment(db: Db, roomId: string): Promise<void> {
  await db
    .update(rooms)
    .set({ comment_count: sql`${rooms.comment_count} + 1` })
    .where(eq(rooms.room_id, roomId));
}

export async function deleteRoom(db: Db, roomId: string): Promise<void> {
  await db.delete(rooms).where(eq(rooms.room_id, roomId));
}

export async function existingRoomIds(db: Db, roomIds: string[]): Promise<Set<string>> {
  if (roomIds.length === 0) return new Set();
  const rows = await db.select({ id: rooms.room_id }).from(rooms).where(inArray(rooms.room_id, roomIds));
  return new Set(rows.map((r) => r.id));
}
