/**
 * The `watch_party` room: a thin translator from Colyseus events, room messages and HTTP calls
 * (src/rooms/remote.ts) to the rules elsewhere: seats (seats.ts), who may enter (room-access.ts),
 * roles (src/sync/roles.ts), playback (src/sync), status reports (status-board.ts) and storage
 * (room-store.ts). See docs/contract-notes.md for what it promises.
 */
import { CloseCode, Room, type Client, type AuthContext } from "@colyseus/core";
import { Member, WatchPartyState } from "../../schema/state.ts";
import {
  commentMessage,
  controlMessage,
  createRoomOptions,
  memberUpdate,
  statusMessage,
  transferHostMessage,
  type WelcomeMessage,
} from "../../schema/messages.ts";
import { AppError } from "../errors.ts";
import { parseOrThrow } from "../validate.ts";
import { services, type Services } from "../services.ts";
import { applyHostCommand, initialPlayback, pausedAt, type PlaybackSnapshot } from "../sync/playback.ts";
import { nextHost } from "../sync/succession.ts";
import { describeHostChange, hostOnJoin, type HostChangeReason } from "../sync/roles.ts";
import { generateAccessKey, generateInviteSecret } from "../security/access-key.ts";
import { signMemberToken, type MemberClaims } from "../security/member-token.ts";
import * as repo from "../db/rooms-repo.ts";
import type { CommentView } from "../db/comments-repo.ts";
import { limitPoints, RateLimits } from "../security/rate-limits.ts";
import { metrics } from "../ops/metrics.ts";
import { commentsChannel } from "./comment-channel.ts";
import { postComment } from "./room-comments.ts";
import { authorizeSeat, type MemberAuth, type OwnerSeat } from "./admission.ts";
import { checkAccess, type Presented, type RoomSecrets } from "./room-access.ts";
import { answer, type MemberAction, type OwnerAction, type RemoteResult } from "./remote.ts";
import { dormantPlayback, OWNER_OPTION, RESTORE_OPTION } from "./restore.ts";
import { freshSyncView } from "./sync-view.ts";
import { RoomStore } from "./room-store.ts";
import { Seats, type ConnectedSeat, type OccupiedSeat } from "./seats.ts";
import { StatusBoard } from "./status-board.ts";

export class WatchPartyRoom extends Room<{ state: WatchPartyState }> {
  override state = new WatchPartyState();

  private svc!: Services;
  private store!: RoomStore;
  private board!: StatusBoard;
  /** a private room's key and invite; undefined for a public room */
  private secrets: RoomSecrets | undefined;
  private readonly seats = new Seats<Client>();
  /** in-room message limits: a room lives in one process, so memory counts are exact */
  private limits!: RateLimits;
  /** set when the owner deletes the room: nothing is written back on dispose */
  private deleted = false;

  static override async onAuth(token: string, options: unknown, ctx: AuthContext): Promise<MemberAuth> {
    return authorizeSeat(token, options, ctx);
  }

  override async onCreate(options: Record<string, unknown>): Promise<void> {
    this.svc = services();
    const { config, log, database } = this.svc;
    this.store = new RoomStore(
      database.db,
      () => this.roomId,
      (err) => log.error("room write failed", { room_id: this.roomId, err }),
    );
    this.board = new StatusBoard(config, this.svc.samples, () => this.roomId);
    this.patchRate = config.PATCH_RATE_MS;
    this.maxClients = config.MAX_MEMBERS_PER_ROOM;
    this.maxMessagesPerSecond = config.MAX_MESSAGES_PER_S;
    this.limits = new RateLimits(limitPoints(config));
    this.seatReservationTimeout = config.SEAT_RESERVATION_S;

    const restoreId = options[RESTORE_OPTION];
    if (typeof restoreId === "string") await this.restore(restoreId);
    else await this.createFresh(options);
    if (this.secrets) await this.setPrivate(true);

    const on = (type: string, fn: (seat: OccupiedSeat<Client>, payload: unknown) => unknown) =>
      this.onMessage(type, (client, payload) =>
        this.handle(client, type, () => fn(this.seatOf(client), payload)),
      );
    on("control", (seat, payload) => this.control(seat.user_id, payload));
    on("status", (seat, payload) =>
      this.board.report(seat.user_id, seat.sync, parseOrThrow(statusMessage, payload), this.state.playback),
    );
    on("transfer_host", (seat, payload) => this.transferHost(seat.user_id, payload));
    on("comment", (seat, payload) => this.comment(seat.user_id, payload));
    this.onMessage("time", () => {
      metrics.messagesIn.inc({ type: "time" });
      return { server_time: Date.now() };
    });
    this.onMessage("*", (client, type) =>
      this.handle(client, String(type), () => {
        throw new AppError("INVALID_INPUT", `unknown message type "${String(type)}"`);
      }),
    );
    this.clock.setInterval(() => {
      this.board.fold(this.state.members);
      this.ensureHost();
    }, config.STATUS_FLUSH_MS);
    await this.presence.subscribe(commentsChannel(this.roomId), (comment: CommentView) => {
      this.broadcast("comment", comment);
      metrics.messagesOut.inc({ type: "comment" }, this.clients.length);
    });
  }

  private async createFresh(options: Record<string, unknown>): Promise<void> {
    const { [OWNER_OPTION]: owner, ...given } = options as Record<string, unknown> & {
      [OWNER_OPTION]?: OwnerSeat;
    };
    if (!owner) throw new AppError("UNAUTHORIZED", "rooms are created through the matchmaker");
    const opts = createRoomOptions.parse(given); // already validated at the edge
    const now = Date.now();
    this.secrets = opts.is_public
      ? undefined
      : { access_key: generateAccessKey(), invite_secret: generateInviteSecret() };
    const row = {
      room_id: this.roomId,
      title: opts.title,
      anime_id: opts.anime_id,
      anime_title: opts.anime_title,
      episode_number: opts.episode_number,
      video_url: opts.video_url,
      is_public: opts.is_public,
      access_key: this.secrets?.access_key ?? null,
      invite_secret: this.secrets?.invite_secret ?? null,
      host_user_id: owner.user_id,
      owner_user_id: owner.user_id,
      updated_at: now,
      created_at: new Date(now),
      last_active_at: new Date(now),
      status: "live",
    };
    await repo.insertRoom(this.svc.database.db, row);
    this.svc.log.info("room created", {
      room_id: this.roomId,
      is_public: opts.is_public,
      owner_user_id: owner.user_id,
    });
    this.state.assign(repo.describeRoom(row));
    this.state.playback.assign(initialPlayback(now));
    // the creator's seat is reserved right after creation
    this.seats.reserve(owner.user_id, owner.stay, now + this.seatReservationTimeout * 1000);
  }

  private async restore(roomId: string): Promise<void> {
    const { db } = this.svc.database;
    const row = await repo.getRoom(db, roomId);
    if (!row) throw new AppError("ROOM_NOT_FOUND");
    this.roomId = row.room_id;
    if (row.access_key !== null) {
      this.secrets = {
        access_key: row.access_key,
        invite_secret: row.invite_secret ?? generateInviteSecret(),
      };
      if (row.invite_secret === null) await repo.setAccess(db, roomId, this.secrets);
    }
    const playback = dormantPlayback(row);
    this.state.assign(repo.describeRoom(row));
    this.state.playback.assign(playback);
    await repo.closeOpenStays(db, roomId, Date.now());
    await repo.setRoomStatus(db, roomId, "live", playback);
    this.svc.log.info("room restored", { room_id: roomId, position: playback.position });
  }

  // ---- remote calls (HTTP API and admission, possibly from another process) ----

  /** May this user take a seat? Held for the seat-reservation time once admitted. */
  async admit(
    userId: string,
    stay: string,
    given: Presented,
    ctx: { throttled: boolean; verified: boolean },
  ): Promise<RemoteResult> {
    return answer(async () => {
      const known =
        this.secrets !== undefined &&
        ctx.verified &&
        (userId === this.state.owner_user_id ||
          (await repo.wasMember(this.svc.database.db, this.roomId, userId)));
      const verdict = checkAccess(this.secrets, given, { formerMember: known, throttled: ctx.throttled });
      if (!verdict.ok) throw new AppError(verdict.code, verdict.message);
      const now = Date.now();
      if (this.seats.holds(userId, now)) throw new AppError("USER_ALREADY_IN_ROOM");
      if (this.seats.count(now) >= this.maxClients) throw new AppError("ROOM_FULL");
      this.seats.reserve(userId, stay, now + this.seatReservationTimeout * 1000);
    });
  }

  /** A member token's holder, during its stay. */
  async memberAct(claims: MemberClaims, action: MemberAction, payload?: unknown): Promise<RemoteResult> {
    return answer(async () => {
      const seat = this.seats.occupied(claims.user_id, claims.stay);
      if (!seat) throw new AppError("UNAUTHORIZED", "this member token's stay has ended");
      switch (action) {
        case "check":
          return undefined;
        case "describe":
          return this.describe();
        case "leave":
          if (seat.phase === "reconnecting") seat.end();
          else seat.client.leave(4000);
          return undefined;
        case "control":
          await this.control(seat.user_id, payload);
          return { ...this.playbackSnapshot(), server_time: Date.now() };
        case "update_member":
          return this.updateMember(seat.user_id, payload);
        case "comment":
          return this.comment(seat.user_id, payload);
      }
    });
  }

  /** The owner's actions; answered after they are stored. */
  async ownerAct(userId: string, action: OwnerAction): Promise<RemoteResult> {
    return answer(async () => {
      if (userId !== this.state.owner_user_id) throw new AppError("NOT_OWNER");
      if (action === "delete") {
        await this.store.deleted();
        this.deleted = true;
        for (const seat of this.seats.occupiedSeats()) if (seat.phase === "reconnecting") seat.end();
        for (const client of this.clients) client.leave(4000, "ROOM_DELETED: the owner deleted the room");
        void this.disconnect(4000);
        return undefined;
      }
      if (!this.secrets) throw new AppError("INVALID_INPUT", "a public room has no key to rotate");
      const secrets = { access_key: generateAccessKey(), invite_secret: generateInviteSecret() };
      await this.store.access(secrets);
      this.secrets = secrets;
      this.svc.log.info("access rotated", { room_id: this.roomId });
      for (const id of new Set([this.state.owner_user_id, this.state.host_user_id]))
        this.welcomeIfConnected(id);
      return { access_key: secrets.access_key, invite: secrets.invite_secret };
    });
  }

  describe() {
    return {
      playback: this.playbackSnapshot(),
      members: [...this.state.members.values()].map((m) => m.toJSON()),
      host_user_id: this.state.host_user_id,
      owner_user_id: this.state.owner_user_id,
    };
  }

  // ---- lifecycle ----

  override onJoin(client: Client, _options: unknown, auth?: MemberAuth): void {
    if (!auth) throw new AppError("UNAUTHORIZED", "joins go through the matchmaker");
    const now = Date.now();
    const roles = hostOnJoin({
      host: this.state.host_user_id,
      owner: this.state.owner_user_id,
      joiner: auth.user_id,
      hostHoldsSeat: this.seats.holds(this.state.host_user_id, now),
    });
    const seat = this.seats.connect(auth.user_id, auth.stay, client, freshSyncView(now));
    const member = new Member({
      user_id: auth.user_id,
      username: auth.username,
      avatar_url: auth.avatar_url ?? "",
      is_host: roles.host === auth.user_id,
      connected: true,
      joined_at: now,
      position: 0,
      drift: 0,
      sync_status: "unknown",
      last_heartbeat: 0,
    });
    this.state.members.set(auth.user_id, member);
    if (roles.reason) this.moveHost(roles.host, roles.reason);
    this.sendWelcome(seat, auth.identity_token);
    this.svc.log.debug("member joined", {
      room_id: this.roomId,
      user_id: auth.user_id,
      is_host: member.is_host,
    });
    const stay = {
      user_id: auth.user_id,
      username: auth.username,
      avatar_url: auth.avatar_url ?? null,
      joined_at: now,
      stay: auth.stay,
    };
    this.store.memberJoined(stay, this.state.members.size);
  }

  override onDrop(client: Client): void {
    const member = this.state.members.get(this.seats.ofSession(client.sessionId)?.user_id ?? "");
    if (member) member.connected = false;
    const reconnection = this.allowReconnection(client, this.svc.config.RECONNECT_WINDOW_S);
    this.seats.drop(client.sessionId, () => reconnection.reject(new Error("ended")));
  }

  override onReconnect(client: Client): void {
    const seat = this.seats.reconnect(client.sessionId, client);
    const member = seat && this.state.members.get(seat.user_id);
    if (!seat || !member) return;
    member.connected = true;
    this.sendWelcome(seat);
  }

  override onLeave(client: Client): void {
    const seat = this.seats.leave(client.sessionId);
    if (!seat) return;
    const userId = seat.user_id;
    const wasHost = this.state.host_user_id === userId;
    this.board.forget(userId);
    this.state.members.delete(userId);
    this.svc.log.debug("member left", { room_id: this.roomId, user_id: userId, was_host: wasHost });
    if (!this.deleted) this.store.memberLeft(userId, Date.now());
    const successor = wasHost ? nextHost(this.state.members.values(), userId) : undefined;
    if (successor) this.handHost(successor, "succession", true);
  }

  /** Process shutdown (SIGTERM): tell the members, then close; onDispose stores the playback. */
  override onBeforeShutdown(): void {
    this.broadcast("server_shutdown", { reason: "the server is restarting; join this room again by its id" });
    metrics.messagesOut.inc({ type: "server_shutdown" }, this.clients.length);
    void this.disconnect(CloseCode.SERVER_SHUTDOWN);
  }

  override async onDispose(): Promise<void> {
    if (!this.deleted) {
      const playback = pausedAt(this.playbackSnapshot(), Date.now());
      this.store.dormant(playback);
      this.svc.log.info("room dormant", {
        room_id: this.roomId,
        position: playback.position,
        seq: playback.seq,
      });
    }
    await this.store.drain();
  }

  // ---- actions ----

  /** A host action: rate-limited, applied, flushed to every member at once, then stored. */
  private async control(userId: string, payload: unknown): Promise<void> {
    const cmd = parseOrThrow(controlMessage, payload);
    if (userId !== this.state.host_user_id) throw new AppError("NOT_HOST");
    await this.limits.consume("control", { user_id: userId });
    const started = performance.now();
    this.state.playback.assign(applyHostCommand(this.playbackSnapshot(), cmd, Date.now()));
    this.broadcastPatch();
    metrics.hostActionFanout.observe((performance.now() - started) / 1000);
    metrics.messagesOut.inc({ type: "patch" });
    this.store.hostState(this.playbackSnapshot(), userId, true);
  }

  private async comment(userId: string, payload: unknown): Promise<CommentView> {
    const c = parseOrThrow(commentMessage, payload);
    const member = this.state.members.get(userId);
    if (!member) throw new AppError("MEMBER_NOT_FOUND");
    await this.limits.consume("comment", { user_id: userId });
    const place = {
      room_id: this.roomId,
      is_public: !this.secrets,
      anime_id: this.state.anime_id,
      episode_number: this.state.episode_number,
    };
    return postComment(this.svc.database.db, place, { user_id: userId, username: member.username }, c);
  }

  private transferHost(userId: string, payload: unknown): void {
    const { user_id } = parseOrThrow(transferHostMessage, payload);
    if (userId !== this.state.host_user_id) throw new AppError("NOT_HOST");
    if (this.seats.occupied(user_id)?.phase !== "connected")
      throw new AppError("MEMBER_NOT_FOUND", `no connected member "${user_id}"`);
    if (user_id !== this.state.host_user_id) this.handHost(user_id, "transfer", true);
  }

  private updateMember(userId: string, payload: unknown) {
    const patch = parseOrThrow(memberUpdate, payload);
    const member = this.state.members.get(userId);
    if (!member) throw new AppError("MEMBER_NOT_FOUND");
    if (patch.username !== undefined) member.username = patch.username;
    if (patch.avatar_url !== undefined) member.avatar_url = patch.avatar_url;
    this.store.memberUpdated(userId, patch);
    return member.toJSON();
  }

  // ---- roles ----

  /**
   * On the room clock: if the recorded host holds no seat any more (a creator who never
   * connected), the longest-present member takes over. The patch tick sends it:
   * broadcastPatch() must not run inside a clock callback.
   */
  private ensureHost(): void {
    if (this.seats.holds(this.state.host_user_id, Date.now())) return;
    const successor = nextHost(this.state.members.values());
    if (successor) this.handHost(successor, "absent host", false);
  }

  /** The role moves in the state and the database, and the log says why. */
  private moveHost(to: string, reason: HostChangeReason): void {
    const from = this.state.host_user_id;
    const previous = this.state.members.get(from);
    if (previous) previous.is_host = false;
    const next = this.state.members.get(to);
    if (next) next.is_host = true;
    this.state.host_user_id = to;
    this.store.hostState(this.playbackSnapshot(), to, false);
    this.svc.log.info(describeHostChange(from, to, reason), { room_id: this.roomId });
  }

  /** moveHost, then tell the new host (a private room's key comes with the role). */
  private handHost(to: string, reason: HostChangeReason, flush: boolean): void {
    this.moveHost(to, reason);
    if (flush) this.broadcastPatch();
    this.welcomeIfConnected(to);
  }

  // ---- helpers ----

  private welcomeIfConnected(userId: string): void {
    const seat = this.seats.occupied(userId);
    if (seat?.phase === "connected") this.sendWelcome(seat);
  }

  private sendWelcome(seat: ConnectedSeat<Client>, identityToken?: string): void {
    const { user_id } = seat;
    const { tokenSecret, config } = this.svc;
    const exp = Date.now() + config.MEMBER_TOKEN_TTL_S * 1000;
    const welcome: WelcomeMessage = {
      user_id,
      is_host: this.state.host_user_id === user_id,
      is_owner: this.state.owner_user_id === user_id,
      member_token: signMemberToken(tokenSecret, { room_id: this.roomId, user_id, stay: seat.stay, exp }),
    };
    if (this.secrets && (welcome.is_host || welcome.is_owner)) {
      welcome.access_key = this.secrets.access_key;
      welcome.invite = this.secrets.invite_secret;
    }
    if (identityToken) welcome.identity_token = identityToken;
    seat.client.send("welcome", welcome);
    metrics.messagesOut.inc({ type: "welcome" });
  }

  private playbackSnapshot(): PlaybackSnapshot {
    const { is_playing, position, updated_at, rate, seq } = this.state.playback;
    return { is_playing, position, updated_at, rate, seq };
  }

  private seatOf(client: Client): OccupiedSeat<Client> {
    const seat = this.seats.ofSession(client.sessionId);
    if (!seat) throw new AppError("UNAUTHORIZED", "not a member of this room");
    return seat;
  }

  /** A refused message answers `error` and leaves the sender connected. */
  private async handle(client: Client, type: string, fn: () => unknown): Promise<void> {
    metrics.messagesIn.inc({ type });
    try {
      await fn();
    } catch (err) {
      const known = err instanceof AppError ? err : new AppError("INTERNAL");
      if (!(err instanceof AppError))
        this.svc.log.error("message handler failed", { room_id: this.roomId, type, err });
      client.send("error", { ...known.toBody(), type });
      metrics.messagesOut.inc({ type: "error" });
    }
  }
}
