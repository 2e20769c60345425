/**
 * Members and their sync per minute of the last hour, from the stored status samples. A member
 * counts in a minute when it has a sample stored in it (with SAMPLE_INTERVAL_S ≤ 60, every member
 * that keeps reporting does); it counts as in sync when its last sample of the minute is `synced`.
 *
 * Cost: one range scan of the room's samples of the window on `sync_samples_room_at_idx`
 * (room_id, at), one sort for the last sample per member and minute; the answer is at most
 * TIMELINE_BUCKETS rows (loadtest/timeline.ts measures it; docs/performance.md has the figures).
 * Minutes come from date_trunc on a timestamp (not numeric epoch arithmetic, 2–3× slower per row).
 */
import type { MinuteCount } from "../sync/timeline.ts";
import { and, desc, eq, gte, sql } from "./drizzle.ts";
import type { Db } from "./connect.ts";
import { syncSamples } from "./schema.ts";

/** The room's minutes from `sinceMs` (a minute's start) on. */
export async function minuteCounts(db: Db, roomId: string, sinceMs: number): Promise<MinuteCount[]> {
  // every time zone in use today is a whole number of minutes off UTC: the minutes are UTC minutes
  const minute = sql<Date>`date_trunc('minute', ${syncSamples.at})`;
  const lastPerMember = db
    .selectDistinctOn([minute, syncSamples.user_id], {
      minute: minute.as("minute"),
      sync_status: syncSamples.sync_status,
    })
    .from(syncSamples)
    .where(and(eq(syncSamples.room_id, roomId), gte(syncSamples.at, new Date(sinceMs))))
    .orderBy(minute, syncSamples.user_id, desc(syncSamples.at), desc(syncSamples.id))
    .as("last_per_member");
  return db
    .select({
      // epoch ms as float8: a number from both drivers (a bigint would be a string from pg)
      start: sql<number>`(extract(epoch from ${lastPerMember.minute}) * 1000)::float8`,
      members: sql<number>`count(*)::int`,
      in_sync: sql<number>`(count(*) filter (where ${lastPerMember.sync_status} = 'synced'))::int`,
    })
    .from(lastPerMember)
    .groupBy(lastPerMember.minute)
    .orderBy(lastPerMember.minute);
}
