/** Bans and the moderation log of rooms. */
import { and, eq, sql } from "./drizzle.ts";
import type { Db } from "./connect.ts";
import { moderationActions, roomBans } from "./schema.ts";

export type ModerationAction = "remove" | "ban" | "unban" | "mute" | "unmute";

export async function bannedUsers(db: Db, roomId: string): Promise<Set<string>> {
  const rows = await db
    .select({ user_id: roomBans.user_id })
    .from(roomBans)
    .where(eq(roomBans.room_id, roomId));
  return new Set(rows.map((r) => r.user_id));
}

/** Users whose latest mute/unmute in the room is a mute. */
export async function mutedUsers(db: Db, roomId: string): Promise<Set<string>> {
  const result = await db.execute(sql`
    SELECT DISTINCT ON (target_user_id) target_user_id, action
    FROM ${moderationActions}
    WHERE room_id = ${roomId} AND action IN ('mute', 'unmute')
    ORDER BY target_user_id, id DESC`);
  const { rows } = result as { rows: Array<{ target_user_id: string; action: string }> };
  return new Set(rows.filter((r) => r.action === "mute").map((r) => r.target_user_id));
}

export async function isBanned(db: Db, roomId: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ user_id: roomBans.user_id })
    .from(roomBans)
    .where(and(eq(roomBans.room_id, roomId), eq(roomBans.user_id, userId)));
  return row !== undefined;
}

export async function ban(db: Db, roomId: string, userId: string, by: string, reason: string): Promise<void> {
  await db
    .insert(roomBans)
    .values({ room_id: roomId, user_id: userId, banned_by: by, reason })
    .onConflictDoUpdate({ target: [roomBans.room_id, roomBans.user_id], set: { reason, banned_by: by } });
}

export async function unban(db: Db, roomId: string, userId: string): Promise<void> {
  await db.delete(roomBans).where(and(eq(roomBans.room_id, roomId), eq(roomBans.user_id, userId)));
}

export async function logModeration(
  db: Db,
  entry: {
    room_id: string;
    action: ModerationAction;
    target_user_id: string;
    by_user_id: string;
    reason: string;
  },
): Promise<void> {
  await db.insert(moderationActions).values(entry);
}

export async function moderationCount(db: Db, roomId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(moderationActions)
    .where(eq(moderationActions.room_id, roomId));
  return Number(row?.n ?? 0);
}
