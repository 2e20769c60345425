/**
 * GET /api/rooms/:room_id/timeline's answer (schema/timeline.ts), bounded in cost: a room's
 * timeline is computed at most once per TIMELINE_FRESH_MS per process however often it is asked
 * for (callers meanwhile share that answer), and its settled minutes are kept, so after a room's
 * first request only its last few minutes of samples are queried (docs/performance.md).
 */
import { TIMELINE_BUCKETS, TIMELINE_BUCKET_S, type RoomTimeline } from "../../schema/timeline.ts";
import type { Db } from "../db/connect.ts";
import { minuteCounts } from "../db/timeline-repo.ts";
import { timelineBuckets } from "../sync/timeline.ts";
import { RecentAnswers } from "./recent-answers.ts";
import { SettledMinutes } from "./settled-minutes.ts";

export const TIMELINE_FRESH_MS = 5000;
/** rooms whose answer and settled minutes a process keeps */
const MAX_ROOMS = 1000;

/** The timeline of a room the caller may read (checked before). */
export function roomTimelines(db: Db, sampleFlushMs: number): (roomId: string) => Promise<RoomTimeline> {
  const answers = new RecentAnswers<RoomTimeline>(TIMELINE_FRESH_MS, MAX_ROOMS);
  // a minute is settled once its samples are written (every SAMPLE_FLUSH_MS), plus a minute's slack
  const settled = new SettledMinutes(sampleFlushMs + 60_000, MAX_ROOMS);
  return (roomId) =>
    answers.get(roomId, async () => {
      const now = Date.now();
      const counts = await settled.minutes(roomId, now, (since) => minuteCounts(db, roomId, since));
      return {
        room_id: roomId,
        bucket_s: TIMELINE_BUCKET_S,
        window_s: TIMELINE_BUCKET_S * TIMELINE_BUCKETS,
        buckets: timelineBuckets(counts, now),
      };
    });
}
