/**
 * A live room's writes to the database, in the order they happened (one outbox per room,
 * src/db/outbox.ts: retried while the database is unreachable, never dropped silently).
 * The room class says what happened; this module says how it is stored.
 *
 * Every method returns the commit: the room's message path does not wait for it (members see a
 * change at once, storage follows), the HTTP paths do (a caller is answered once it is stored).
 * A write given up rejects with AppError UNAVAILABLE (INTERNAL when the database refused it for
 * good) and is logged as an error with the room id; a promise nobody awaits never rejects unhandled.
 */
import { AppError } from "../errors.ts";
import type { Db } from "../db/connect.ts";
import { WriteGivenUpError, type Outbox, type OutboxGroup } from "../db/outbox.ts";
import * as repo from "../db/rooms-repo.ts";
import { fencedWrite, WriteClock } from "../db/write-fence.ts";
import { storeHostState } from "../db/host-state-write.ts";
import { fenced, StaleEpochError } from "../db/fencing-repo.ts";
import type { Logger } from "../log.ts";
import type { PlaybackSnapshot } from "../sync/playback.ts";

export interface StayRecord {
  user_id: string;
  username: string;
  avatar_url: string | null;
  joined_at: number;
  stay: string;
}

interface Batch {
  label: string;
  joins: StayRecord[];
  leaves: Array<{ user_id: string; at: number }>;
  /** joins: the most seats in use */
  peak: number;
  stored: Promise<void>;
}

/** a retry is logged on the first failure of a write and then every this many attempts */
const RETRY_LOG_EVERY = 10;

export class RoomStore {
  private readonly writes: Outbox;
  private readonly db: Db;
  private readonly roomId: () => string;
  private clock = new WriteClock();
  private readonly log: Logger;
  /** the generation this copy holds: every write checks it (src/db/fencing-repo.ts) */
  private epoch: number | undefined;
  private onStale: ((err: StaleEpochError) => void) | undefined;
  /** the batch of joins or leaves last in the queue, not started yet: the next of its kind goes in it */
  private openBatch: Batch | undefined;

  constructor(db: Db, roomId: () => string, outboxes: OutboxGroup, log: Logger) {
    this.db = db;
    this.roomId = roomId;
    this.log = log;
    this.writes = outboxes.outbox({
      retry: (err, write, attempt) => {
        if (attempt % RETRY_LOG_EVERY === 1)
          log.warn("room write failed, retrying", { room_id: this.roomId(), write, attempt, err });
      },
      giveUp: (err) =>
        err.cause instanceof StaleEpochError ||
        log.error("room write given up", {
          room_id: this.roomId(),
          write: err.label,
          reason: err.reason,
          err: err.cause,
        }),
    });
  }

  /** The room's stored write version when it was opened: its writes continue above it. */
  opened(writeVersion: number): void {
    this.clock = new WriteClock(writeVersion);
  }

  /**
   * Joins in a row share one write, and so do leaves in a row: a join (leave) adds itself to the
   * last write in the room's queue when that is a batch of joins (leaves) that has not started;
   * anything else in between starts a new one, so the room's order holds. A join storm into a
   * big room, or its end, is then a few writes a second, not one or two per member (which filled
   * the outbox: writes refused `full`).
   */
  memberJoined(stay: StayRecord, seatsInUse: number): Promise<void> {
    const id = this.roomId();
    return this.batched(
      "members joined",
      (batch) => {
        batch.joins.push(stay);
        batch.peak = Math.max(batch.peak, seatsInUse);
      },
      (db, batch) => repo.membersJoined(db, id, batch.joins, batch.peak),
    );
  }

  memberLeft(userId: string, atMs: number): Promise<void> {
    const id = this.roomId();
    return this.batched(
      "members left",
      (batch) => batch.leaves.push({ user_id: userId, at: atMs }),
      (db, batch) => repo.membersLeft(db, id, batch.leaves),
    );
  }

  private batched(
    label: string,
    add: (batch: Batch) => void,
    write: (db: Db, batch: Batch) => Promise<void>,
  ): Promise<void> {
    const open = this.openBatch;
    if (open?.label === label) {
      add(open);
      return open.stored;
    }
    const batch: Batch = { label, joins: [], leaves: [], peak: 0, stored: Promise.resolve() };
    add(batch);
    batch.stored = this.push(label, (db) => {
      if (this.openBatch === batch) this.openBatch = undefined; // a retry writes the same batch
      return write(db, batch);
    });
    this.openBatch = batch;
    return batch.stored;
  }

  memberUpdated(userId: string, patch: { username?: string; avatar_url?: string }): Promise<void> {
    const id = this.roomId();
    return this.push("member updated", (db) => repo.updateMember(db, id, userId, patch));
  }

  /** After a host action (`hostAction`) or a host change. */
  hostState(playback: PlaybackSnapshot, hostUserId: string, hostAction: boolean): Promise<void> {
    const id = this.roomId();
    const state = { playback, host_user_id: hostUserId, host_action: hostAction };
    return this.queue(hostAction ? "host action" : "host change", (version, epoch) =>
      storeHostState(this.db, id, version, epoch, state),
    );
  }

  cohost(userId: string, on: boolean): Promise<void> {
    const id = this.roomId();
    return this.push(on ? "co-host named" : "co-host demoted", (db) => repo.setCohost(db, id, userId, on));
  }

  access(access: { access_key: string; invite_secret: string }): Promise<void> {
    const id = this.roomId();
    return this.push("access", (db) => repo.setAccess(db, id, access));
  }

  settings(settings: repo.RoomSettingsRow): Promise<void> {
    const id = this.roomId();
    return this.push("settings", (db) => repo.saveRoomSettings(db, id, settings));
  }

  dormant(playback: PlaybackSnapshot): Promise<void> {
    const id = this.roomId();
    return this.push("dormant", (db) => repo.setRoomStatus(db, id, "dormant", playback));
  }

  /** Resolves once the delete has committed. */
  deleted(): Promise<void> {
    const id = this.roomId();
    return this.push("delete", (db) => repo.deleteRoom(db, id));
  }

  /** From now on every write is fenced by this generation; a refused one calls `onStale`. */
  hold(epoch: number, onStale: (err: StaleEpochError) => void): void {
    this.epoch = epoch;
    this.onStale = onStale;
  }

  /** A write its caller awaits outside the outbox (moderation, comments), fenced like the others. */
  async direct<T>(label: string, write: (db: Db) => Promise<T>): Promise<T> {
    const epoch = this.epoch;
    if (epoch === undefined) return write(this.db);
    try {
      return await fenced(this.db, this.roomId(), epoch, write);
    } catch (err) {
      if (err instanceof StaleEpochError) this.refused(label, err);
      throw err;
    }
  }

  /** A write of this copy was refused: another process holds the room (logged, then fenced). */
  private refused(label: string, err: StaleEpochError): never {
    this.log.error("stale writer refused: another process holds the room", {
      room_id: this.roomId(),
      write: label,
      epoch: err.heldEpoch,
      current_epoch: err.currentEpoch ?? null,
    });
    this.onStale?.(err);
    throw new AppError("ROOM_MOVED");
  }

  /** Resolves once every write so far is stored or given up (bounded by the shutdown deadline). */
  drain(): Promise<void> {
    return this.writes.drain();
  }

  /** Queues `write` (`queue`), run in a transaction behind the fence's claim (fencedWrite). */
  private push(label: string, write: (db: Db) => Promise<unknown>): Promise<void> {
    const id = this.roomId();
    return this.queue(label, (version, epoch) => fencedWrite(this.db, id, version, epoch, write));
  }

  /**
   * Queues a write in the room's order. Its version is taken now, in the order the room changed;
   * a retry keeps it, so a first attempt that lands late and its retry store once. It stores only
   * while this copy holds the room's generation: `write` applies the fence itself (fencedWrite,
   * storeHostState) and says whether it stored.
   */
  private queue(
    label: string,
    write: (version: number, epoch: number | undefined) => Promise<boolean>,
  ): Promise<void> {
    this.openBatch = undefined; // a join or leave after this write must be stored after it
    const version = this.clock.next();
    const epoch = this.epoch;
    const stored = this.writes
      .push(label, () => write(version, epoch))
      .catch((err: unknown) => {
        if (err instanceof WriteGivenUpError && err.cause instanceof StaleEpochError)
          this.refused(label, err.cause);
        const failed = err instanceof WriteGivenUpError && err.reason === "failed";
        throw new AppError(
          failed ? "INTERNAL" : "UNAVAILABLE",
          failed ? undefined : "the database is unreachable: the change was not stored",
        );
      });
    return handled(stored);
  }
}

/** Logged by the outbox and awaited only on the HTTP paths: never an unhandled rejection. */
function handled(commit: Promise<void>): Promise<void> {
  commit.catch(() => {});
  return commit;
}
