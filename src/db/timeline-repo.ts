/**
 * Members and their sync per minute of the last hour, from the stored status samples. A member
 * counts in a minute when it has a sample stored in it (with SAMPLE_INTERVAL_S ≤ 60, every member
 * that keeps reporting does); it counts as in sync when its last sample of the minute is `synced`.
 *
 * Cost: one range scan of the room's samples of the window on `sync_samples_room_at_idx`
 * (room_id, at), grouped twice; the answer is at most TIMELINE_BUCKETS rows.
 */
import { TIMELINE_BUCKET_S } from "../../schema/timeline.ts";
import { timelineStart, type MinuteCount } from "../sync/timeline.ts";
import { and, eq, gte, sql } from "./drizzle.ts";
import type { Db } from "./connect.ts";
import { syncSamples } from "./schema.ts";

export async function minuteCounts(db: Db, roomId: string, nowMs = Date.now()): Promise<MinuteCount[]> {
  // a literal, so GROUP BY matches the select; epoch ms as float8 (a number from both drivers)
  const width = sql.raw(String(TIMELINE_BUCKET_S));
  const minute = sql<number>`(floor(extract(epoch from ${syncSamples.at}) / ${width}) * ${width} * 1000)::float8`;
  const perMember = db
    .select({
      start: minute.as("start"),
      user_id: syncSamples.user_id,
      last_status:
        sql<string>`(array_agg(${syncSamples.sync_status} order by ${syncSamples.at} desc, ${syncSamples.id} desc))[1]`.as(
          "last_status",
        ),
    })
    .from(syncSamples)
    .where(and(eq(syncSamples.room_id, roomId), gte(syncSamples.at, new Date(timelineStart(nowMs)))))
    .groupBy(minute, syncSamples.user_id)
    .as("per_member");
  return db
    .select({
      start: perMember.start,
      members: sql<number>`count(*)::int`,
      in_sync: sql<number>`(count(*) filter (where ${perMember.last_status} = 'synced'))::int`,
    })
    .from(perMember)
    .groupBy(perMember.start)
    .orderBy(perMember.start);
}
