/**
 * A room write that arrives late changes nothing. When the network to PostgreSQL breaks and
 * heals, a statement the server gave up on (its read timed out, the outbox retried it on a new
 * connection and went on with later writes) may still reach PostgreSQL afterwards, as TCP
 * retransmits it, and would overwrite the later writes: an acknowledged host transfer lost to the
 * seek before it. So every room write carries a version, newer than every version this room
 * wrote before, and stores only if the room's stored version is older; a late write finds a newer
 * one and does nothing.
 *
 * Versions come from a hybrid clock in microseconds: at least the wall clock, always above the
 * last one issued and above the stored one when the room was opened (src/rooms/room-setup.ts),
 * so a room restored by another process writes above what the old one stored.
 */
import { and, eq, lt } from "./drizzle.ts";
import type { Db } from "./connect.ts";
import { rooms } from "./schema.ts";
import { StaleEpochError } from "./fencing-repo.ts";

export class WriteClock {
  private last: number;

  constructor(stored = 0) {
    this.last = stored;
  }

  /** A version newer than every one before (µs since the epoch; exact in a double until 2255). */
  next(nowMs = Date.now()): number {
    this.last = Math.max(Math.floor(nowMs * 1000), this.last + 1);
    return this.last;
  }
}

/**
 * Runs `write` in one transaction with the claim of `version` for the room: `false`, and nothing
 * written, when the room already stored a newer (or the same) version, or is gone. With `epoch`
 * (the generation this copy holds, src/db/fencing-repo.ts) a room another process took since is
 * StaleEpochError, and nothing is written: the claim locks the room's row, so a takeover's bump
 * waits for this write or this write sees the new generation.
 */
export async function fencedWrite(
  db: Db,
  roomId: string,
  version: number,
  epoch: number | undefined,
  write: (tx: Db) => Promise<unknown>,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [claimed] = await tx
      .update(rooms)
      .set({ write_version: version })
      .where(and(eq(rooms.room_id, roomId), lt(rooms.write_version, version)))
      .returning({ epoch: rooms.epoch });
    if (!claimed) return false;
    if (epoch !== undefined && claimed.epoch !== epoch)
      throw new StaleEpochError(roomId, epoch, claimed.epoch);
    await write(tx);
    return true;
  });
}

/**
 * Why a fenced statement that guards on the version and the generation matched no row: another
 * generation holds the room (StaleEpochError), or the room stored a newer version or is gone
 * (`false`). A takeover's bump and the statement lock the same row, so the statement either
 * committed before the bump or re-read the row after it and matched nothing.
 */
export async function unmatchedFence(db: Db, roomId: string, epoch: number | undefined): Promise<false> {
  if (epoch === undefined) return false;
  const [now] = await db.select({ epoch: rooms.epoch }).from(rooms).where(eq(rooms.room_id, roomId));
  if (now && now.epoch !== epoch) throw new StaleEpochError(roomId, epoch, now.epoch);
  return false;
}
