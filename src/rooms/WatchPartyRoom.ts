/**
 * The `watch_party` room: the Colyseus glue around a `Party` (party.ts), which holds the rules.
 * It turns connections, room messages and HTTP calls (src/rooms/remote.ts, possibly from another
 * process) into party calls, and a refused message into an `error` for its sender.
 * docs/contract-notes.md says what it promises.
 */
import { CloseCode, Room, matchMaker, type AuthContext, type Client } from "@colyseus/core";
import { WatchPartyState } from "../../schema/state.ts";
import { AppError } from "../errors.ts";
import { services, type Services } from "../services.ts";
import type { MemberClaims } from "../security/member-token.ts";
import type { CommentView } from "../db/comments-repo.ts";
import { metrics } from "../ops/metrics.ts";
import { corkedSends } from "../ops/corked-sends.ts";
import { commentsChannel } from "./comment-channel.ts";
import { authorizeSeat, type AdmitContext, type MemberAuth } from "./admission.ts";
import type { Presented } from "./room-access.ts";
import { answer, type MemberAction, type OwnerAction, type RemoteResult } from "./remote.ts";
import { RESTORE_OPTION } from "./restore.ts";
import { metadataChanged, roomMetadata } from "./metadata.ts";
import { Party } from "./party.ts";
import type { MembersPageQuery } from "./members-page.ts";

const NEVER_MS = 2 ** 31 - 1; // the longest delay a Node timer takes (24.8 days)
/** how long a call from another process waits for this one to check its rooms after a gap */
const HELD_WAIT_MS = 1_500;

export class WatchPartyRoom extends Room<{ state: WatchPartyState }> {
  override state = new WatchPartyState();

  private svc!: Services;
  private party!: Party<Client>;

  static override async onAuth(token: string, options: unknown, ctx: AuthContext): Promise<MemberAuth> {
    return authorizeSeat(token, options, ctx);
  }

  override async onCreate(options: Record<string, unknown>): Promise<void> {
    this.svc = services();
    const { config } = this.svc;
    // Patches go out from the process's PatchScheduler (one timer, rooms spread over slots).
    // Colyseus arms a per-room timer for patchRate, or for clock ticks when patchRate is null
    // and no simulation interval exists: a simulation interval that never fires holds both off.
    this.setSimulationInterval(() => {}, NEVER_MS);
    this.patchRate = null;
    this.maxClients = config.MAX_MEMBERS_PER_ROOM;
    this.maxMessagesPerSecond = config.MAX_MESSAGES_PER_S;
    this.seatReservationTimeout = config.SEAT_RESERVATION_S;
    this.party = new Party<Client>(this.svc, this.state, {
      roomId: () => this.roomId,
      flush: () => this.broadcastPatch(),
      broadcast: (type, message) => {
        this.broadcast(type, message);
        return this.clients.length;
      },
      closeAll: (code, reason) => {
        for (const client of this.clients) client.leave(code, reason);
        void this.disconnect(code);
      },
      maxSeats: () => this.maxClients,
      reservationMs: () => this.seatReservationTimeout * 1000,
    });

    const restoreId = typeof options[RESTORE_OPTION] === "string" ? options[RESTORE_OPTION] : undefined;
    if (restoreId !== undefined) this.roomId = restoreId;
    await this.party.begin(options, restoreId, matchMaker.processId);
    this.guardSeatReservations();
    if (this.party.isPrivate) await this.setPrivate(true);
    await this.setMetadata(roomMetadata(this.state)); // what the monitor lists: never a key

    for (const [type, fn] of this.party.handlers) {
      // handle() answers every failure; Colyseus replies to a request once it settles (the '*'
      // overload below makes the rule see a void callback here)
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      this.onMessage(type, (client, payload) =>
        this.handle(client, type, () => fn(this.party.seatOf(client.sessionId), payload)),
      );
    }
    this.onMessage("time", () => {
      metrics.messagesIn.inc({ type: "time" });
      return { server_time: Date.now() };
    });
    this.onMessage(
      "*",
      (client, type) =>
        void this.handle(client, String(type), () => {
          throw new AppError("INVALID_INPUT", `unknown message type "${String(type)}"`);
        }),
    );
    // the patch tick sends what the clock changes: broadcastPatch() must not run in a clock callback
    this.clock.setInterval(() => {
      this.party.tick();
      const meta = roomMetadata(this.state);
      if (metadataChanged(this.metadata, meta))
        this.setMetadata(meta).catch((err: unknown) =>
          this.svc.log.warn("room listing not updated", { room_id: this.roomId, err }),
        );
    }, config.STATUS_FLUSH_MS);
    await this.presence.subscribe(commentsChannel(this.roomId), (comment: CommentView) =>
      this.party.deliverComment(comment),
    );
    this.svc.patches.add(this);
  }

  /**
   * The PatchScheduler's turn: the room's clock timers, then its pending changes (none: nothing
   * sent). In audience mode the changes nobody waits for (counts, the summary, the shown
   * members) go out once a second, with the comment batch and reaction counts, in one socket
   * write per member; host actions still flush at once (Party.apply).
   */
  patchTick(): void {
    this.clock.tick();
    const now = Date.now();
    if (!this.state.audience) {
      this.party.crowdTick(now);
      this.broadcastPatch();
    } else if (this.party.crowdDue(now)) {
      corkedSends(this.clients, () => {
        this.party.crowdTick(now);
        this.broadcastPatch();
      });
    }
  }

  // ---- remote calls (HTTP API and admission) ----

  async admit(userId: string, stay: string, given: Presented, ctx: AdmitContext): Promise<RemoteResult> {
    return (await this.held()) ?? this.party.admit(userId, stay, given, ctx);
  }

  async memberAct(claims: MemberClaims, action: MemberAction, payload?: unknown): Promise<RemoteResult> {
    return (await this.held()) ?? this.party.memberAct(claims, action, payload);
  }

  async ownerAct(userId: string, action: OwnerAction): Promise<RemoteResult> {
    return (await this.held()) ?? this.party.ownerAct(userId, action);
  }

  async describe(page?: MembersPageQuery): Promise<RemoteResult> {
    return (await this.held()) ?? answer(() => this.party.describe(page));
  }

  /**
   * Before answering another process: wait while this process is not current (after a stall
   * or a Redis cut, until it checked that it still holds its rooms); a superseded copy refuses
   * (undefined: go ahead).
   */
  private async held(): Promise<RemoteResult | undefined> {
    const current = (await this.svc.liveness?.whenCurrent(HELD_WAIT_MS)) ?? true;
    if (this.party.superseded) return { ok: false, code: "ROOM_MOVED" };
    if (!current) return { ok: false, code: "UNAVAILABLE", message: "this server process is recovering" };
    return undefined;
  }

  /** Colyseus's seat reservation (called across processes too) goes through the same check. */
  private guardSeatReservations(): void {
    const self = this as unknown as { _reserveSeat: (...args: unknown[]) => Promise<boolean> };
    const reserve = self._reserveSeat.bind(this);
    self._reserveSeat = async (...args) => ((await this.held()) ? false : reserve(...args));
  }

  // ---- lifecycle ----

  override onJoin(client: Client, _options: unknown, auth?: MemberAuth): void {
    if (!auth) throw new AppError("UNAUTHORIZED", "joins go through the matchmaker");
    this.party.join(auth, client);
  }

  override onDrop(client: Client): void {
    const reconnection = this.allowReconnection(client, this.svc.config.RECONNECT_WINDOW_S);
    reconnection.catch(() => undefined); // "not joined" (closed before the join was acknowledged), "ended", expiry: onLeave follows
    const end = reconnection.reject as (reason: Error) => void; // Colyseus types it as Function
    this.party.drop(client.sessionId, () => end(new Error("ended")));
  }

  override onReconnect(client: Client): void {
    this.party.reconnect(client.sessionId, client);
  }

  override onLeave(client: Client): void {
    this.party.leave(client.sessionId);
  }

  /** Process shutdown (SIGTERM): tell the members, then close; onDispose stores the playback. */
  override onBeforeShutdown(): void {
    this.broadcast("server_shutdown", { reason: "the server is restarting; join this room again by its id" });
    metrics.messagesOut.inc({ type: "server_shutdown" }, this.clients.length);
    void this.disconnect(CloseCode.SERVER_SHUTDOWN);
  }

  override async onDispose(): Promise<void> {
    this.svc.patches.remove(this);
    await this.party.dispose();
  }

  /**
   * A refused message answers `error` and leaves the sender connected. Counted once handled:
   * nothing but the handler itself runs before a host action reaches the members.
   */
  private async handle(client: Client, type: string, fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (err) {
      const known = err instanceof AppError ? err : new AppError("INTERNAL");
      if (!(err instanceof AppError))
        this.svc.log.error("message handler failed", { room_id: this.roomId, type, err });
      client.send("error", { ...known.toBody(), type });
      metrics.messagesOut.inc({ type: "error" });
    } finally {
      metrics.messagesIn.inc({ type });
    }
  }
}
