/**
 * A live room's writes to the database, in the order they happened (one queue per room).
 * The room class says what happened; this module says how it is stored.
 */
import { SerialQueue } from "../db/serial-queue.ts";
import type { Db } from "../db/connect.ts";
import * as repo from "../db/rooms-repo.ts";
import type { PlaybackSnapshot } from "../sync/playback.ts";

export interface StayRecord {
  user_id: string;
  username: string;
  avatar_url: string | null;
  joined_at: number;
  stay: string;
}

export class RoomStore {
  private readonly writes: SerialQueue;
  private readonly db: Db;
  private readonly roomId: () => string;

  constructor(db: Db, roomId: () => string, onError: (err: unknown) => void) {
    this.db = db;
    this.roomId = roomId;
    this.writes = new SerialQueue(onError);
  }

  memberJoined(stay: StayRecord, seatsInUse: number): void {
    const id = this.roomId();
    this.writes.push(() => repo.memberJoined(this.db, id, stay));
    this.writes.push(() => repo.recordPeak(this.db, id, seatsInUse));
  }

  memberLeft(userId: string, atMs: number): void {
    const id = this.roomId();
    this.writes.push(() => repo.memberLeft(this.db, id, userId, atMs));
  }

  memberUpdated(userId: string, patch: { username?: string; avatar_url?: string }): void {
    const id = this.roomId();
    this.writes.push(() => repo.updateMember(this.db, id, userId, patch));
  }

  /** After a host action (`hostAction`) or a host change. */
  hostState(playback: PlaybackSnapshot, hostUserId: string, hostAction: boolean): void {
    const id = this.roomId();
    const state = { playback, host_user_id: hostUserId, host_action: hostAction };
    this.writes.push(() => repo.saveHostState(this.db, id, state));
  }

  access(access: { access_key: string; invite_secret: string }): Promise<void> {
    const id = this.roomId();
    return this.writes.push(() => repo.setAccess(this.db, id, access));
  }

  settings(settings: repo.RoomSettingsRow): void {
    const id = this.roomId();
    this.writes.push(() => repo.saveRoomSettings(this.db, id, settings));
  }

  dormant(playback: PlaybackSnapshot): void {
    const id = this.roomId();
    this.writes.push(() => repo.setRoomStatus(this.db, id, "dormant", playback));
  }

  /** Resolves once the delete has committed (or failed: then it throws). */
  deleted(): Promise<void> {
    const id = this.roomId();
    let failure: unknown;
    const done = this.writes.push(() =>
      repo.deleteRoom(this.db, id).catch((err: unknown) => {
        failure = err;
        throw err;
      }),
    );
    return done.then(() => {
      if (failure) throw failure;
    });
  }

  drain(): Promise<void> {
    return this.writes.drain();
  }
}
