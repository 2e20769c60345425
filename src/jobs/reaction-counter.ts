/**
 * Counts timeline reactions of every room of this process in memory and adds them to their
 * 30 s buckets on a timer: one upsert per flush, whatever the reaction rate. A failed flush keeps
 * its counts for the next one (bounded: at most `maxBuckets` distinct buckets are held).
 */
import type { Db } from "../db/connect.ts";
import { addReactions, bucketOf, type BucketCount } from "../db/reactions-repo.ts";

export class ReactionCounter {
  private counts = new Map<string, BucketCount>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly db: Db;
  private readonly flushMs: number;
  private readonly onError: (err: unknown) => void;
  private readonly maxBuckets: number;

  constructor(db: Db, flushMs: number, onError: (err: unknown) => void, maxBuckets = 100_000) {
    this.db = db;
    this.flushMs = flushMs;
    this.onError = onError;
    this.maxBuckets = maxBuckets;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
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

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
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
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
