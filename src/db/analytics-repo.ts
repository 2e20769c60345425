/** Read-only aggregates over comments and sync samples. Counts are cast to int so PostgreSQL and PGlite agree. */
import { and, desc, eq, gte, isNotNull, sql, type SQL } from "./drizzle.ts";
import type { Db } from "./connect.ts";
import { comments, reactionBuckets, rooms, syncSamples } from "./schema.ts";

export const HOT_MOMENT_BUCKET_S = 30;

export interface HistoryFilter {
  anime_id?: string;
  episode_number?: number;
  room_id?: string;
}

export async function commentHistory(db: Db, f: HistoryFilter, top = 10) {
  const where = and(
    eq(comments.kind, "comment"),
    f.anime_id !== undefined ? eq(comments.anime_id, f.anime_id) : undefined,
    f.episode_number !== undefined ? eq(comments.episode_number, f.episode_number) : undefined,
    f.room_id !== undefined ? eq(comments.room_id, f.room_id) : undefined,
  );
  const n = sql<number>`count(*)::int`;
  const width = sql.raw(String(HOT_MOMENT_BUCKET_S)); // a literal, so GROUP BY matches the select
  // float8, not int: rows stored before positions were bounded (up to 1e308) must not overflow the cast
  const bucket = sql<number>`(floor(${comments.video_timestamp} / ${width}) * ${width})::float8`;
  const reactionWhere = and(
    f.anime_id !== undefined ? eq(reactionBuckets.anime_id, f.anime_id) : undefined,
    f.episode_number !== undefined ? eq(reactionBuckets.episode_number, f.episode_number) : undefined,
  );
  const [total, perEpisode, perRoom, topCommenters, histogram, reactionHistogram] = await Promise.all([
    db.select({ n }).from(comments).where(where),
    db
      .select({ anime_id: comments.anime_id, episode_number: comments.episode_number, comments: n })
      .from(comments)
      .where(where)
      .groupBy(comments.anime_id, comments.episode_number)
      .orderBy(desc(n), comments.anime_id, comments.episode_number)
      .limit(100),
    db
      .select({ room_id: sql<string>`${comments.room_id}`, comments: n })
      .from(comments)
      .where(and(where, isNotNull(comments.room_id)))
      .groupBy(comments.room_id)
      .orderBy(desc(n), comments.room_id)
      .limit(100),
    db
      .select({
        user_id: sql<string>`${comments.user_id}`,
        username: sql<string>`max(${comments.username})`,
        comments: n,
      })
      .from(comments)
      .where(where)
      .groupBy(comments.user_id)
      .orderBy(desc(n), comments.user_id)
      .limit(top),
    db
      .select({ start_s: bucket, comments: n })
      .from(comments)
      .where(and(where, isNotNull(comments.video_timestamp)))
      .groupBy(bucket)
      .orderBy(bucket),
    // reactions are counted per episode, not per room
    f.room_id !== undefined
      ? Promise.resolve([])
      : db
          .select({
            start_s: reactionBuckets.bucket_start_s,
            reactions: sql<number>`sum(${reactionBuckets.reactions})::int`,
          })
          .from(reactionBuckets)
          .where(reactionWhere)
          .groupBy(reactionBuckets.bucket_start_s),
  ]);
  return {
    total: total[0]?.n ?? 0,
    per_episode: perEpisode,
    per_room: perRoom,
    top_commenters: topCommenters,
    hot_moments: { bucket_s: HOT_MOMENT_BUCKET_S, buckets: mergeBuckets(histogram, reactionHistogram) },
  };
}

/** Comments and reactions per 30 s bucket, by start, both counts on every bucket. */
function mergeBuckets(
  comments: Array<{ start_s: number; comments: number }>,
  reactions: Array<{ start_s: number; reactions: number }>,
): Array<{ start_s: number; comments: number; reactions: number }> {
  const byStart = new Map<number, { start_s: number; comments: number; reactions: number }>();
  for (const c of comments)
    byStart.set(Number(c.start_s), { start_s: Number(c.start_s), comments: c.comments, reactions: 0 });
  for (const r of reactions) {
    const start = Number(r.start_s);
    const bucket = byStart.get(start) ?? { start_s: start, comments: 0, reactions: 0 };
    bucket.reactions += Number(r.reactions);
    byStart.set(start, bucket);
  }
  return [...byStart.values()].sort((a, b) => a.start_s - b.start_s);
}

export interface SyncQuality {
  window_s: number;
  reports: number;
  in_sync_share: number | null;
  median_abs_drift_s: number | null;
  p95_abs_drift_s: number | null;
}

/**
 * Over the last window of stored status samples: the share that were `synced` (buffering counts
 * as not in sync), and median / p95 |drift| of those that measured a drift (synced or drifting).
 */
export async function syncQuality(
  db: Db,
  roomId: string,
  windowS = 3600,
  nowMs = Date.now(),
): Promise<SyncQuality> {
  const since = new Date(nowMs - windowS * 1000);
  const measured: SQL = sql`${syncSamples.sync_status} in ('synced', 'drifting')`;
  const [row] = await db
    .select({
      reports: sql<number>`count(*)::int`,
      synced: sql<number>`(count(*) filter (where ${syncSamples.sync_status} = 'synced'))::int`,
      median: sql<
        number | null
      >`percentile_cont(0.5) within group (order by abs(${syncSamples.drift})) filter (where ${measured})`,
      p95: sql<
        number | null
      >`percentile_cont(0.95) within group (order by abs(${syncSamples.drift})) filter (where ${measured})`,
    })
    .from(syncSamples)
    .where(and(eq(syncSamples.room_id, roomId), gte(syncSamples.at, since)));
  const r = row ?? { reports: 0, synced: 0, median: null, p95: null };
  const round = (x: number | null) => (x === null ? null : Math.round(Number(x) * 1000) / 1000);
  return {
    window_s: windowS,
    reports: r.reports,
    in_sync_share: r.reports > 0 ? Math.round((r.synced / r.reports) * 10_000) / 10_000 : null,
    median_abs_drift_s: round(r.median),
    p95_abs_drift_s: round(r.p95),
  };
}

export async function roomCounters(db: Db, roomId: string) {
  const [room] = await db
    .select({
      peak_members: rooms.peak_members,
      host_actions: rooms.host_actions,
      comments: rooms.comment_count,
    })
    .from(rooms)
    .where(eq(rooms.room_id, roomId));
  return room;
}
