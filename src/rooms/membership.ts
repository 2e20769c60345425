/**
 * Who is in a live room and who leads it: seats through their phases (seats.ts), the members
 * shown in the replicated state, and the host role as it moves (joins, transfer, succession,
 * the owner's return), each move stored and logged "host from A to B (reason)". No Colyseus
 * imports: the room hands in its clients and is told whom to welcome and when to flush.
 */
import { Member, type WatchPartyState } from "../../schema/state.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { nextHost } from "../sync/succession.ts";
import { describeHostChange, hostOnJoin, type HostChangeReason } from "../sync/roles.ts";
import type { PlaybackSnapshot } from "../sync/playback.ts";
import type { MemberAuth, PendingSeatCaps } from "./admission.ts";
import type { RoomStore } from "./room-store.ts";
import type { Roster } from "./roster.ts";
import { Seats, type ConnectedSeat, type OccupiedSeat } from "./seats.ts";
import { freshSyncView } from "./sync-view.ts";

export interface MembershipHooks<C> {
  /** send the role change to every member now (not from a room-clock callback) */
  flush(): void;
  welcome(seat: ConnectedSeat<C>): void;
  playback(): PlaybackSnapshot;
  /** muted in this room (moderation.ts): a mute outlives a member's stay */
  isMuted(userId: string): boolean;
}

export class Membership<C extends { sessionId: string }> {
  readonly seats = new Seats<C>();
  /** everyone seated since this instance started (their stored stay may still be on its way) */
  private readonly seated = new Set<string>();
  /** whom the host named co-host (verified user ids, stored): they keep the role across stays */
  private readonly cohosts = new Set<string>();
  private readonly state: WatchPartyState;
  /** every member (the state shows all of them, or in audience mode some: roster.ts) */
  readonly roster: Roster;
  private readonly store: RoomStore;
  private readonly log: Logger;
  private readonly roomId: () => string;
  private readonly hooks: MembershipHooks<C>;

  constructor(
    state: WatchPartyState,
    roster: Roster,
    store: RoomStore,
    log: Logger,
    roomId: () => string,
    hooks: MembershipHooks<C>,
  ) {
    this.state = state;
    this.roster = roster;
    this.store = store;
    this.log = log;
    this.roomId = roomId;
    this.hooks = hooks;
  }

  /**
   * Holds a seat for an admitted user until `untilMs`; refused when the user holds one, the room
   * is full, or too many seats are reserved and not yet taken (from this address, or in all), so
   * reservations that never connect cannot fill a room.
   */
  reserve(
    userId: string,
    stay: string,
    nowMs: number,
    untilMs: number,
    maxSeats: number,
    pending?: PendingSeatCaps,
  ): void {
    if (this.seats.holds(userId, nowMs)) throw new AppError("USER_ALREADY_IN_ROOM");
    if (this.seats.count(nowMs) >= maxSeats) throw new AppError("ROOM_FULL");
    if (pending) this.checkPending(pending, nowMs);
    this.seats.reserve(userId, stay, untilMs, pending?.address);
  }

  private checkPending(caps: PendingSeatCaps, nowMs: number): void {
    const all = this.seats.reservations(nowMs);
    const mine = caps.address === undefined ? [] : all.filter((s) => s.address === caps.address);
    const [over, where] =
      mine.length >= caps.perAddress
        ? [mine, "from this address"]
        : all.length >= caps.perRoom
          ? [all, "in this room"]
          : [undefined, ""];
    if (!over) return;
    const firstLapseMs = Math.min(...over.map((s) => s.until_ms));
    const retryAfterS = Math.max(1, Math.ceil((firstLapseMs - nowMs) / 1000));
    throw new AppError(
      "RATE_LIMITED",
      `pending seats: too many seats reserved and not yet taken ${where}; retry in ${retryAfterS} s`,
      { retryAfterS },
    );
  }

  /** A reserved seat is taken: the member appears, and the host role moves if it should. */
  join(auth: MemberAuth, client: C, nowMs: number): ConnectedSeat<C> {
    const roles = hostOnJoin({
      host: this.state.host_user_id,
      owner: this.state.owner_user_id,
      joiner: auth.user_id,
      hostHoldsSeat: this.seats.holds(this.state.host_user_id, nowMs),
    });
    const seat = this.seats.connect(auth.user_id, auth.stay, client, freshSyncView(nowMs), auth.address);
    this.seated.add(auth.user_id);
    const member = new Member({
      user_id: auth.user_id,
      username: auth.username,
      avatar_url: auth.avatar_url ?? "",
      is_host: roles.host === auth.user_id,
      connected: true,
      joined_at: nowMs,
      position: 0,
      drift: 0,
      sync_status: "unknown",
      last_heartbeat: 0,
      ready: "",
      lagging: false,
      is_cohost: this.cohosts.has(auth.user_id),
      muted: this.hooks.isMuted(auth.user_id),
      media_name: "",
      media_duration_s: 0,
      different_file: false,
    });
    this.roster.add(member);
    if (roles.reason) this.moveHost(roles.host, roles.reason);
    this.log.debug("member joined", {
      room_id: this.roomId(),
      user_id: auth.user_id,
      is_host: member.is_host,
    });
    const stay = {
      user_id: auth.user_id,
      username: auth.username,
      avatar_url: auth.avatar_url ?? null,
      joined_at: nowMs,
      stay: auth.stay,
    };
    void this.store.memberJoined(stay, this.roster.size); // RoomStore logs a write it gives up
    return seat;
  }

  /** The room's co-hosts, present or not. */
  cohostIds(): Iterable<string> {
    return this.cohosts;
  }

  /** At create or restore: the stored co-hosts. */
  loadCohosts(userIds: Iterable<string>): void {
    for (const id of userIds) this.cohosts.add(id);
  }

  /** `set_cohost`: a present member is promoted or demoted; an absent co-host can be demoted. */
  setCohost(userId: string, on: boolean): void {
    const member = this.roster.get(userId);
    if (!member && (on || !this.cohosts.has(userId)))
      throw new AppError("MEMBER_NOT_FOUND", `no member "${userId}"`);
    if (member) member.is_cohost = on;
    if (on === this.cohosts.has(userId)) return;
    if (on) this.cohosts.add(userId);
    else this.cohosts.delete(userId);
    this.roster.rolesChanged();
    void this.store.cohost(userId, on); // RoomStore logs a write it gives up on
  }

  /** A removed or banned member is co-host no more. */
  demote(userId: string): void {
    if (this.cohosts.has(userId)) this.setCohost(userId, false);
  }

  /** Whether this user held a seat in this live instance. */
  wasSeated(userId: string): boolean {
    return this.seated.has(userId);
  }

  drop(sessionId: string, end: () => void): void {
    const seat = this.seats.drop(sessionId, end);
    const member = seat && this.roster.get(seat.user_id);
    if (member) member.connected = false;
  }

  reconnect(sessionId: string, client: C): ConnectedSeat<C> | undefined {
    const seat = this.seats.reconnect(sessionId, client);
    const member = seat && this.roster.get(seat.user_id);
    if (!seat || !member) return undefined;
    member.connected = true;
    return seat;
  }

  /** The final leave: the seat and the member are gone; a leaving host is succeeded at once. */
  leave(sessionId: string, opts: { store: boolean }): OccupiedSeat<C> | undefined {
    const seat = this.seats.leave(sessionId);
    if (!seat) return undefined;
    const wasHost = this.state.host_user_id === seat.user_id;
    this.roster.remove(seat.user_id);
    this.log.debug("member left", { room_id: this.roomId(), user_id: seat.user_id, was_host: wasHost });
    if (opts.store) void this.store.memberLeft(seat.user_id, Date.now());
    const successor = wasHost ? nextHost(this.roster.values(), seat.user_id) : undefined;
    if (successor) this.handHost(successor, "succession", true);
    return seat;
  }

  /** `transfer_host`: by the host, to a connected member. */
  transfer(byUserId: string, toUserId: string): void {
    if (byUserId !== this.state.host_user_id) throw new AppError("NOT_HOST");
    if (this.seats.occupied(toUserId)?.phase !== "connected") {
      throw new AppError("MEMBER_NOT_FOUND", `no connected member "${toUserId}"`);
    }
    if (toUserId !== this.state.host_user_id) this.handHost(toUserId, "transfer", true);
  }

  /**
   * On the room clock: if the recorded host holds no seat any more (a creator who never
   * connected), the longest-present member takes over. The patch tick sends it.
   */
  ensureHost(nowMs: number): void {
    if (this.seats.holds(this.state.host_user_id, nowMs)) return;
    const successor = nextHost(this.roster.values());
    if (successor) this.handHost(successor, "absent host", false);
  }

  welcomeIfConnected(userId: string): void {
    const seat = this.seats.occupied(userId);
    if (seat?.phase === "connected") this.hooks.welcome(seat);
  }

  /** The role moves in the state and the database, and the log says why. */
  private moveHost(to: string, reason: HostChangeReason): void {
    const from = this.state.host_user_id;
    const previous = this.roster.get(from);
    if (previous) previous.is_host = false;
    const next = this.roster.get(to);
    if (next) next.is_host = true;
    this.state.host_user_id = to;
    this.roster.rolesChanged();
    void this.store.hostState(this.hooks.playback(), to, false);
    this.log.info(describeHostChange(from, to, reason), { room_id: this.roomId() });
  }

  /** moveHost, then tell the new host (a private room's key comes with the role). */
  private handHost(to: string, reason: HostChangeReason, flush: boolean): void {
    this.moveHost(to, reason);
    if (flush) this.hooks.flush();
    this.welcomeIfConnected(to);
  }
}
