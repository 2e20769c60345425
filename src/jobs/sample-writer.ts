/**
 * Buffers sync samples from every room of this process and writes them in multi-row
 * batches on a timer: never one insert per status report.
 */
import type { Db } from "../db/connect.ts";
import { existingRoomIds, insertSamples, type SampleRow } from "../db/rooms-repo.ts";

async function keepExistingRooms(db: Db, rows: SampleRow[]): Promise<SampleRow[]> {
  const live = await existingRoomIds(db, [...new Set(rows.map((r) => r.room_id))]);
  return rows.filter((r) => live.has(r.room_id));
}

export class SampleWriter {
  private buffer: SampleRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  private readonly db: Db;
  private readonly flushMs: number;
  private readonly onError: (err: unknown) => void;
  /** a cap so a database outage cannot grow memory without bound */
  private readonly maxBuffered: number;

  constructor(db: Db, flushMs: number, onError: (err: unknown) => void, maxBuffered = 200_000) {
    this.db = db;
    this.flushMs = flushMs;
    this.onError = onError;
    this.maxBuffered = maxBuffered;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  add(row: SampleRow): void {
    if (this.buffer.length >= this.maxBuffered) return;
    this.buffer.push(row);
  }

  get pending(): number {
    return this.buffer.length;
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.buffer.length === 0) return;
      const batch = this.buffer;
      this.buffer = [];
      try {
        await insertSamples(this.db, batch);
      } catch {
        // most likely a room deleted meanwhile (foreign key): keep the rows of rooms that exist
        try {
          await insertSamples(this.db, await keepExistingRooms(this.db, batch));
        } catch (err) {
          this.onError(err);
        }
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
