/**
 * Fencing in the database: a room's generation (`rooms.epoch`) names the process copy that may
 * write it. A process takes a room by bumping the generation (compare-and-set); every write of
 * a live room then runs in a transaction that first locks the room's row (`FOR NO KEY UPDATE`:
 * the lock an UPDATE of the row takes anyway; a share lock deadlocked two writers of one room
 * that both went on to update the row, e.g. two comments counting) and checks that the
 * generation is still the one it took. A takeover's bump waits for that lock, so a stale
 * writer's write either commits before the takeover or is refused: none lands after it.
 */
import { eq, inArray, sql } from "./drizzle.ts";
import type { Db } from "./connect.ts";
import { rooms } from "./schema.ts";

/** A write of a room copy whose generation is no longer the room's. Never retried. */
export class StaleEpochError extends Error {
  readonly roomId: string;
  readonly heldEpoch: number;
  /** the room's generation now; undefined when the room is gone */
  readonly currentEpoch: number | undefined;
  /** read by the outbox: another attempt cannot succeed */
  readonly transient = false;

  constructor(roomId: string, heldEpoch: number, currentEpoch: number | undefined) {
    super(`room ${roomId}: generation ${heldEpoch} was superseded (now ${currentEpoch ?? "deleted"})`);
    this.roomId = roomId;
    this.heldEpoch = heldEpoch;
    this.currentEpoch = currentEpoch;
  }
}

/** Runs `write` only while the room's generation is `epoch` (see the module comment). */
export async function fenced<T>(
  db: Db,
  roomId: string,
  epoch: number,
  write: (tx: Db) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ epoch: rooms.epoch })
      .from(rooms)
      .where(eq(rooms.room_id, roomId))
      .for("no key update");
    if (row?.epoch !== epoch) throw new StaleEpochError(roomId, epoch, row?.epoch);
    return write(tx);
  });
}

/**
 * Takes a room for `processId`: bumps its generation if it is still `seenEpoch` (the one read
 * before deciding to restore). Undefined when another process took it in between.
 */
export async function takeRoom(
  db: Db,
  roomId: string,
  seenEpoch: number,
  processId: string | undefined,
): Promise<number | undefined> {
  const [row] = await db
    .update(rooms)
    .set({ epoch: sql`${rooms.epoch} + 1`, process_id: processId ?? null })
    .where(sql`${rooms.room_id} = ${roomId} AND ${rooms.epoch} = ${seenEpoch}`)
    .returning({ epoch: rooms.epoch });
  return row?.epoch;
}

/** The current generation of each of these rooms (a deleted room is absent). */
export async function epochsOf(db: Db, roomIds: string[]): Promise<Map<string, number>> {
  if (roomIds.length === 0) return new Map();
  const rows = await db
    .select({ id: rooms.room_id, epoch: rooms.epoch })
    .from(rooms)
    .where(inArray(rooms.room_id, roomIds));
  return new Map(rows.map((r) => [r.id, r.epoch]));
}

/**
 * "Still live at": stamps `last_active_at` of rooms this process holds at the generation it
 * holds (a superseded one is left alone), so a room whose process dies restores near where it
 * had got to (src/rooms/restore.ts restoredPlayback).
 */
export async function stampLive(db: Db, held: Array<{ roomId: string; epoch: number }>): Promise<void> {
  if (held.length === 0) return;
  const ids = sql.param(held.map((h) => h.roomId));
  const epochs = sql.param(held.map((h) => h.epoch));
  await db.execute(sql`
    UPDATE ${rooms} SET last_active_at = now()
    FROM unnest(${ids}::text[], ${epochs}::int[]) AS held(id, epoch)
    WHERE ${rooms.room_id} = held.id AND ${rooms.epoch} = held.epoch`);
}
