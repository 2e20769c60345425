/**
 * Who holds a seat in a room, one value per user through its phases:
 * reserved (admitted, seat reservation not consumed yet) → connected ⇄ reconnecting (dropped,
 * inside its window) → gone (one delete). Every seat carries its stay id: the member token of
 * that stay works while, and only while, this seat exists. No framework imports.
 */
import type { MemberSyncView } from "./sync-view.ts";

interface Held {
  user_id: string;
  stay: string;
  /** the client's address as limits count it (admission.ts), when known */
  address?: string;
}
export type ReservedSeat = Held & { phase: "reserved"; until_ms: number };
export type ConnectedSeat<C> = Held & { phase: "connected"; client: C; sync: MemberSyncView };
export type ReconnectingSeat<C> = Held & {
  phase: "reconnecting";
  client: C;
  sync: MemberSyncView;
  /** ends the reconnection window at once (an HTTP leave, a removal, a delete) */
  end: () => void;
};
export type Seat<C> = ReservedSeat | ConnectedSeat<C> | ReconnectingSeat<C>;
export type OccupiedSeat<C> = ConnectedSeat<C> | ReconnectingSeat<C>;

export class Seats<C extends { sessionId: string }> {
  private readonly byUser = new Map<string, Seat<C>>();
  private readonly userBySession = new Map<string, string>();
  /**
   * The reserved seats again, so that counting seats and pending reservations looks at these
   * only: a join into a room of 10,000 must not walk 10,000 seats (a join storm would cost n²).
   */
  private readonly reserved = new Map<string, ReservedSeat>();

  /** The user's seat; a reservation that has lapsed is dropped here. */
  get(userId: string, nowMs: number): Seat<C> | undefined {
    const seat = this.byUser.get(userId);
    if (seat?.phase === "reserved" && seat.until_ms <= nowMs) {
      this.byUser.delete(userId);
      this.reserved.delete(userId);
      return undefined;
    }
    return seat;
  }

  holds(userId: string, nowMs: number): boolean {
    return this.get(userId, nowMs) !== undefined;
  }

  /** Seats in use: connected, reconnecting and unexpired reservations. */
  count(nowMs: number): number {
    for (const seat of this.reserved.values()) this.get(seat.user_id, nowMs);
    return this.byUser.size;
  }

  reserve(userId: string, stay: string, untilMs: number, address?: string): void {
    const seat: ReservedSeat = { phase: "reserved", user_id: userId, stay, until_ms: untilMs };
    if (address !== undefined) seat.address = address;
    this.byUser.set(userId, seat);
    this.reserved.set(userId, seat);
  }

  /** Unexpired reservations (seats reserved and not yet taken). */
  reservations(nowMs: number): ReservedSeat[] {
    const held: ReservedSeat[] = [];
    for (const seat of this.reserved.values()) if (this.get(seat.user_id, nowMs)) held.push(seat);
    return held;
  }

  /** The reservation is consumed (or, for a server-side seat, skipped): the member is connected. */
  connect(userId: string, stay: string, client: C, sync: MemberSyncView, address?: string): ConnectedSeat<C> {
    const seat: ConnectedSeat<C> = { phase: "connected", user_id: userId, stay, client, sync };
    if (address !== undefined) seat.address = address;
    this.byUser.set(userId, seat);
    this.reserved.delete(userId);
    this.userBySession.set(client.sessionId, userId);
    return seat;
  }

  /** The seat of a connection, connected or reconnecting. */
  ofSession(sessionId: string): OccupiedSeat<C> | undefined {
    const userId = this.userBySession.get(sessionId);
    const seat = userId === undefined ? undefined : this.byUser.get(userId);
    return seat && seat.phase !== "reserved" ? seat : undefined;
  }

  /** A connected or reconnecting seat of this user whose stay is `stay`. */
  occupied(userId: string, stay?: string): OccupiedSeat<C> | undefined {
    const seat = this.byUser.get(userId);
    if (!seat || seat.phase === "reserved") return undefined;
    return stay === undefined || seat.stay === stay ? seat : undefined;
  }

  drop(sessionId: string, end: () => void): ReconnectingSeat<C> | undefined {
    const seat = this.ofSession(sessionId);
    if (!seat) return undefined;
    const next: ReconnectingSeat<C> = { ...seat, phase: "reconnecting", end };
    this.byUser.set(seat.user_id, next);
    return next;
  }

  reconnect(sessionId: string, client: C): ConnectedSeat<C> | undefined {
    const seat = this.ofSession(sessionId);
    if (!seat) return undefined;
    const next: ConnectedSeat<C> = {
      phase: "connected",
      user_id: seat.user_id,
      stay: seat.stay,
      client,
      sync: seat.sync,
    };
    if (seat.address !== undefined) next.address = seat.address;
    this.byUser.set(seat.user_id, next);
    this.userBySession.set(client.sessionId, seat.user_id);
    return next;
  }

  /** The final leave of a connection: its seat is gone. */
  leave(sessionId: string): OccupiedSeat<C> | undefined {
    const seat = this.ofSession(sessionId);
    this.userBySession.delete(sessionId);
    if (seat) this.byUser.delete(seat.user_id);
    return seat;
  }

  *occupiedSeats(): IterableIterator<OccupiedSeat<C>> {
    for (const seat of this.byUser.values()) if (seat.phase !== "reserved") yield seat;
  }
}
