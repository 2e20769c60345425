/**
 * A watch party's behaviour, without Colyseus: who is in it (membership.ts), who may enter
 * (room-access.ts), playback and group playback (group-playback.ts), the queue (room-queue.ts),
 * status reports (status-board.ts), set-up (room-setup.ts) and storage (room-store.ts). The room
 * class hands it connections, messages and HTTP calls; it answers through `PartyHooks`.
 */
import type { WatchPartyState } from "../../schema/state.ts";
import { CLOSE, codedMessage } from "../../schema/protocol.ts";
import { mediaMessage, statusMessage, transferHostMessage } from "../../schema/messages.ts";
import { AppError } from "../errors.ts";
import { parseOrThrow } from "../validate.ts";
import type { Services } from "../services.ts";
import { pausedAt } from "../sync/playback.ts";
import { BufferHolds } from "../sync/buffer-holds.ts";
import { expectedPosition } from "../sync/clock.ts";
import { generateAccessKey, generateInviteSecret } from "../security/access-key.ts";
import type { MemberClaims } from "../security/member-token.ts";
import { limitPoints, RateLimits } from "../security/rate-limits.ts";
import * as repo from "../db/rooms-repo.ts";
import type { CommentView } from "../db/comments-repo.ts";
import { metrics } from "../ops/metrics.ts";
import type { AdmitContext, MemberAuth } from "./admission.ts";
import { GroupPlayback } from "./group-playback.ts";
import { MemberMedia } from "./member-media.ts";
import { Membership } from "./membership.ts";
import { Moderation } from "./moderation.ts";
import { HostControl, snapshotOf } from "./host-control.ts";
import { wirePartyMessages } from "./party-messages.ts";
import { checkAccess, type Presented, type RoomSecrets } from "./room-access.ts";
import { MemberPosts } from "./member-posts.ts";
import { RoomQueue } from "./room-queue.ts";
import { createRoom, restoreRoom } from "./room-setup.ts";
import { RoomStore } from "./room-store.ts";
import type { Hold } from "../cluster/room-holds.ts";
import type { ConnectedSeat, OccupiedSeat } from "./seats.ts";
import { answer, type MemberAction, type OwnerAction, type RemoteResult } from "./remote.ts";
import type { ContextField, KnownContext } from "./stated-context.ts";
import { StatusBoard } from "./status-board.ts";
import { buildWelcome } from "./welcome.ts";
import { Roster } from "./roster.ts";
import { Crowd } from "./crowd.ts";
import { membersPage, type MembersPageQuery } from "./members-page.ts";

/** buffering this soon after a playback change is the change itself (players buffer after a seek) */
const HOLD_GRACE_MS = 1500;

/** A connection as the party needs it (Colyseus's Client is one). */
export interface Connection {
  sessionId: string;
  send(type: string, message: unknown): void;
  leave(code?: number, reason?: string): void;
}

export interface PartyHooks {
  roomId: () => string;
  /** send the state's changes to every member now (never from a room-clock callback) */
  flush(): void;
  /** a message to every member; answers how many */
  broadcast(type: string, message: unknown): number;
  /** every connection leaves with this code and reason, and the room closes */
  closeAll(code: number, reason: string): void;
  maxSeats(): number;
  reservationMs(): number;
}

type Handler<C> = (seat: OccupiedSeat<C>, payload: unknown) => unknown;

export class Party<C extends Connection> {
  private readonly svc: Services;
  private readonly state: WatchPartyState;
  private readonly hooks: PartyHooks;
  private readonly store: RoomStore;
  private readonly board: StatusBoard;
  private readonly members: Membership<C>;
  /** every member; the state shows all or, in audience mode, some (roster.ts) */
  private readonly roster: Roster;
  /** comments, reactions and the sync summary, shaped by the room's size (crowd.ts) */
  private readonly crowd: Crowd;
  private readonly group: GroupPlayback;
  private readonly queue: RoomQueue;
  private readonly media: MemberMedia;
  private readonly moderation: Moderation<C>;
  /** in-room message limits: a room lives in one process, so memory counts are exact */
  private readonly limits: RateLimits;
  /** play, pause and seek, from the message to every member's patch (host-control.ts) */
  private readonly host: HostControl;
  /** comments and members' own names and avatars (member-posts.ts) */
  private readonly posts: MemberPosts;
  /** a private room's key and invite; undefined for a public room */
  private secrets: RoomSecrets | undefined;
  /** set when the owner deletes the room: nothing is written back on dispose */
  private deleted = false;
  /** this copy's claim on the room (its generation); fenced when another process took the room */
  private hold: Hold | undefined;
  /** another process took the room: this copy closes and writes nothing more */
  superseded = false;
  /** the room messages a member may send, by type */
  readonly handlers = new Map<string, Handler<C>>();

  constructor(svc: Services, state: WatchPartyState, hooks: PartyHooks) {
    this.svc = svc;
    this.state = state;
    this.hooks = hooks;
    const { config, log, database } = svc;
    const logged = (msg: string, fields: Record<string, unknown>) =>
      log.info(msg, { room_id: hooks.roomId(), ...fields });
    this.store = new RoomStore(database.db, hooks.roomId, svc.outboxes, log);
    this.board = new StatusBoard(config, svc.samples, hooks.roomId);
    this.limits = new RateLimits(limitPoints(config));
    const holds = new BufferHolds({
      waitS: config.BUFFER_WAIT_S,
      holdsMax: config.BUFFER_HOLDS_MAX,
      windowS: 600,
      graceMs: HOLD_GRACE_MS,
    });
    this.roster = new Roster(
      state,
      { above: config.AUDIENCE_MODE_ABOVE, visibleMax: config.AUDIENCE_VISIBLE_MAX },
      () => this.members.cohostIds(), // membership is made below, members come later
    );
    this.crowd = new Crowd(state, this.roster, config.ROOM_CHAT_PER_S, {
      broadcast: (type, message) => hooks.broadcast(type, message),
      sendTo: (userId, type, message) => {
        const seat = this.members.seats.occupied(userId);
        if (seat?.phase !== "connected") return false;
        seat.client.send(type, message);
        return true;
      },
    });
    this.group = new GroupPlayback(state, this.roster, holds, {
      apply: (cmd, flush) => void this.host.apply(cmd, flush),
      log: logged,
    });
    this.media = new MemberMedia(state, this.roster);
    this.queue = new RoomQueue(state, config.ADVANCE_COUNTDOWN_S, {
      apply: (cmd, flush) => void this.host.apply(cmd, flush),
      hostTookOver: () => this.group.hostTookOver(),
      store: (queue, current) =>
        void this.store.settings({
          queue,
          current_item: current.item_id,
          anime_id: current.anime_id,
          anime_title: current.anime_title,
          episode_number: current.episode_number,
          video_url: current.video_url,
          segments: current.segments,
        }),
      log: logged,
      changed: () => this.media.refresh(),
    });
    this.members = new Membership<C>(state, this.roster, this.store, log, hooks.roomId, {
      flush: () => hooks.flush(),
      welcome: (seat) => this.sendWelcome(seat),
      playback: () => snapshotOf(this.state.playback),
      isMuted: (userId) => this.moderation.isMuted(userId), // moderation is made next, joins come later
    });
    this.moderation = new Moderation<C>(state, database.db, hooks.roomId, this.members, (label, write) =>
      this.store.direct(label, write),
    );
    this.host = new HostControl({
      state,
      roster: this.roster,
      limits: this.limits,
      store: this.store,
      flush: () => hooks.flush(),
      tookOver: () => this.group.hostTookOver(),
      known: (userId, fields) => this.known(userId, fields),
    });
    this.posts = new MemberPosts({
      state,
      roster: this.roster,
      limits: this.limits,
      store: this.store,
      writeWaits: svc.writeWaits,
      roomId: hooks.roomId,
      isPublic: () => !this.secrets,
      addressOf: (userId) => this.members.seats.occupied(userId)?.address,
      known: (userId, fields) => this.known(userId, fields),
    });
    this.wireMessages();
  }

  get isPrivate(): boolean {
    return this.secrets !== undefined;
  }

  /** Created fresh from verified options, or restored by id; the creator's seat is reserved. */
  async begin(
    options: Record<string, unknown>,
    restoreId: string | undefined,
    processId?: string,
  ): Promise<void> {
    const { db } = this.svc.database;
    const roomId = this.hooks.roomId();
    const start =
      restoreId !== undefined
        ? await restoreRoom(db, restoreId, processId)
        : await createRoom(db, roomId, options, processId);
    const hold: Hold = {
      roomId,
      epoch: start.epoch,
      fence: () => this.supersede(),
      playing: () => this.state.playback.is_playing,
    };
    this.hold = hold;
    this.store.hold(start.epoch, (err) =>
      this.svc.holds.fence(hold, "a write was refused", err.currentEpoch),
    );
    this.svc.holds.take(hold);
    this.secrets = start.secrets;
    this.store.opened(start.write_version);
    this.state.assign(start.described);
    this.state.playback.assign(start.playback);
    this.state.settings.assign(start.settings);
    this.queue.load(start.queue, start.current_item, start.segments);
    this.members.loadCohosts(start.cohosts);
    await this.moderation.load();
    const { owner } = start;
    if (owner) this.members.seats.reserve(owner.user_id, owner.stay, Date.now() + this.hooks.reservationMs());
    this.svc.log.info(owner ? "room created" : "room restored", {
      room_id: roomId,
      is_public: start.described.is_public,
      position: start.playback.position,
    });
  }

  // ---- HTTP and admission ----

  /** May this user take a seat? Held for the seat-reservation time once admitted. */
  async admit(userId: string, stay: string, given: Presented, ctx: AdmitContext): Promise<RemoteResult> {
    return answer(async () => {
      if (this.moderation.isBanned(userId)) throw new AppError("BANNED");
      const known =
        this.secrets !== undefined &&
        ctx.verified &&
        (userId === this.state.owner_user_id ||
          this.members.wasSeated(userId) ||
          (await repo.wasMember(this.svc.database.db, this.hooks.roomId(), userId)));
      const verdict = checkAccess(this.secrets, given, { formerMember: known, throttled: ctx.throttled });
      if (!verdict.ok) throw new AppError(verdict.code, verdict.message);
      const now = Date.now();
      this.members.reserve(
        userId,
        stay,
        now,
        now + this.hooks.reservationMs(),
        this.hooks.maxSeats(),
        ctx.pending,
      );
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
          const { stored } = await this.host.control(seat.user_id, payload);
          const view = () => ({ ...snapshotOf(this.state.playback), server_time: Date.now() });
          // an HTTP caller is answered once it is stored, or as pending after HTTP_WRITE_WAIT_S
          return this.svc.writeWaits.within(stored.then(view), view);
        }
        case "update_member":
          return this.posts.update(seat.user_id, payload, (report) =>
            this.handlers.get("status")!(seat, report),
          );
        case "comment":
          return this.svc.writeWaits.within(this.posts.comment(seat.user_id, payload), () => null);
        case "message": {
          const { type, payload: body } = (payload ?? {}) as { type?: string; payload?: unknown };
          const handler = type === undefined ? undefined : this.handlers.get(type);
          if (!handler) throw new AppError("INVALID_INPUT", `type: no room message "${String(type)}"`);
          await handler(seat, body ?? {});
          return { type, done: true };
        }
      }
    });
  }

  /** The owner's actions; answered after they are stored. */
  async ownerAct(userId: string, action: OwnerAction): Promise<RemoteResult> {
    return answer(async () => {
      if (userId !== this.state.owner_user_id) throw new AppError("NOT_OWNER");
      if (action === "delete") {
        // the room closes once the delete is stored (also when that is after the caller's answer)
        const deleted = this.store.deleted().then(() => {
          if (this.hold) this.svc.holds.release(this.hold);
          this.deleted = true;
          for (const seat of this.members.seats.occupiedSeats())
            if (seat.phase === "reconnecting") seat.end();
          this.hooks.closeAll(CLOSE.CONSENTED, codedMessage("ROOM_DELETED", "the owner deleted the room"));
          return undefined;
        });
        return this.svc.writeWaits.within(deleted, () => null);
      }
      if (!this.secrets) throw new AppError("INVALID_INPUT", "a public room has no key to rotate");
      const secrets = { access_key: generateAccessKey(), invite_secret: generateInviteSecret() };
      const answer = { access_key: secrets.access_key, invite: secrets.invite_secret };
      // the new key works once it is stored
      const rotated = this.store.access(secrets).then(() => {
        this.secrets = secrets;
        this.svc.log.info("access rotated", { room_id: this.hooks.roomId() });
        for (const id of new Set([this.state.owner_user_id, this.state.host_user_id]))
          this.members.welcomeIfConnected(id);
        return answer;
      });
      return this.svc.writeWaits.within(rotated, () => answer);
    });
  }

  /** The room for HTTP: playback, roles, counts and a page of members (members-page.ts). */
  describe(page: MembersPageQuery = {}) {
    return {
      playback: snapshotOf(this.state.playback),
      ...membersPage(this.roster.values(), page),
      host_user_id: this.state.host_user_id,
      owner_user_id: this.state.owner_user_id,
    };
  }

  /** A stored comment reached the room (from any process). */
  deliverComment(comment: CommentView): void {
    this.crowd.comment(comment, Date.now());
  }

  // ---- connections ----

  join(auth: MemberAuth, client: C): void {
    this.sendWelcome(this.members.join(auth, client, Date.now()), auth.identity_token);
  }

  drop(sessionId: string, end: () => void): void {
    this.members.drop(sessionId, end);
  }

  reconnect(sessionId: string, client: C): void {
    const seat = this.members.reconnect(sessionId, client);
    if (seat) this.sendWelcome(seat);
  }

  leave(sessionId: string): void {
    const seat = this.members.leave(sessionId, { store: !this.deleted });
    if (!seat) return;
    this.board.forget(seat.user_id);
    this.group.forget(seat.user_id, true);
  }

  seatOf(sessionId: string): OccupiedSeat<C> {
    const seat = this.members.seats.ofSession(sessionId);
    if (!seat) throw new AppError("UNAUTHORIZED", "not a member of this room");
    return seat;
  }

  /** On the room clock: holds, ready checks, auto-skip, the queue's countdown, status folding, the host. */
  tick(): void {
    const now = Date.now();
    this.group.tick(now);
    this.queue.tick(now, expectedPosition(this.state.playback, now));
    this.board.fold(this.roster);
    this.members.ensureHost(now);
  }

  /** Whether the crowd's once-a-second figures and batches are due (crowd.ts). */
  crowdDue(nowMs: number): boolean {
    return this.crowd.due(nowMs);
  }

  /** On the patch tick: the crowd's figures, comment batch and reaction counts, when due. */
  crowdTick(nowMs: number): void {
    this.crowd.tick(nowMs);
  }

  /** The room is going away: unless deleted, it sleeps paused where it is; every write is drained. */
  async dispose(): Promise<void> {
    if (this.hold) this.svc.holds.release(this.hold);
    if (!this.deleted && !this.superseded) {
      const playback = pausedAt(snapshotOf(this.state.playback), Date.now());
      void this.store.dormant(playback);
      this.svc.log.info("room dormant", {
        room_id: this.hooks.roomId(),
        position: playback.position,
        seq: playback.seq,
      });
    }
    await this.store.drain();
  }

  /** Another process took the room (room-holds.ts): everyone is told to join it there, by id. */
  private supersede(): void {
    this.superseded = true;
    for (const seat of this.members.seats.occupiedSeats()) if (seat.phase === "reconnecting") seat.end();
    this.hooks.closeAll(
      CLOSE.ROOM_MOVED,
      codedMessage("ROOM_MOVED", "the room moved to another server process; join it again by its id"),
    );
  }

  // ---- messages ----

  private wireMessages(): void {
    const on = (type: string, fn: Handler<C>) => this.handlers.set(type, fn);
    on("control", (seat, payload) => this.host.control(seat.user_id, payload));
    on("status", (seat, payload) => {
      const report = parseOrThrow(statusMessage, payload);
      this.board.report(seat.user_id, seat.sync, report, this.state.playback);
      this.group.report(seat.user_id, report.buffering === true, Date.now());
      if (report.ended && seat.user_id === this.state.host_user_id) this.queue.reportEnded();
    });
    on("transfer_host", (seat, payload) =>
      this.members.transfer(seat.user_id, parseOrThrow(transferHostMessage, payload).user_id),
    );
    on("comment", (seat, payload) => this.posts.comment(seat.user_id, payload));
    on("media", (seat, payload) => this.media.report(seat.user_id, parseOrThrow(mediaMessage, payload)));
    wirePartyMessages(
      {
        state: this.state,
        group: this.group,
        queue: this.queue,
        store: this.store,
        limits: this.limits,
        reactions: this.svc.reactions,
        moderation: this.moderation,
        setCohost: (userId, on) => this.members.setCohost(userId, on),
        authorize: (userId, permission) => this.host.authorize(userId, permission),
        apply: (cmd, flush) => this.host.apply(cmd, flush),
        reaction: (view) => this.crowd.reaction(view),
      },
      on,
    );
  }

  /** What the server knows of `fields` for a request by `userId` (src/rooms/stated-context.ts). */
  private known(userId: string, fields: readonly ContextField[]): KnownContext {
    const all: Record<ContextField, string | number | undefined> = {
      room_id: this.hooks.roomId(),
      anime_id: this.state.anime_id,
      episode_number: this.state.episode_number,
      user_id: userId,
      host_user_id: userId,
      username: this.roster.get(userId)?.username,
    };
    const out: KnownContext = {};
    for (const f of fields) if (all[f] !== undefined) out[f] = all[f];
    return out;
  }

  private sendWelcome(seat: ConnectedSeat<C>, identityToken?: string): void {
    const { tokenSecret, config } = this.svc;
    const welcome = buildWelcome({
      room_id: this.hooks.roomId(),
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
}
