/**
 * Buffers sync samples from every room of this process and writes them on a timer: never one
 * insert per status report. A flush goes out in slices of SLICE_ROWS rows with a turn of the
 * event loop between them: at 18,000 members a flush holds ~3,600 rows, which drizzle would build
 * into one statement in one stretch of the event loop, and which embedded PGlite (on its own
 * thread, src/db/pglite-thread.ts, but one query at a time) would insert in one query of 100+ ms
 * that every other query (a comment, a join) would wait behind.
 */
import type { Db } from "../db/connect.ts";
import { PeriodicFlush } from "./periodic-flush.ts";
import { existingRoomIds, insertSamples, type SampleRow } from "../db/rooms-repo.ts";

async function keepExistingRooms(db: Db, rows: SampleRow[]): Promise<SampleRow[]> {
  const live = await existingRoomIds(db, [...new Set(rows.map((r) => r.room_id))]);
  return rows.filter((r) => live.has(r.room_id));
}

/** ~5-10 ms of PGlite per slice on the 2-core test box, up to ~25 ms under load (loadtest/samples-insert.ts) */
export const SLICE_ROWS = 25;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class SampleWriter extends PeriodicFlush {
  private buffer: SampleRow[] = [];
  private readonly db: Db;
  private readonly onError: (err: unknown) => void;
  /** a cap so a database outage cannot grow memory without bound */
  private readonly maxBuffered: number;

  constructor(db: Db, flushMs: number, onError: (err: unknown) => void, maxBuffered = 200_000) {
    super(flushMs);
    this.db = db;
    this.onError = onError;
    this.maxBuffered = maxBuffered;
  }

  add(row: SampleRow): void {
    if (this.buffer.length >= this.maxBuffered) return;
    this.buffer.push(row);
  }

  get pending(): number {
    return this.buffer.length;
  }

  protected async writePending(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    for (let i = 0; i < batch.length; i += SLICE_ROWS) {
      if (i > 0) await nextTurn();
      await this.writeSlice(batch.slice(i, i + SLICE_ROWS));
    }
  }

  private async writeSlice(rows: SampleRow[]): Promise<void> {
    try {
      await insertSamples(this.db, rows);
    } catch {
      // most likely a room deleted meanwhile (foreign key): keep the rows of rooms that exist
      try {
        await insertSamples(this.db, await keepExistingRooms(this.db, rows));
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
