/** Timeline reactions, counted per episode and 30 s bucket (never stored one by one). */
import { sql } from "./drizzle.ts";
import type { Db } from "./connect.ts";
import { reactionBuckets } from "./schema.ts";

export const REACTION_BUCKET_S = 30;

export interface BucketCount {
  anime_id: string;
  episode_number: number;
  bucket_start_s: number;
  reactions: number;
}

export function bucketOf(videoTimestampS: number): number {
  return Math.floor(videoTimestampS / REACTION_BUCKET_S) * REACTION_BUCKET_S;
}

/** Adds counts to their buckets (one statement for the batch). */
export async function addReactions(db: Db, counts: BucketCount[]): Promise<void> {
  if (counts.length === 0) return;
  await db
    .insert(reactionBuckets)
    .values(counts)
    .onConflictDoUpdate({
      target: [reactionBuckets.anime_id, reactionBuckets.episode_number, reactionBuckets.bucket_start_s],
      set: { reactions: sql`${reactionBuckets.reactions} + excluded.reactions` },
    });
}
