/**
 * Moderation in a live room, by the host or the owner: remove a member (with a reason shown to
 * them; their seat and member token end at once), ban (removed, and refused at every later join,
 * key or invite notwithstanding, across restarts; either way no longer co-host), unban, mute a
 * member's comments. Every action
 * is stored (`moderation_actions`) and counted in the room's stats. No Colyseus imports.
 */
import type { WatchPartyState } from "../../schema/state.ts";
import { CLOSE, codedMessage } from "../../schema/protocol.ts";
import { AppError } from "../errors.ts";
import type { Db } from "../db/connect.ts";
import * as repo from "../db/moderation-repo.ts";
import type { Membership } from "./membership.ts";

interface Leaver {
  sessionId: string;
  leave(code?: number, reason?: string): void;
}

export type RoomWriter = <T>(label: string, write: (db: Db) => Promise<T>) => Promise<T>;

export class Moderation<C extends Leaver> {
  private banned = new Set<string>();
  /** muted users, seated or not: a mute outlives leaving and the room's sleep (rebuilt from the log) */
  private muted = new Set<string>();
  private readonly state: WatchPartyState;
  private readonly db: Db;
  private readonly roomId: () => string;
  private readonly members: Membership<C>;
  /** runs a write of this room (fenced by its generation: src/rooms/room-store.ts `direct`) */
  private readonly write: RoomWriter;

  constructor(
    state: WatchPartyState,
    db: Db,
    roomId: () => string,
    members: Membership<C>,
    write: RoomWriter = (_label, w) => w(db),
  ) {
    this.state = state;
    this.db = db;
    this.write = write;
    this.roomId = roomId;
    this.members = members;
  }

  async load(): Promise<void> {
    this.banned = await repo.bannedUsers(this.db, this.roomId());
    this.muted = await repo.mutedUsers(this.db, this.roomId());
  }

  isBanned(userId: string): boolean {
    return this.banned.has(userId);
  }

  async remove(by: string, target: string, reason: string | undefined, ban: boolean): Promise<void> {
    this.checkTarget(by, target);
    const text = reason || (ban ? "banned from the room" : "removed by the host");
    if (ban) {
      await this.write("ban", (db) => repo.ban(db, this.roomId(), target, by, text));
      this.banned.add(target);
    } else if (!this.members.seats.occupied(target)) {
      throw new AppError("MEMBER_NOT_FOUND", `no member "${target}"`);
    }
    this.members.demote(target);
    await this.log(ban ? "ban" : "remove", by, target, text);
    const seat = this.members.seats.occupied(target);
    if (seat?.phase === "connected")
      seat.client.leave(CLOSE.CONSENTED, codedMessage(ban ? "BANNED" : "REMOVED", text));
    else if (seat?.phase === "reconnecting") seat.end();
  }

  async unban(by: string, target: string): Promise<void> {
    await this.write("unban", (db) => repo.unban(db, this.roomId(), target));
    this.banned.delete(target);
    await this.log("unban", by, target, "");
  }

  async mute(by: string, target: string, muted: boolean): Promise<void> {
    this.checkTarget(by, target);
    const member = this.members.roster.get(target);
    if (!member) throw new AppError("MEMBER_NOT_FOUND", `no member "${target}"`);
    member.muted = muted;
    if (muted) this.muted.add(target);
    else this.muted.delete(target);
    await this.log(muted ? "mute" : "unmute", by, target, "");
  }

  isMuted(userId: string): boolean {
    return this.muted.has(userId);
  }

  private checkTarget(by: string, target: string): void {
    if (target === by) throw new AppError("FORBIDDEN", "user_id: not yourself");
    if (target === this.state.owner_user_id) throw new AppError("FORBIDDEN", "user_id: the room's owner");
  }

  private log(action: repo.ModerationAction, by: string, target: string, reason: string): Promise<void> {
    const entry = { room_id: this.roomId(), action, target_user_id: target, by_user_id: by, reason };
    return this.write("moderation log", (db) => repo.logModeration(db, entry));
  }
}
