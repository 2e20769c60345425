/** Episode comment threads in the database. */
import { and, asc, desc, eq, gt, inArray, isNull, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "./connect.ts";
import { comments } from "./schema.ts";
import { AppError } from "../errors.ts";

export type CommentRow = typeof comments.$inferSelect;

/** A comment as rooms and the HTTP API show it. Ids are strings (they are 64-bit). */
export interface CommentView {
  id: string;
  anime_id: string;
  episode_number: number;
  parent_id: string | null;
  user_id: string;
  username: string;
  message: string;
  room_id: string | null;
  video_timestamp: number | null;
  created_at: number;
  replies?: CommentView[];
}

export function viewOf(row: CommentRow): CommentView {
  return {
    id: String(row.id),
    anime_id: row.anime_id,
    episode_number: row.episode_number,
    parent_id: row.parent_id === null ? null : String(row.parent_id),
    user_id: row.user_id ?? "",
    username: row.username ?? "",
    message: row.message,
    room_id: row.room_id,
    video_timestamp: row.video_timestamp,
    created_at: row.created_at.getTime(),
  };
}

export interface NewComment {
  anime_id: string;
  episode_number: number;
  parent_id?: number;
  user_id: string;
  username: string;
  message: string;
  room_id?: string;
  video_timestamp?: number;
}

/**
 * Stores a comment under its episode's anchor (created on first use) or under its parent.
 * Inserts of one episode are serialised, so ids of an episode commit in order and keyset
 * pages over them never skip a row that commits late.
 */
export async function insertComment(db: Db, c: NewComment): Promise<CommentRow> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`SELECT pg_advisory_xact_lock(hashtext(${`comments:${c.episode_number}:${c.anime_id}`}))`,
    );
    const anchor = await ensureAnchor(tx as unknown as Db, c.anime_id, c.episode_number);
    let parentId = anchor.id;
    let depth = 1;
    if (c.parent_id !== undefined && c.parent_id !== anchor.id) {
      const [parent] = await tx.select().from(comments).where(eq(comments.id, c.parent_id));
      if (!parent || parent.anime_id !== c.anime_id || parent.episode_number !== c.episode_number) {
        throw new AppError("INVALID_INPUT", "parent_id: not a comment of this episode");
      }
      parentId = parent.id;
      depth = parent.depth + 1;
    }
    const [row] = await tx
      .insert(comments)
      .values({
        kind: "comment",
        anime_id: c.anime_id,
        episode_number: c.episode_number,
        parent_id: parentId,
        depth,
        user_id: c.user_id,
        username: c.username,
        message: c.message,
        room_id: c.room_id ?? null,
        video_timestamp: c.video_timestamp ?? null,
        created_at: new Date(),
      })
      .returning();
    return row!;
  });
}

async function ensureAnchor(db: Db, animeId: string, episode: number): Promise<CommentRow> {
  const where = and(
    eq(comments.kind, "anchor"),
    eq(comments.anime_id, animeId),
    eq(comments.episode_number, episode),
  );
  const [found] = await db.select().from(comments).where(where);
  if (found) return found;
  await db
    .insert(comments)
    .values({
      kind: "anchor",
      anime_id: animeId,
      episode_number: episode,
      depth: 0,
      message: `Episode ${episode} discussion`,
    })
    .onConflictDoNothing();
  const [row] = await db.select().from(comments).where(where);
  return row!;
}

export interface ThreadQuery {
  anime_id: string;
  episode_number: number;
  order: "newest" | "oldest";
  limit: number;
  /** id of the last top-level comment of the previous page */
  after?: number;
  /** spoiler cutoff: hide comments later in the episode than this (seconds) */
  until?: number;
}

export interface ThreadPage {
  anchor: CommentView | null;
  comments: CommentView[];
  next?: number;
}

/** A page of top-level comments, each with its whole reply tree (oldest reply first). */
export async function getThread(db: Db, q: ThreadQuery): Promise<ThreadPage> {
  const [anchor] = await db
    .select()
    .from(comments)
    .where(
      and(
        eq(comments.kind, "anchor"),
        eq(comments.anime_id, q.anime_id),
        eq(comments.episode_number, q.episode_number),
      ),
    );
  if (!anchor) return { anchor: null, comments: [] };

  const visible =
    q.until === undefined
      ? undefined
      : or(isNull(comments.video_timestamp), lte(comments.video_timestamp, q.until));
  const conditions: (SQL | undefined)[] = [eq(comments.parent_id, anchor.id), visible];
  if (q.after !== undefined)
    conditions.push(q.order === "newest" ? lt(comments.id, q.after) : gt(comments.id, q.after));
  const top = await db
    .select()
    .from(comments)
    .where(and(...conditions))
    .orderBy(q.order === "newest" ? desc(comments.id) : asc(comments.id))
    .limit(q.limit + 1);
  const page = top.slice(0, q.limit);

  const views = page.map(viewOf);
  const byId = new Map(views.map((v) => [v.id, v]));
  let frontier = page.map((r) => r.id);
  while (frontier.length > 0) {
    const replies = await db
      .select()
      .from(comments)
      .where(and(inArray(comments.parent_id, frontier), visible))
      .orderBy(asc(comments.id));
    for (const r of replies) {
      const v = viewOf(r);
      const parent = byId.get(String(r.parent_id));
      if (!parent) continue;
      (parent.replies ??= []).push(v);
      byId.set(v.id, v);
    }
    frontier = replies.map((r) => r.id);
  }
  const last = page[page.length - 1];
  return {
    anchor: viewOf(anchor),
    comments: views,
    ...(top.length > q.limit && last ? { next: last.id } : {}),
  };
}
