/** Episode comment threads in the database. */
import { and, eq, sql } from "./drizzle.ts";
import type { Db } from "./connect.ts";
import { comments } from "./schema.ts";
import { AppError } from "../errors.ts";
import type { CommentView } from "../../schema/comments.ts";

export type { CommentView };

export type CommentRow = typeof comments.$inferSelect;

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
    const anchor = await ensureAnchor(tx, c.anime_id, c.episode_number);
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

/**
 * A page of top-level comments, each with its whole reply tree (oldest reply first), in one
 * round trip: the anchor, the page (keyset on id) and a recursive walk down its replies.
 */
export async function getThread(db: Db, q: ThreadQuery): Promise<ThreadPage> {
  const visible = (alias: string) =>
    q.until === undefined
      ? sql``
      : sql`AND (${sql.raw(alias)}.video_timestamp IS NULL OR ${sql.raw(alias)}.video_timestamp <= ${q.until})`;
  const newest = q.order === "newest";
  const keyset =
    q.after === undefined ? sql`` : newest ? sql`AND c.id < ${q.after}` : sql`AND c.id > ${q.after}`;
  const result = await db.execute(sql`
    WITH RECURSIVE
      anchor AS (
        SELECT * FROM comments
        WHERE kind = 'anchor' AND anime_id = ${q.anime_id} AND episode_number = ${q.episode_number}
      ),
      page AS (
        SELECT c.* FROM comments c, anchor a
        WHERE c.parent_id = a.id ${keyset} ${visible("c")}
        ORDER BY c.id ${sql.raw(newest ? "DESC" : "ASC")}
        LIMIT ${q.limit + 1}
      ),
      tree AS (
        SELECT * FROM page
        UNION ALL
        SELECT c.* FROM comments c JOIN tree t ON c.parent_id = t.id WHERE true ${visible("c")}
      )
    SELECT * FROM anchor
    UNION ALL
    SELECT * FROM tree`);
  const rows = (result as { rows: Record<string, unknown>[] }).rows.map(rowOf);
  const anchor = rows.find((r) => r.kind === "anchor");
  if (!anchor) return { anchor: null, comments: [] };

  const top = rows
    .filter((r) => r.parent_id === anchor.id)
    .sort((a, b) => (newest ? b.id - a.id : a.id - b.id));
  const page = top.slice(0, q.limit);
  const views = new Map(page.map((r) => [r.id, viewOf(r)]));
  const replies = rows.filter((r) => r.depth > 1).sort((a, b) => a.depth - b.depth || a.id - b.id);
  for (const r of replies) {
    const parent = views.get(r.parent_id!);
    if (!parent) continue; // under the extra row fetched to detect a next page
    const v = viewOf(r);
    (parent.replies ??= []).push(v);
    views.set(r.id, v);
  }
  const last = page[page.length - 1];
  return {
    anchor: viewOf(anchor),
    comments: page.map((r) => views.get(r.id)!),
    ...(top.length > q.limit && last ? { next: last.id } : {}),
  };
}

/** Raw rows: int8 arrives as a string from pg and as a number from PGlite. */
function rowOf(r: Record<string, unknown>): CommentRow {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const date = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));
  return {
    id: Number(r.id),
    kind: String(r.kind),
    anime_id: String(r.anime_id),
    episode_number: Number(r.episode_number),
    parent_id: num(r.parent_id),
    depth: Number(r.depth),
    user_id: (r.user_id as string | null) ?? null,
    username: (r.username as string | null) ?? null,
    message: String(r.message),
    room_id: (r.room_id as string | null) ?? null,
    video_timestamp: num(r.video_timestamp),
    created_at: date(r.created_at),
  };
}
