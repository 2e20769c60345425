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
import type { Logger } from "../log.ts";
import type { PlaybackSnapshot } from "../sync/playback.ts";

export interface StayRecord {
  user_id: string;
  username: string;
  avatar_url: string | null;
  joined_at: number;
  stay: string;
}

/** a retry is logged on the first failure of a write and then every this many attempts */
const RETRY_LOG_EVERY = 10;

export class RoomStore {
  private readonly writes: Outbox;
  private readonly db: Db;
  private readonly roomId: () => string;

  constructor(db: Db, roomId: () => string, outboxes: OutboxGroup, log: Logger) {
    this.db = db;
    this.roomId = roomId;
    this.writes = outboxes.outbox({
      retry: (err, write, attempt) => {
        if (attempt % RETRY_LOG_EVERY === 1)
          log.warn("room write failed, retrying", { room_id: this.roomId(), write, attempt, err });
      },
      giveUp: (err) =>
        log.error("room write given up", {
          room_id: this.roomId(),
          write: err.label,
          reason: err.reason,
          err: err.cause,
        }),
    });
  }

  memberJoined(stay: StayRecord, seatsInUse: number): Promise<void> {
    const id = this.roomId();
    return handled(
      Promise.all([
        this.push("member joined", () => repo.memberJoined(this.db, id, stay)),
        this.push("peak members", () => repo.recordPeak(this.db, id, seatsInUse)),
      ]).then(() => undefined),
    );
  }

  memberLeft(userId: string, atMs: number): Promise<void> {
    const id = this.roomId();
    return this.push("member left", () => repo.memberLeft(this.db, id, userId, atMs));
  }

  memberUpdated(userId: string, patch: { username?: string; avatar_url?: string }): Promise<void> {
    const id = this.roomId();
    return this.push("member updated", () => repo.updateMember(this.db, id, userId, patch));
  }

  /** After a host action (`hostAction`) or a host change. */
  hostState(playback: PlaybackSnapshot, hostUserId: string, hostAction: boolean): Promise<void> {
    const id = this.roomId();
    const state = { playback, host_user_id: hostUserId, host_action: hostAction };
    return this.push(hostAction ? "host action" : "host change", () =>
      repo.saveHostState(this.db, id, state),
    );
  }

  cohost(userId: string, on: boolean): Promise<void> {
    const id = this.roomId();
    return this.push(on ? "co-host named" : "co-host demoted", () => repo.setCohost(this.db, id, userId, on));
  }

  access(access: { access_key: string; invite_secret: string }): Promise<void> {
    const id = this.roomId();
    return this.push("access", () => repo.setAccess(this.db, id, access));
  }

  settings(settings: repo.RoomSettingsRow): Promise<void> {
    const id = this.roomId();
    return this.push("settings", () => repo.saveRoomSettings(this.db, id, settings));
  }

  dormant(playback: PlaybackSnapshot): Promise<void> {
    const id = this.roomId();
    return this.push("dormant", () => repo.setRoomStatus(this.db, id, "dormant", playback));
  }

  /** Resolves once the delete has committed. */
  deleted(): Promise<void> {
    const id = this.roomId();
    return this.push("delete", () => repo.deleteRoom(this.db, id));
  }

  /** Resolves once every write so far is stored or given up (bounded by the shutdown deadline). */
  drain(): Promise<void> {
    return this.writes.drain();
  }

  private push(label: string, task: () => Promise<unknown>): Promise<void> {
    const stored = this.writes.push(label, task).catch((err: unknown) => {
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
