/**
 * The rooms this process holds, each with the generation it took (src/db/fencing-repo.ts).
 * A copy found superseded (its generation moved on: another process took the room while this
 * one was stalled or cut off) is fenced: it closes, its members are told to join again by id,
 * and it neither answers other processes nor touches the listing any more.
 */
import type { Db } from "../db/connect.ts";
import { epochsOf, stampLive } from "../db/fencing-repo.ts";
import type { Logger } from "../log.ts";

export interface Hold {
  readonly roomId: string;
  readonly epoch: number;
  /** closes this copy (called once) */
  readonly fence: () => void;
  /** whether the room is playing (its last activity is stamped on every check) */
  readonly playing: () => boolean;
}

export class RoomHolds {
  private readonly held = new Map<string, Hold>();
  /** rooms whose copy here was fenced and has not been taken again */
  private readonly fencedIds = new Set<string>();
  private readonly db: Db;
  private readonly log: Logger;

  constructor(db: Db, log: Logger) {
    this.db = db;
    this.log = log;
  }

  take(hold: Hold): void {
    this.held.set(hold.roomId, hold);
    this.fencedIds.delete(hold.roomId);
  }

  /** The copy went away by itself (slept, deleted, shut down). */
  release(hold: Hold): void {
    if (this.held.get(hold.roomId) === hold) this.held.delete(hold.roomId);
  }

  isFenced(roomId: string | undefined): boolean {
    return roomId !== undefined && this.fencedIds.has(roomId);
  }

  get roomIds(): string[] {
    return [...this.held.keys()];
  }

  /** Fences this copy: a write of it was refused, or a check found its generation superseded. */
  fence(hold: Hold, why: string, currentEpoch?: number): void {
    if (this.held.get(hold.roomId) !== hold) return;
    this.held.delete(hold.roomId);
    this.fencedIds.add(hold.roomId);
    this.log.warn("room taken by another process: this copy closes", {
      room_id: hold.roomId,
      epoch: hold.epoch,
      current_epoch: currentEpoch ?? null,
      why,
    });
    hold.fence();
  }

  /** Checks every held room against the database; fences the superseded ones; stamps the playing ones. */
  async verify(): Promise<void> {
    const holds = [...this.held.values()];
    if (holds.length === 0) return;
    const epochs = await epochsOf(
      this.db,
      holds.map((h) => h.roomId),
    );
    for (const hold of holds) {
      const now = epochs.get(hold.roomId);
      // a room deleted elsewhere is gone for this copy too
      if (now !== hold.epoch) this.fence(hold, now === undefined ? "deleted" : "superseded", now);
    }
    await stampLive(
      this.db,
      holds.filter((h) => this.held.get(h.roomId) === h && h.playing()),
    );
  }
}
