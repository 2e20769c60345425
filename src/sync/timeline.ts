/**
 * The room timeline's buckets (schema/timeline.ts), from per-minute counts the database gives
 * only for minutes that have samples: every minute of the window is present, oldest first, the
 * last being the current minute; a minute without reports has 0 members and a null share.
 */
import { TIMELINE_BUCKETS, TIMELINE_BUCKET_S, type TimelineBucket } from "../../schema/timeline.ts";

const BUCKET_MS = TIMELINE_BUCKET_S * 1000;

/** Epoch ms of the first bucket's start: whole minutes, the last bucket holding `nowMs`. */
export function timelineStart(nowMs: number): number {
  return Math.floor(nowMs / BUCKET_MS) * BUCKET_MS - (TIMELINE_BUCKETS - 1) * BUCKET_MS;
}

export interface MinuteCount {
  /** epoch ms of the minute's start (as the database computed it; may come as a string) */
  start: number | string;
  members: number | string;
  in_sync: number | string;
}

export function timelineBuckets(rows: MinuteCount[], nowMs: number): TimelineBucket[] {
  const from = timelineStart(nowMs);
  const byStart = new Map(rows.map((r) => [Number(r.start), r]));
  const out: TimelineBucket[] = [];
  for (let i = 0; i < TIMELINE_BUCKETS; i++) {
    const start = from + i * BUCKET_MS;
    const row = byStart.get(start);
    const members = Number(row?.members ?? 0);
    const in_sync = Number(row?.in_sync ?? 0);
    out.push({
      start,
      members,
      in_sync,
      in_sync_share: members > 0 ? Math.round((in_sync / members) * 10_000) / 10_000 : null,
    });
  }
  return out;
}
