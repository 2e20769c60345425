/**
 * The `watch_party` room: a thin translator from Colyseus events and messages to the pure
 * rules in src/sync and to the database. See docs/contract-notes.md for what it promises.
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
  type ControlMessage,
  type WelcomeMessage,
} from "../../schema/messages.ts";
import type { ErrorCode } from "../../schema/errors.ts";
import { AppError } from "../errors.ts";
import { parseOrThrow } from "../validate.ts";
import { services, type Services } from "../services.ts";
import { classifySync, computeDrift } from "../sync/clock.ts";
import { applyHostCommand, initialPlayback, pausedAt, type PlaybackSnapshot } from "../sync/playback.ts";
import { nextHost } from "../sync/succession.ts";
import { isVisibleChange, roundDrift } from "../sync/status-fold.ts";
import { accessKeyMatches, generateAccessKey } from "../security/access-key.ts";
import { signMemberToken } from "../security/member-token.ts";
import { SerialQueue } from "../db/serial-queue.ts";
import * as repo from "../db/rooms-repo.ts";
import { insertComment, viewOf, type CommentView } from "../db/comments-repo.ts";
import { limitPoints, RateLimits } from "../security/rate-limits.ts";
import { metrics } from "../ops/metrics.ts";
import { commentsChannel, publishComment } from "./comment-channel.ts";
import { authorizeSeat, type MemberAuth } from "./admission.ts";
import { dormantPlayback, RESTORE_OPTION } from "./restore.ts";
import { freshSyncView, PendingSeats, type MemberSyncView } from "./member-registry.ts";

/** Answer of the remote methods the HTTP API calls on a live room. */
export type RemoteResult = { ok: true } | { ok: false; code: ErrorCode; message?: string };

export class WatchPartyRoom extends Room<{ state: WatchPartyState }> {
  override state = new WatchPartyState();

  private svc!: Services;
  private accessKey: string | undefined;
  private writes!: SerialQueue;
  private readonly userBySession = new Map<string, string>();
  private readonly sessionByUser = new Map<string, Client>();
  private readonly sync = new Map<string, MemberSyncView>();
  private readonly dirty = new Set<string>();
  private readonly pending = new PendingSeats();
  /** dropped members inside their reconnection window, to end it early on an HTTP leave */
  private readonly reconnections = new Map<string, ReturnType<Room["allowReconnection"]>>();
  /** in-room message limits: a room lives in one process, so memory counts are exact */
  private limits!: RateLimits;
  /** set when the host deletes the room: nothing is written back on dispose */
  private deleted = false;

  static override async onAuth(_token: string, options: unknown, ctx: AuthContext): Promise<MemberAuth> {
    return authorizeSeat(options, ctx);
  }

  override async onCreate(options: Record<string, unknown>): Promise<void> {
    this.svc = services();
    const { config, log } = this.svc;
    this.writes = new SerialQueue((err) => log.error("room write failed", { room_id: this.roomId, err }));
    this.patchRate = config.PATCH_RATE_MS;
    this.maxClients = config.MAX_MEMBERS_PER_ROOM;
    this.maxMessagesPerSecond = config.MAX_MESSAGES_PER_S;
    this.limits = new RateLimits(limitPoints(config));
    this.seatReservationTimeout = config.SEAT_RESERVATION_S;

    const restoreId = options[RESTORE_OPTION];
    if (typeof restoreId === "string") await this.restore(restoreId);
    else await this.createFresh(options);

    if (this.accessKey !== undefined) await this.setPrivate(true);

    this.onMessage("control", (client, payload) =>
      this.handle(client, "control", () => this.onControl(client, payload)),
    );
    this.onMessage("status", (client, payload) =>
      this.handle(client, "status", () => this.onStatus(client, payload)),
    );
    this.onMessage("transfer_host", (client, payload) =>
      this.handle(client, "transfer_host", () => this.onTransferHost(client, payload)),
    );
    this.onMessage("comment", (client, payload) =>
      this.handle(client, "comment", () => this.onComment(client, payload)),
    );
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
      this.foldStatusReports();
      this.ensureHost();
    }, config.STATUS_FLUSH_MS);
    await this.presence.subscribe(commentsChannel(this.roomId), (comment: CommentView) => {
      this.broadcast("comment", comment);
      metrics.messagesOut.inc({ type: "comment" }, this.clients.length);
    });
  }

  private async createFresh(options: Record<string, unknown>): Promise<void> {
    const opts = createRoomOptions.parse(options); // already validated at the edge
    const now = Date.now();
    this.accessKey = opts.is_public ? undefined : generateAccessKey();
    const row = {
      room_id: this.roomId,
      title: opts.title,
      anime_id: opts.anime_id,
      anime_title: opts.anime_title,
      episode_number: opts.episode_number,
      video_url: opts.video_url,
      is_public: opts.is_public,
      access_key: this.accessKey ?? null,
      host_user_id: opts.host_user_id,
      updated_at: now,
      created_at: new Date(now),
      last_active_at: new Date(now),
      status: "live",
    };
    await repo.insertRoom(this.svc.database.db, row);
    this.svc.log.info("room created", {
      room_id: this.roomId,
      is_public: opts.is_public,
      host_user_id: opts.host_user_id,
    });
    this.show(row, initialPlayback(now));
    // the creator's seat is reserved right after creation
    this.pending.admit(opts.host_user_id, now + this.seatReservationTimeout * 1000);
  }

  private async restore(roomId: string): Promise<void> {
    const { db } = this.svc.database;
    const row = await repo.getRoom(db, roomId);
    if (!row) throw new AppError("ROOM_NOT_FOUND");
    this.roomId = row.room_id;
    this.accessKey = row.access_key ?? undefined;
    const playback = dormantPlayback(row);
    this.show(row, playback);
    await repo.closeOpenStays(db, roomId, Date.now());
    await repo.setRoomStatus(db, roomId, "live", playback);
    this.svc.log.info("room restored", { room_id: roomId, position: playback.position });
  }

  /** The room's descriptive fields and playback, into the replicated state. */
  private show(row: Parameters<typeof repo.describeRoom>[0], playback: PlaybackSnapshot): void {
    this.state.assign(repo.describeRoom(row));
    this.setPlayback(playback);
  }

  // ---- admission (called by onAuth through remoteRoomCall, possibly from another process) ----

  /**
   * May this user take a seat? The key of a private room is checked here, where it lives;
   * `throttled` says the caller's address or this room is past the key-guess limit (counted by
   * the process that serves the request). An admitted user_id is held until its seat is taken.
   */
  admit(userId: string, accessKey: string | null, throttled: boolean): RemoteResult {
    if (this.accessKey !== undefined) {
      if (throttled) return { ok: false, code: "TOO_MANY_ATTEMPTS" };
      if (!accessKeyMatches(this.accessKey, accessKey)) {
        const message = accessKey ? "access_key: wrong key" : "access_key: required for a private room";
        return { ok: false, code: "INVALID_ACCESS_KEY", message };
      }
    }
    const now = Date.now();
    if (this.state.members.has(userId) || this.pending.holds(userId, now)) {
      return { ok: false, code: "USER_ALREADY_IN_ROOM" };
    }
    if (this.state.members.size + this.pending.count(now) >= this.maxClients)
      return { ok: false, code: "ROOM_FULL" };
    this.pending.admit(userId, now + this.seatReservationTimeout * 1000);
    return { ok: true };
  }

  /** Snapshots for the HTTP API. */
  describe(): { playback: PlaybackSnapshot; members: unknown[]; host_user_id: string } {
    return {
      playback: this.playbackSnapshot(),
      members: [...this.state.members.values()].map((m) => m.toJSON()),
      host_user_id: this.state.host_user_id,
    };
  }

  /** `POST /api/rooms/:id/control`: the same path as the `control` message. */
  async hostControl(userId: string, payload: unknown): Promise<RemoteResult> {
    return this.remote(async () => {
      if (userId !== this.state.host_user_id) throw new AppError("NOT_HOST");
      await this.applyControl(userId, parseOrThrow(controlMessage, payload));
    });
  }

  /** `POST /api/rooms/:id/leave`: a consented leave, also for a member inside its reconnection window. */
  async leaveUser(userId: string): Promise<RemoteResult> {
    return this.remote(() => {
      const reconnecting = this.reconnections.get(userId);
      const client = this.sessionByUser.get(userId);
      if (reconnecting) reconnecting.reject(new Error("left"));
      else if (client) client.leave(4000);
      else throw new AppError("MEMBER_NOT_FOUND");
    });
  }

  /** `DELETE /api/rooms/:id`: every member is disconnected with a reason; nothing is kept. */
  async deleteRoom(userId: string): Promise<RemoteResult> {
    return this.remote(() => {
      if (userId !== this.state.host_user_id) throw new AppError("NOT_HOST");
      this.deleted = true;
      const { db } = this.svc.database;
      this.writes.push(() => repo.deleteRoom(db, this.roomId));
      for (const r of this.reconnections.values()) r.reject(new Error("deleted"));
      for (const client of this.clients) client.leave(4000, "ROOM_DELETED: the host deleted the room");
      void this.disconnect(4000);
    });
  }

  /** `PATCH /api/rooms/:id/members/:user_id`. */
  async updateMember(userId: string, payload: unknown): Promise<RemoteResult> {
    return this.remote(() => {
      const patch = parseOrThrow(memberUpdate, payload);
      const member = this.state.members.get(userId);
      if (!member) throw new AppError("MEMBER_NOT_FOUND");
      if (patch.username !== undefined) member.username = patch.username;
      if (patch.avatar_url !== undefined) member.avatar_url = patch.avatar_url;
      const { db } = this.svc.database;
      this.writes.push(() => repo.updateMember(db, this.roomId, userId, patch));
    });
  }

  private async remote(fn: () => void | Promise<void>): Promise<RemoteResult> {
    try {
      await fn();
      return { ok: true };
    } catch (err) {
      if (err instanceof AppError) return { ok: false, code: err.code, message: err.message };
      throw err;
    }
  }

  // ---- lifecycle ----

  override onJoin(client: Client, _options: unknown, auth?: MemberAuth): void {
    if (!auth) throw new AppError("UNAUTHORIZED", "joins go through the matchmaker");
    const now = Date.now();
    this.pending.release(auth.user_id);
    this.userBySession.set(client.sessionId, auth.user_id);
    this.sessionByUser.set(auth.user_id, client);

    const hostPresent =
      this.state.members.has(this.state.host_user_id) || this.pending.holds(this.state.host_user_id, now);
    const isHost = auth.user_id === this.state.host_user_id || !hostPresent;
    this.state.members.set(
      auth.user_id,
      new Member({
        user_id: auth.user_id,
        username: auth.username,
        avatar_url: auth.avatar_url ?? "",
        is_host: isHost,
        connected: true,
        joined_at: now,
        position: 0,
        drift: 0,
        sync_status: "unknown",
        last_heartbeat: 0,
      }),
    );
    this.sync.set(auth.user_id, freshSyncView(now));
    const hostChanged = isHost && this.state.host_user_id !== auth.user_id;
    if (isHost) this.state.host_user_id = auth.user_id;

    this.sendWelcome(client, auth.user_id);
    this.svc.log.debug("member joined", { room_id: this.roomId, user_id: auth.user_id, is_host: isHost });
    const { db } = this.svc.database;
    const size = this.state.members.size;
    this.writes.push(() =>
      repo.memberJoined(db, this.roomId, {
        user_id: auth.user_id,
        username: auth.username,
        avatar_url: auth.avatar_url ?? null,
        joined_at: now,
      }),
    );
    this.writes.push(() => repo.recordPeak(db, this.roomId, size));
    if (hostChanged) this.persistHost(false);
  }

  override onDrop(client: Client): void {
    const userId = this.userBySession.get(client.sessionId);
    const member = userId ? this.state.members.get(userId) : undefined;
    if (member) member.connected = false;
    const reconnection = this.allowReconnection(client, this.svc.config.RECONNECT_WINDOW_S);
    if (userId) this.reconnections.set(userId, reconnection);
  }

  override onReconnect(client: Client): void {
    const userId = this.userBySession.get(client.sessionId);
    const member = userId ? this.state.members.get(userId) : undefined;
    if (!userId || !member) return;
    this.reconnections.delete(userId);
    member.connected = true;
    this.sessionByUser.set(userId, client);
    this.sendWelcome(client, userId);
  }

  override onLeave(client: Client): void {
    const userId = this.userBySession.get(client.sessionId);
    this.userBySession.delete(client.sessionId);
    if (!userId) return;
    this.sessionByUser.delete(userId);
    this.reconnections.delete(userId);
    this.sync.delete(userId);
    this.dirty.delete(userId);
    const wasHost = this.state.host_user_id === userId;
    this.svc.log.debug("member left", { room_id: this.roomId, user_id: userId, was_host: wasHost });
    this.state.members.delete(userId);
    const now = Date.now();
    const { db } = this.svc.database;
    if (!this.deleted) this.writes.push(() => repo.memberLeft(db, this.roomId, userId, now));
    if (wasHost) {
      const successor = nextHost(this.state.members.values(), userId);
      if (successor) this.setHost(successor);
    }
  }

  /** Process shutdown (SIGTERM): tell the members, then close; onDispose stores the playback. */
  override onBeforeShutdown(): void {
    this.broadcast("server_shutdown", { reason: "the server is restarting; join this room again by its id" });
    metrics.messagesOut.inc({ type: "server_shutdown" }, this.clients.length);
    void this.disconnect(CloseCode.SERVER_SHUTDOWN);
  }

  override async onDispose(): Promise<void> {
    const { db } = this.svc.database;
    if (!this.deleted) {
      const playback = pausedAt(this.playbackSnapshot(), Date.now());
      this.writes.push(() => repo.setRoomStatus(db, this.roomId, "dormant", playback));
      this.svc.log.info("room dormant", {
        room_id: this.roomId,
        position: playback.position,
        seq: playback.seq,
      });
    }
    await this.writes.drain();
  }

  // ---- messages ----

  private async onControl(client: Client, payload: unknown): Promise<void> {
    const cmd = parseOrThrow(controlMessage, payload);
    this.requireHost(client);
    await this.applyControl(this.userOf(client), cmd);
  }

  /** A host action: rate-limited, applied, flushed to every member at once, then stored. */
  private async applyControl(userId: string, cmd: ControlMessage): Promise<void> {
    await this.limits.consume("control", { user_id: userId });
    const started = performance.now();
    this.setPlayback(applyHostCommand(this.playbackSnapshot(), cmd, Date.now()));
    this.broadcastPatch();
    metrics.hostActionFanout.observe((performance.now() - started) / 1000);
    metrics.messagesOut.inc({ type: "patch" });
    this.persistHost(true);
  }

  private async onComment(client: Client, payload: unknown): Promise<void> {
    const c = parseOrThrow(commentMessage, payload);
    const userId = this.userOf(client);
    const member = this.state.members.get(userId);
    if (!member) return;
    await this.limits.consume("comment", { user_id: userId });
    const row = await insertComment(this.svc.database.db, {
      anime_id: this.state.anime_id,
      episode_number: this.state.episode_number,
      parent_id: c.parent_id === undefined ? undefined : Number(c.parent_id),
      user_id: userId,
      username: member.username,
      message: c.message,
      room_id: this.roomId,
      video_timestamp: c.video_timestamp,
    });
    await publishComment(this.roomId, viewOf(row));
  }

  private onStatus(client: Client, payload: unknown): void {
    const report = parseOrThrow(statusMessage, payload);
    const userId = this.userBySession.get(client.sessionId);
    const view = userId ? this.sync.get(userId) : undefined;
    if (!userId || !view) return;
    const now = Date.now();
    const drift = computeDrift(report.current_time, this.state.playback, now);
    const status = classifySync(
      { drift, buffering: report.buffering === true },
      this.svc.config.SYNC_TOLERANCE_S,
    );
    if (status !== "buffering") metrics.memberDrift.observe(Math.abs(drift));
    view.position = report.current_time;
    view.drift = drift;
    view.sync_status = status;
    view.reported_at = now;
    this.dirty.add(userId);

    if (
      status !== view.last_sample_status ||
      now - view.last_sample_at >= this.svc.config.SAMPLE_INTERVAL_S * 1000
    ) {
      view.last_sample_at = now;
      view.last_sample_status = status;
      this.svc.samples.add({
        room_id: this.roomId,
        user_id: userId,
        at: new Date(now),
        drift,
        sync_status: status,
      });
    }
  }

  private onTransferHost(client: Client, payload: unknown): void {
    const { user_id } = parseOrThrow(transferHostMessage, payload);
    this.requireHost(client);
    const target = this.state.members.get(user_id);
    if (!target || !target.connected)
      throw new AppError("MEMBER_NOT_FOUND", `no connected member "${user_id}"`);
    if (user_id === this.state.host_user_id) return;
    this.setHost(user_id);
  }

  /** Runs on the room clock: only members whose shown status visibly changed touch the state. */
  private foldStatusReports(): void {
    if (this.dirty.size === 0) return;
    const now = Date.now();
    const opts = {
      driftStepS: this.svc.config.DRIFT_DISPLAY_STEP_S,
      refreshS: this.svc.config.MEMBER_REFRESH_S,
    };
    for (const userId of this.dirty) {
      const view = this.sync.get(userId);
      const member = this.state.members.get(userId);
      if (!view || !member) continue;
      if (!isVisibleChange(view.shown, view, now, opts)) continue;
      const drift = roundDrift(view.drift);
      member.position = view.position;
      member.drift = drift;
      member.sync_status = view.sync_status;
      member.last_heartbeat = view.reported_at;
      view.shown = { sync_status: view.sync_status, drift, refreshed_at: now };
    }
    this.dirty.clear();
  }

  // ---- helpers ----

  /**
   * On the room clock: if the recorded host neither holds a seat nor a reservation any more (a
   * creator who never connected), the longest-present member takes over. The patch tick sends
   * it: broadcastPatch() must not run inside a clock callback.
   */
  private ensureHost(): void {
    const host = this.state.host_user_id;
    if (this.state.members.has(host) || this.pending.holds(host, Date.now())) return;
    const successor = nextHost(this.state.members.values());
    if (successor) this.setHost(successor, false);
  }

  private setHost(userId: string, flush = true): void {
    const previous = this.state.members.get(this.state.host_user_id);
    if (previous) previous.is_host = false;
    const next = this.state.members.get(userId);
    if (next) next.is_host = true;
    this.state.host_user_id = userId;
    if (flush) this.broadcastPatch();
    this.persistHost(false);
    const client = this.sessionByUser.get(userId);
    if (client && next?.connected) this.sendWelcome(client, userId);
  }

  private persistHost(hostAction: boolean): void {
    const state = {
      playback: this.playbackSnapshot(),
      host_user_id: this.state.host_user_id,
      host_action: hostAction,
    };
    const { db } = this.svc.database;
    this.writes.push(() => repo.saveHostState(db, this.roomId, state));
  }

  private sendWelcome(client: Client, userId: string): void {
    const isHost = this.state.host_user_id === userId;
    const { tokenSecret, config } = this.svc;
    const welcome: WelcomeMessage = {
      user_id: userId,
      is_host: isHost,
      member_token: signMemberToken(tokenSecret, {
        room_id: this.roomId,
        user_id: userId,
        exp: Date.now() + config.MEMBER_TOKEN_TTL_S * 1000,
      }),
    };
    if (isHost && this.accessKey !== undefined) welcome.access_key = this.accessKey;
    client.send("welcome", welcome);
    metrics.messagesOut.inc({ type: "welcome" });
  }

  private playbackSnapshot(): PlaybackSnapshot {
    const p = this.state.playback;
    return {
      is_playing: p.is_playing,
      position: p.position,
      updated_at: p.updated_at,
      rate: p.rate,
      seq: p.seq,
    };
  }

  private setPlayback(pb: PlaybackSnapshot): void {
    this.state.playback.assign(pb);
  }

  private requireHost(client: Client): void {
    if (this.userBySession.get(client.sessionId) !== this.state.host_user_id) throw new AppError("NOT_HOST");
  }

  private userOf(client: Client): string {
    return this.userBySession.get(client.sessionId) ?? "";
  }

  /** A refused message answers `error` and leaves the sender connected. */
  private async handle(client: Client, type: string, fn: () => void | Promise<void>): Promise<void> {
    metrics.messagesIn.inc({ type });
    try {
      await fn();
    } catch (err) {
      if (err instanceof AppError) this.sendError(client, type, err);
      else {
        this.svc.log.error("message handler failed", { room_id: this.roomId, type, err });
        this.sendError(client, type, new AppError("INTERNAL"));
      }
    }
  }

  private sendError(client: Client, type: string, err: AppError): void {
    client.send("error", { ...err.toBody(), type });
    metrics.messagesOut.inc({ type: "error" });
  }
}
