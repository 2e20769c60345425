/**
 * Counts timeline reactions of every room of this process in memory and adds them to their
 * 30 s buckets on a timer: one upsert per flush, whatever the reaction rate. A failed flush keeps
 * its counts for the next one (bounded: at most `maxBuckets` distinct buckets are held).
 */
import type { Db } from "../db/connect.ts";
import { PeriodicFlush } from "./periodic-flush.ts";
import { addReactions, bucketOf, type BucketCount } from "../db/reactions-repo.ts";

export class ReactionCounter extends PeriodicFlush {
  private counts = new Map<string, BucketCount>();
  private readonly db: Db;
  private readonly onError: (err: unknown) => void;
  private readonly maxBuckets: number;

  constructor(db: Db, flushMs: number, onError: (err: unknown) => void, maxBuckets = 100_000) {
    super(flushMs);
    this.db = db;
    this.onError = onError;
    this.maxBuckets = maxBuckets;
  }

  add(animeId: string, episode: number, videoTimestampS: number): void {
    const bucket_start_s = bucketOf(videoTimestampS);
    const key = `${episode}:${bucket_start_s}:${animeId}`;
    const current = this.counts.get(key);
    if (current) current.reactions++;
    else if (this.counts.size < this.maxBuckets) {
      this.counts.set(key, { anime_id: animeId, episode_number: episode, bucket_start_s, reactions: 1 });
    }
  }

  protected async writePending(): Promise<void> {
    if (this.counts.size === 0) return;
    const batch = this.counts;
    this.counts = new Map();
    try {
      await addReactions(this.db, [...batch.values()]);
    } catch (err) {
      for (const [key, c] of batch) {
        const now = this.counts.get(key);
        if (now) now.reactions += c.reactions;
        else this.counts.set(key, c);
      }
      this.onError(err);
    }
  }
}
