/**
 * A room timeline's minutes that can no longer change, kept per room in this process, so a
 * timeline asked for again queries only the minutes since (a few minutes of samples, not the hour).
 *
 * A minute is settled once every sample taken in it has been written: samples are written in
 * batches every SAMPLE_FLUSH_MS and a failed batch is not retried (src/jobs/sample-writer.ts), so
 * `settleMs` = SAMPLE_FLUSH_MS plus a minute of slack. At most `maxRooms` rooms are kept (the
 * least recently asked for goes first); a room not kept is queried for the whole hour again.
 */
import { timelineStart, type MinuteCount } from "../sync/timeline.ts";

const MINUTE_MS = 60_000;

/** Minutes starting before this are settled at `nowMs`. */
export function settledBefore(nowMs: number, settleMs: number): number {
  return Math.floor((nowMs - settleMs) / MINUTE_MS) * MINUTE_MS;
}

export class SettledMinutes {
  private readonly rooms = new Map<string, { before: number; rows: MinuteCount[] }>();
  private readonly settleMs: number;
  private readonly maxRooms: number;

  constructor(settleMs: number, maxRooms: number) {
    this.settleMs = settleMs;
    this.maxRooms = maxRooms;
  }

  /** The window's minute counts: settled ones from memory, the rest from `query(sinceMs)`. */
  async minutes(
    roomId: string,
    nowMs: number,
    query: (sinceMs: number) => Promise<MinuteCount[]>,
  ): Promise<MinuteCount[]> {
    const from = timelineStart(nowMs);
    const known = this.rooms.get(roomId);
    const since = known ? Math.max(from, known.before) : from;
    const fresh = await query(since);
    const kept = (known?.rows ?? []).filter((r) => Number(r.start) >= from && Number(r.start) < since);
    const rows = [...kept, ...fresh.filter((r) => Number(r.start) >= since)];
    const before = Math.max(since, settledBefore(nowMs, this.settleMs));
    this.rooms.delete(roomId);
    this.rooms.set(roomId, { before, rows: rows.filter((r) => Number(r.start) < before) });
    while (this.rooms.size > this.maxRooms) this.rooms.delete(this.rooms.keys().next().value!);
    return rows;
  }

  get size(): number {
    return this.rooms.size;
  }
}
