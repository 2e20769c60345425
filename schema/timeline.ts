/**
 * `GET /api/rooms/:room_id/timeline`: a room's members and their sync over the last hour, one
 * bucket a minute, from the stored status samples (`sync_samples`). The OpenAPI document is
 * generated from this schema; src/sync/timeline.ts builds the buckets.
 */
import { z } from "zod";

export const TIMELINE_BUCKET_S = 60;
export const TIMELINE_BUCKETS = 60;

export const timelineBucket = z.object({
  /** epoch ms of the bucket's first instant (a whole minute) */
  start: z.number().int().describe("epoch ms, the start of the minute"),
  /** distinct members with at least one stored status sample in the minute */
  members: z.number().int().min(0).describe("distinct members that reported status in the minute"),
  /** of those, the members whose last stored sample in the minute was `synced` */
  in_sync: z.number().int().min(0).describe("of those, members whose last report in the minute was synced"),
  /** in_sync / members, 4 decimals; null for a minute without reports */
  in_sync_share: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .describe("in_sync / members (4 decimals); null for a minute without reports"),
});

export const roomTimeline = z.object({
  room_id: z.string(),
  bucket_s: z.literal(TIMELINE_BUCKET_S),
  window_s: z.literal(TIMELINE_BUCKET_S * TIMELINE_BUCKETS),
  /** oldest first; the last is the current (unfinished) minute; every minute present */
  buckets: z.array(timelineBucket).length(TIMELINE_BUCKETS),
});

export type TimelineBucket = z.infer<typeof timelineBucket>;
export type RoomTimeline = z.infer<typeof roomTimeline>;
