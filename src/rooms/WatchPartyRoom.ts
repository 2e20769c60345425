/**
 * The `watch_party` room: a thin translator from Colyseus events, room messages and HTTP calls
 * (src/rooms/remote.ts) to the rules elsewhere: members, seats and roles (membership.ts), who may
 * enter (room-access.ts), playback (src/sync), status reports (status-board.ts), set-up
 * (room-setup.ts) and storage (room-store.ts). docs/contract-notes.md says what it promises.
 */
import { CloseCode, Room, type Client, type AuthContext } from "@colyseus/core";
import { WatchPartyState } from "../../schema/state.ts";
import { CLOSE, codedMessage } from "../../schema/protocol.ts";
import {
  commentMessage,
  controlMessage,
  memberUpdate,
  statusMessage,
  transferHostMessage,
} from "../../schema/messages.ts";
import { AppError } from "../errors.ts";
import { parseOrThrow } from "../validate.ts";
import { services, type Services } from "../services.ts";
import { applyHostCommand, pausedAt, type HostCommand, type PlaybackSnapshot } from "../sync/playback.ts";
import { BufferHolds } from "../sync/buffer-holds.ts";
import { GroupPlayback } from "./group-playback.ts";
import { RoomQueue } from "./room-queue.ts";
import { wirePartyMessages } from "./party-messages.ts";
import { allowed, type Permission } from "../sync/permissions.ts";
import { expectedPosition } from "../sync/clock.ts";
import { generateAccessKey, generateInviteSecret } from "../security/access-key.ts";
import type { MemberClaims } from "../security/member-token.ts";
import * as repo from "../db/rooms-repo.ts";
import type { CommentView } from "../db/comments-repo.ts";
import { limitPoints, RateLimits } from "../security/rate-limits.ts";
import { metrics } from "../ops/metrics.ts";
import { commentsChannel } from "./comment-channel.ts";
import { postComment } from "./room-comments.ts";
import { authorizeSeat, type AdmitContext, type MemberAuth } from "./admission.ts";
import { checkAccess, type Presented, type RoomSecrets } from "./room-access.ts";
import { answer, type MemberAction, type OwnerAction, type RemoteResult } from "./remote.ts";
import { RESTORE_OPTION } from "./restore.ts";
import { createRoom, restoreRoom, type RoomStart } from "./room-setup.ts";
import { buildWelcome } from "./welcome.ts";
import { RoomStore } from "./room-store.ts";
import type { ConnectedSeat, OccupiedSeat } from "./seats.ts";
import { Membership } from "./membership.ts";
import { metadataChanged, roomMetadata } from "./metadata.ts";
import { StatusBoard } from "./status-board.ts";

/** buffering this soon after a playback change is the change itself (players buffer after a seek) */
const HOLD_GRACE_MS = 1500;

export class WatchPartyRoom extends Room<{ state: WatchPartyState }> {
  override state = new WatchPartyState();

  private svc!: Services;
  private store!: RoomStore;
  private board!: StatusBoard;
  /** a private room's key and invite; undefined for a public room */
  private secrets: RoomSecrets | undefined;
  private members!: Membership<Client>;
  private group!: GroupPlayback;
  private queue!: RoomQueue;
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
    this.store = new RoomStore(database.db, () => this.roomId, this.svc.outboxes, log);
    this.board = new StatusBoard(config, this.svc.samples, () => this.roomId);
    const holds = new BufferHolds({
      waitS: config.BUFFER_WAIT_S,
      holdsMax: config.BUFFER_HOLDS_MAX,
      windowS: 600,
      graceMs: HOLD_GRACE_MS,
    });
    this.group = new GroupPlayback(this.state, holds, {
      apply: (cmd, flush) => this.apply(cmd, flush),
      log: (msg, fields) => log.info(msg, { room_id: this.roomId, ...fields }),
    });
    this.queue = new RoomQueue(this.state, config.ADVANCE_COUNTDOWN_S, {
      apply: (cmd, flush) => this.apply(cmd, flush),
      hostTookOver: () => this.group.hostTookOver(),
      store: (queue, current) =>
        this.store.settings({
          queue,
          current_item: current.item_id,
          anime_id: current.anime_id,
          anime_title: current.anime_title,
          episode_number: current.episode_number,
          video_url: current.video_url,
          segments: current.segments,
        }),
      log: (msg, fields) => log.info(msg, { room_id: this.roomId, ...fields }),
    });
    this.members = new Membership<Client>(this.state, this.store, log, () => this.roomId, {
      flush: () => this.broadcastPatch(),
      welcome: (seat) => this.sendWelcome(seat),
      playback: () => this.playbackSnapshot(),
    });
    this.patchRate = config.PATCH_RATE_MS;
    this.maxClients = config.MAX_MEMBERS_PER_ROOM;
    this.maxMessagesPerSecond = config.MAX_MESSAGES_PER_S;
    this.limits = new RateLimits(limitPoints(config));
    this.seatReservationTimeout = config.SEAT_RESERVATION_S;

    const restoreId = options[RESTORE_OPTION];
    if (typeof restoreId === "string") this.roomId = restoreId;
    const { db } = database;
    this.begin(
      typeof restoreId === "string"
        ? await restoreRoom(db, restoreId)
        : await createRoom(db, this.roomId, options),
    );
    if (this.secrets) await this.setPrivate(true);
    await this.setMetadata(roomMetadata(this.state)); // what the monitor lists: never a key

    const on = (type: string, fn: (seat: OccupiedSeat<Client>, payload: unknown) => unknown) =>
      this.onMessage(type, (client, payload) =>
        this.handle(client, type, () => fn(this.seatOf(client), payload)),
      );
    on("control", (seat, payload) => this.control(seat.user_id, payload));
    on("status", (seat, payload) => {
      const report = parseOrThrow(statusMessage, payload);
      this.board.report(seat.user_id, seat.sync, report, this.state.playback);
      this.group.report(seat.user_id, report.buffering === true, Date.now());
      if (report.ended && seat.user_id === this.state.host_user_id) this.queue.reportEnded();
    });
    wirePartyMessages(
      {
        state: this.state,
        group: this.group,
        queue: this.queue,
        store: this.store,
        limits: this.limits,
        reactions: this.svc.reactions,
        authorize: (userId, permission) => this.authorize(userId, permission),
        apply: (cmd, flush) => this.apply(cmd, flush),
        broadcast: (type, message) => {
          this.broadcast(type, message);
          return this.clients.length;
        },
      },
      on,
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
      const now = Date.now();
      this.group.tick(now);
      this.queue.tick(now, expectedPosition(this.state.playback, now));
      this.board.fold(this.state.members);
      this.members.ensureHost(Date.now());
      const meta = roomMetadata(this.state);
      if (metadataChanged(this.metadata, meta)) void this.setMetadata(meta);
    }, config.STATUS_FLUSH_MS);
    await this.presence.subscribe(commentsChannel(this.roomId), (comment: CommentView) => {
      this.broadcast("comment", comment);
      metrics.messagesOut.inc({ type: "comment" }, this.clients.length);
    });
  }

  private begin(start: RoomStart): void {
    this.secrets = start.secrets;
    this.state.assign(start.described);
    this.state.playback.assign(start.playback);
    this.state.settings.assign(start.settings);
    this.group.setSegments(start.segments);
    this.queue.load(start.queue, start.current_item);
    // the creator's seat is reserved right after creation
    const { owner } = start;
    if (owner)
      this.members.seats.reserve(owner.user_id, owner.stay, Date.now() + this.seatReservationTimeout * 1000);
    this.svc.log.info(owner ? "room created" : "room restored", {
      room_id: this.roomId,
      is_public: start.described.is_public,
      position: start.playback.position,
    });
  }

  // ---- remote calls (HTTP API and admission, possibly from another process) ----

  /** May this user take a seat? Held for the seat-reservation time once admitted. */
  async admit(userId: string, stay: string, given: Presented, ctx: AdmitContext): Promise<RemoteResult> {
    return answer(async () => {
      const known =
        this.secrets !== undefined &&
        ctx.verified &&
        (userId === this.state.owner_user_id ||
          (await repo.wasMember(this.svc.database.db, this.roomId, userId)));
      const verdict = checkAccess(this.secrets, given, { formerMember: known, throttled: ctx.throttled });
      if (!verdict.ok) throw new AppError(verdict.code, verdict.message);
      const now = Date.now();
      const until = now + this.seatReservationTimeout * 1000;
      this.members.reserve(userId, stay, now, until, this.maxClients, ctx.pending);
    });
  }

  /** A member token's holder, during its stay. */
  async memberAct(claims: MemberClaims, action: MemberAction, payload?: unknown): Promise<RemoteResult> {
    return answer(async () => {
      const seat = this.members.seats.occupied(claims.user_id, claims.stay);
      if (!seat) throw new AppError("UNAUTHORIZED", "this member token's stay has ended");
      switch (action) {
        case "check":
          return undefined;
        case "describe":
          return this.describe();
        case "leave":
          if (seat.phase === "reconnecting") seat.end();
          else seat.client.leave(CLOSE.CONSENTED);
          return undefined;
        case "control": {
          const { stored } = await this.control(seat.user_id, payload);
          await stored; // an HTTP caller is answered once it is stored
          return { ...this.playbackSnapshot(), server_time: Date.now() };
        }
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
        for (const seat of this.members.seats.occupiedSeats()) if (seat.phase === "reconnecting") seat.end();
        const reason = codedMessage("ROOM_DELETED", "the owner deleted the room");
        for (const client of this.clients) client.leave(CLOSE.CONSENTED, reason);
        void this.disconnect(CLOSE.CONSENTED);
        return undefined;
      }
      if (!this.secrets) throw new AppError("INVALID_INPUT", "a public room has no key to rotate");
      const secrets = { access_key: generateAccessKey(), invite_secret: generateInviteSecret() };
      await this.store.access(secrets);
      this.secrets = secrets;
      this.svc.log.info("access rotated", { room_id: this.roomId });
      for (const id of new Set([this.state.owner_user_id, this.state.host_user_id]))
        this.members.welcomeIfConnected(id);
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
    this.sendWelcome(this.members.join(auth, client, Date.now()), auth.identity_token);
  }

  override onDrop(client: Client): void {
    const reconnection = this.allowReconnection(client, this.svc.config.RECONNECT_WINDOW_S);
    reconnection.catch(() => undefined); // "not joined" (closed before the join was acknowledged), "ended", expiry: onLeave follows
    this.members.drop(client.sessionId, () => reconnection.reject(new Error("ended")));
  }

  override onReconnect(client: Client): void {
    const seat = this.members.reconnect(client.sessionId, client);
    if (seat) this.sendWelcome(seat);
  }

  override onLeave(client: Client): void {
    const seat = this.members.leave(client.sessionId, { store: !this.deleted });
    if (!seat) return;
    this.board.forget(seat.user_id);
    this.group.forget(seat.user_id, true);
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
  private async control(userId: string, payload: unknown): Promise<{ stored: Promise<void> }> {
    const cmd = parseOrThrow(controlMessage, payload);
    await this.authorize(userId, "control");
    this.group.hostTookOver();
    return { stored: this.apply(cmd, true) };
  }

  /** The sender's role allows it (src/sync/permissions.ts), within the control rate limit. */
  private async authorize(userId: string, permission: Permission): Promise<void> {
    const member = this.state.members.get(userId);
    const who = { is_host: userId === this.state.host_user_id, is_cohost: member?.is_cohost === true };
    if (!allowed(permission, who, this.state.settings.control_open)) throw new AppError("NOT_HOST");
    await this.limits.consume("control", { user_id: userId });
  }

  /** A playback change (seq bumps): flushed at once unless on the room clock, then stored. */
  private apply(cmd: HostCommand, flush: boolean): Promise<void> {
    const started = performance.now();
    this.state.playback.assign(applyHostCommand(this.playbackSnapshot(), cmd, Date.now()));
    if (flush) {
      this.broadcastPatch();
      metrics.hostActionFanout.observe((performance.now() - started) / 1000);
      metrics.messagesOut.inc({ type: "patch" });
    }
    return this.store.hostState(this.playbackSnapshot(), this.state.host_user_id, true);
  }

  private async comment(userId: string, payload: unknown): Promise<CommentView> {
    const c = parseOrThrow(commentMessage, payload);
    const member = this.state.members.get(userId);
    if (!member) throw new AppError("MEMBER_NOT_FOUND");
    const address = this.members.seats.occupied(userId)?.address;
    await this.limits.consume("comment", { user_id: userId, ip: address });
    const place = {
      room_id: this.roomId,
      is_public: !this.secrets,
      anime_id: this.state.anime_id,
      episode_number: this.state.episode_number,
    };
    return postComment(this.svc.database.db, place, { user_id: userId, username: member.username }, c);
  }

  private transferHost(userId: string, payload: unknown): void {
    this.members.transfer(userId, parseOrThrow(transferHostMessage, payload).user_id);
  }

  private async updateMember(userId: string, payload: unknown) {
    const patch = parseOrThrow(memberUpdate, payload);
    const member = this.state.members.get(userId);
    if (!member) throw new AppError("MEMBER_NOT_FOUND");
    if (patch.username !== undefined) member.username = patch.username;
    if (patch.avatar_url !== undefined) member.avatar_url = patch.avatar_url;
    await this.store.memberUpdated(userId, patch);
    return member.toJSON();
  }

  // ---- helpers ----

  private sendWelcome(seat: ConnectedSeat<Client>, identityToken?: string): void {
    const { tokenSecret, config } = this.svc;
    const welcome = buildWelcome({
      room_id: this.roomId,
      user_id: seat.user_id,
      stay: seat.stay,
      host_user_id: this.state.host_user_id,
      owner_user_id: this.state.owner_user_id,
      secrets: this.secrets,
      token: { secret: tokenSecret, ttlS: config.MEMBER_TOKEN_TTL_S, nowMs: Date.now() },
      identity_token: identityToken,
    });
    seat.client.send("welcome", welcome);
    metrics.messagesOut.inc({ type: "welcome" });
  }

  private playbackSnapshot(): PlaybackSnapshot {
    const { is_playing, position, updated_at, rate, seq } = this.state.playback;
    return { is_playing, position, updated_at, rate, seq };
  }

  private seatOf(client: Client): OccupiedSeat<Client> {
    const seat = this.members.seats.ofSession(client.sessionId);
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
