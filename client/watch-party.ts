/**
 * The AniSync client: one watch party over a Colyseus room (`@colyseus/sdk`).
 *
 * - `WatchParty.create` / `WatchParty.join` resolve once the room's state and the `welcome`
 *   message have arrived and the first clock sample is in.
 * - `serverNow()` is the server's clock, estimated from `room.request("time")` samples
 *   (clock-sync.ts): a burst after joining and after every reconnect, then one every 30 s.
 * - After a dropped socket the SDK reconnects by itself (`room.onReconnect`); the clock is then
 *   sampled afresh. If the room is lost for good (server restart, the SDK gave up), it is joined
 *   again by id with the same user (rejoin.ts); the `rejoin` event says so.
 */
import type { Client, Room } from "@colyseus/sdk";
import type {
  CommentBatchView,
  ControlMessage,
  ErrorMessage,
  QueueItemInput,
  ReactionCountsView,
  ReactionView,
  SegmentInput as Segment,
  StatusMessage,
  WelcomeMessage,
} from "../schema/messages.ts";
import type { WatchPartyState } from "../schema/state.ts";
import { CLOSE_CONSENTED, withProtocol } from "../schema/protocol.ts";
import { ClockSync, DEFAULT_CLOCK_SCHEDULE, type ClockEstimate } from "./clock-sync.ts";
import { ClockLoop } from "./clock-loop.ts";
import { Emitter } from "./events.ts";
import { expectedPosition } from "./correction.ts";
import { keepIdentity, toClient } from "./identity.ts";
import { DEFAULT_REJOIN, shouldRejoin } from "./rejoin.ts";
import { RejoinLoop } from "./rejoin-loop.ts";
import {
  ROOM_TYPE,
  type CommentInput,
  type ControlAction,
  type CreateOptions,
  type JoinOptions,
  type StoredComment,
  type WatchPartyEvents,
  type WatchPartyOptions,
} from "./party-types.ts";

export * from "./party-types.ts";

function defaultNow(): number {
  return performance.timeOrigin + performance.now();
}

/** A position to send: a finite number of seconds, not below 0 (0 for NaN or ±Infinity). */
function seconds(t: number): number {
  return Number.isFinite(t) ? Math.max(0, t) : 0;
}

export class WatchParty {
  /** Creates a room; the caller joins it as host. */
  static async create(
    endpoint: string | Client,
    options: CreateOptions,
    partyOptions: WatchPartyOptions = {},
  ): Promise<WatchParty> {
    const client = toClient(endpoint, partyOptions);
    const room = await client.create<WatchPartyState>(ROOM_TYPE, withProtocol(options));
    const rejoinAs: JoinOptions = {};
    if (options.host_user_id !== undefined) rejoinAs.user_id = options.host_user_id;
    if (options.host_username !== undefined) rejoinAs.username = options.host_username;
    if (options.avatar_url !== undefined) rejoinAs.avatar_url = options.avatar_url;
    const party = new WatchParty(client, room.roomId, rejoinAs, partyOptions);
    await party.adopt(room);
    return party;
  }

  /** Joins a room by id (a dormant room wakes up). */
  static async join(
    endpoint: string | Client,
    roomId: string,
    options: JoinOptions,
    partyOptions: WatchPartyOptions = {},
  ): Promise<WatchParty> {
    const client = toClient(endpoint, partyOptions);
    const room = await client.joinById<WatchPartyState>(roomId, withProtocol(options));
    const party = new WatchParty(client, room.roomId, { ...options }, partyOptions);
    await party.adopt(room);
    return party;
  }

  readonly client: Client;
  readonly roomId: string;
  private readonly joinAs: JoinOptions;
  private readonly options: WatchPartyOptions;
  private readonly now: () => number;
  private readonly clockSync: ClockSync;
  private readonly events = new Emitter<WatchPartyEvents>();

  private current!: Room<unknown, WatchPartyState>;
  /**
   * The room whose state `state` reads: `current` once its first state arrived. A room just joined
   * again has an empty state (no playback, no members) until then; the last one stands meanwhile.
   */
  private stated: Room<unknown, WatchPartyState> | undefined;
  private lastWelcome!: WelcomeMessage;
  private closed = false;
  private finished = false;
  /** false from a drop until the SDK reconnects or the room is joined again */
  private online = false;
  /** samples the server's clock; restarted after every reconnect and rejoin */
  private readonly clockLoop: ClockLoop;
  private readonly rejoins = new RejoinLoop();
  /** joins by id while dropped, in case the room's process died (movedProbeMs) */
  private readonly probes = new RejoinLoop();

  private constructor(client: Client, roomId: string, joinAs: JoinOptions, options: WatchPartyOptions) {
    this.client = client;
    this.roomId = roomId;
    this.joinAs = joinAs;
    this.options = options;
    this.now = options.now ?? defaultNow;
    this.clockSync = new ClockSync(options.clockSync);
    this.clockLoop = new ClockLoop({
      sync: this.clockSync,
      schedule: { ...DEFAULT_CLOCK_SCHEDULE, ...options.clockSchedule },
      now: this.now,
      timeoutMs: options.timeRequestTimeoutMs ?? 5_000,
      room: () => (this.closed ? undefined : this.current),
      onEstimate: (estimate) => this.events.emit("clock", estimate),
    });
  }

  // ---- reading ----

  /** The underlying Colyseus room (a new one after a rejoin). */
  get room(): Room<unknown, WatchPartyState> {
    return this.current;
  }
  /** The room's state (while a lost room is joined again, the last one it had). */
  get state(): WatchPartyState {
    return (this.stated ?? this.current).state;
  }
  get welcome(): WelcomeMessage {
    return this.lastWelcome;
  }
  get userId(): string {
    return this.lastWelcome.user_id;
  }
  get memberToken(): string {
    return this.lastWelcome.member_token;
  }
  /** The private room's key; only the owner and the host learn it. */
  get accessKey(): string | undefined {
    return this.lastWelcome.access_key ?? this.joinAs.access_key;
  }
  /** The private room's invite secret (owner and host); see `inviteLink()`. */
  get invite(): string | undefined {
    return this.lastWelcome.invite;
  }
  /** The identity token this client presents (issued by a guest server, or given). */
  get identityToken(): string | undefined {
    return this.client.auth.token ?? undefined;
  }
  /** Whether this client is the room's owner (its verified creator). */
  get isOwner(): boolean {
    return this.state.owner_user_id === this.userId;
  }
  /** A link that joins this private room without the key: `<base>/?room=<id>#invite=<secret>`. */
  inviteLink(base: string): string | undefined {
    const invite = this.invite;
    if (!invite) return undefined;
    const url = new URL(base);
    url.search = `?room=${encodeURIComponent(this.roomId)}`;
    url.hash = `invite=${invite}`;
    return url.toString();
  }
  /** May play, pause, seek and change the speed: the host, a co-host, or anyone when control is open. */
  get canControl(): boolean {
    const s = this.state;
    return this.isHost || s.members.get(this.userId)?.is_cohost === true || s.settings.control_open;
  }
  /** Whether this client is the host now (from the live state). */
  get isHost(): boolean {
    return this.state.host_user_id === this.userId;
  }
  /** False while the connection is lost (between `drop` and `reconnect` / `rejoin`). */
  get isConnected(): boolean {
    return this.online && !this.closed;
  }
  get isClosed(): boolean {
    return this.closed;
  }
  get clock(): ClockEstimate {
    return this.clockSync.estimate;
  }
  /** True once the server's clock has been sampled at least once. */
  get clockSynced(): boolean {
    return this.clockSync.synced;
  }
  /** The server's clock now, epoch ms (the local clock until the first sample). */
  serverNow(): number {
    return this.clockSync.serverNow(this.now());
  }
  /** Where the host is expected to be now (seconds), from the playback state and `serverNow()`. */
  expectedPosition(): number {
    return expectedPosition(this.state.playback, this.serverNow());
  }

  on<K extends keyof WatchPartyEvents>(event: K, listener: WatchPartyEvents[K]): () => void {
    return this.events.on(event, listener);
  }

  // ---- sending ----

  /** Host only: play, pause or seek the room at `currentTime` seconds. */
  control(action: ControlAction, currentTime: number): void {
    this.current.send("control", { action, current_time: seconds(currentTime) } satisfies ControlMessage);
  }

  /** This member's playback, about every 3 s and on change (attach() does this). */
  status(report: StatusMessage): void {
    this.current.send("status", {
      ...report,
      current_time: seconds(report.current_time),
    } satisfies StatusMessage);
  }

  /** Host only: hand the host role to a connected member. */
  transferHost(userId: string): void {
    this.current.send("transfer_host", { user_id: userId });
  }

  comment(comment: CommentInput | string): void {
    this.current.send("comment", typeof comment === "string" ? { message: comment } : comment);
  }

  /** Host only: the shared speed (0.25–2); every member follows through `playback.rate`. */
  setRate(rate: number): void {
    this.current.send("set_rate", { rate });
  }

  /** Host only: seek everyone past the intro/outro/recap the room is in. */
  skip(): void {
    this.current.send("skip", {});
  }

  /** Host only: the episode's segments (intro, outro, recap) for skip and auto-skip. */
  setSegments(segments: Segment[]): void {
    this.current.send("set_segments", { segments });
  }

  /** Host only: room settings (wait for buffering members; skip segments automatically). */
  settings(patch: { wait_for_buffering?: boolean; auto_skip?: boolean }): void {
    this.current.send("settings", patch);
  }

  /** Host only: start a ready check; playback starts when all are ready or after `timeoutS`. */
  readyCheck(timeoutS: number): void {
    this.current.send("ready_check", { timeout_s: Math.round(timeoutS) });
  }

  /**
   * This member plays its own file instead of the room's video: its name and length in seconds (0 =
   * unknown). Shown on the member (`media_name`, `media_duration_s`; `different_file` when the
   * length is not the episode's). `media("", 0)`: the room's video again.
   */
  media(name: string, durationS: number): void {
    const duration_s = Number.isFinite(durationS) ? Math.min(Math.max(0, durationS), 172_800) : 0;
    this.current.send("media", { name: name.slice(0, 250), duration_s });
  }

  /** Answer the ready check. */
  ready(ready = true): void {
    this.current.send("ready", { ready });
  }

  /** A short emoji reaction at the current (or given) video time. */
  react(emoji: string, videoTimestamp = this.expectedPosition()): void {
    this.current.send("reaction", { emoji, video_timestamp: seconds(videoTimestamp) });
  }

  // ---- the episode queue (host, co-hosts) and moderation (host, owner) ----

  queueAdd(items: QueueItemInput[]): void {
    this.current.send("queue_add", { items });
  }
  queueRemove(itemId: string): void {
    this.current.send("queue_remove", { item_id: itemId });
  }
  queueMove(itemId: string, index: number): void {
    this.current.send("queue_move", { item_id: itemId, index });
  }
  /** Switch to an item now. */
  queueJump(itemId: string): void {
    this.current.send("queue_jump", { item_id: itemId });
  }
  /** Cancel the auto-advance countdown (`state.advance_at`). */
  cancelAdvance(): void {
    this.current.send("advance_cancel", {});
  }
  /** Switch to the next item now. */
  advanceNow(): void {
    this.current.send("advance_now", {});
  }
  /** Host only: name or unname a co-host. */
  setCohost(userId: string, cohost: boolean): void {
    this.current.send("set_cohost", { user_id: userId, cohost });
  }
  removeMember(userId: string, reason?: string): void {
    this.current.send("remove_member", reason ? { user_id: userId, reason } : { user_id: userId });
  }
  ban(userId: string, reason?: string): void {
    this.current.send("ban", reason ? { user_id: userId, reason } : { user_id: userId });
  }
  unban(userId: string): void {
    this.current.send("unban", { user_id: userId });
  }
  mute(userId: string, muted = true): void {
    this.current.send("mute", { user_id: userId, muted });
  }

  /** The segment the room is in now (for a "Skip intro" button), if any. */
  currentSegment(): Segment | undefined {
    const at = this.expectedPosition();
    const s = [...this.state.segments].find((seg) => at >= seg.start_s && at < seg.end_s);
    return s ? { kind: s.kind as Segment["kind"], start_s: s.start_s, end_s: s.end_s } : undefined;
  }

  /** Owner only: new key and invite for a private room (the old ones stop working). */
  async rotateAccess(): Promise<{ access_key: string; invite: string }> {
    const res = await this.client.http.post(`/api/rooms/${encodeURIComponent(this.roomId)}/access`, {
      headers: this.identityToken ? {} : { authorization: `Bearer ${this.memberToken}` },
    });
    return (res.data as { data: { access_key: string; invite: string } }).data;
  }

  /** Leaves the room for good (consented: the seat is released at once). */
  async leave(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clockLoop.stop();
    this.rejoins.cancel();
    this.probes.cancel();
    const room = this.current;
    if (room.connection?.isOpen) {
      await room.leave(true);
      return;
    }
    // dropped: let the SDK's reconnection stop at its next failure (a late success leaves, below)
    room.reconnection.maxRetries = 0;
    this.finish(CLOSE_CONSENTED, "left");
  }

  // ---- wiring ----

  /** Takes over a freshly joined room: listeners, first state + welcome, first clock sample. */
  private async adopt(room: Room<unknown, WatchPartyState>): Promise<void> {
    this.current = room;
    room.reconnection.minUptime = this.options.minUptimeMs ?? 1_000;

    let live = false;
    let gotState = false;
    let gotWelcome = false;
    let settle: (outcome: string) => void = () => {};
    const ready = new Promise<string>((resolve) => (settle = resolve));
    const check = () => gotState && gotWelcome && settle("ready");

    room.onStateChange((state) => {
      if (room === this.current) this.stated = room;
      gotState = true;
      check();
      this.events.emit("state", state);
    });
    room.onMessage("welcome", (welcome: WelcomeMessage) => {
      if (welcome.identity_token) keepIdentity(this.client, welcome.identity_token);
      this.lastWelcome = welcome;
      gotWelcome = true;
      check();
      this.events.emit("welcome", welcome);
    });
    room.onMessage("error", (error: ErrorMessage) => this.events.emit("error", error));
    room.onMessage("comment", (comment: StoredComment) => this.events.emit("comment", comment));
    // a big room sends its comments once a second, in one message: the same `comment` events
    room.onMessage("comment_batch", (batch: CommentBatchView) => {
      for (const comment of batch.comments) this.events.emit("comment", comment);
    });
    room.onMessage("reaction", (reaction: ReactionView) => this.events.emit("reaction", reaction));
    room.onMessage("reaction_counts", (counts: ReactionCountsView) =>
      this.events.emit("reaction_counts", counts),
    );
    room.onDrop((code, reason) => {
      if (room !== this.current) return;
      this.clockLoop.stop();
      this.dropped(code, reason);
      this.probeMoved(room);
    });
    room.onReconnect(() => {
      if (this.closed || room !== this.current) {
        void room.leave(true).catch(() => {});
        return;
      }
      this.online = true;
      this.probes.cancel();
      void this.clockLoop.restart();
      this.events.emit("reconnect");
    });
    room.onLeave((code, reason) => {
      if (room !== this.current) return; // a room this party moved away from
      if (live) void this.lost(code, reason);
      else settle(`room closed (${code}${reason ? `: ${reason}` : ""})`);
    });

    const timeoutMs = this.options.joinTimeoutMs ?? 10_000;
    const timer = setTimeout(() => settle(`no state and welcome within ${timeoutMs} ms`), timeoutMs);
    const outcome = await ready;
    clearTimeout(timer);
    if (outcome !== "ready") {
      if (room.connection?.isOpen) void room.leave(true).catch(() => {});
      throw new Error(`could not join room ${room.roomId}: ${outcome}`);
    }
    live = true;
    this.online = true;
    await this.clockLoop.restart();
  }

  /** The room closed. Rejoin if it may come back, else finish. */
  private async lost(code: number, reason?: string): Promise<void> {
    this.clockLoop.stop();
    const policy = this.options.rejoin === false ? undefined : { ...DEFAULT_REJOIN, ...this.options.rejoin };
    if (!policy || !shouldRejoin(code, this.closed)) {
      this.finish(code, reason);
      return;
    }
    this.dropped(code, reason);
    const cancelled = () => this.closed;
    const outcome = await this.rejoins.run(policy, cancelled, () => this.joinAgain(cancelled));
    if (outcome.kind === "joined") this.events.emit("rejoin");
    else this.finish(code, outcome.kind === "refused" ? outcome.message : reason);
  }

  /**
   * While `from` is dropped, joins the room by id through the endpoint (movedProbeMs): refused
   * while the old process holds the seat, a success once the room moved to another process.
   */
  private probeMoved(from: Room<unknown, WatchPartyState>): void {
    const first = this.options.movedProbeMs ?? 500;
    if (first === false || this.options.rejoin === false) return;
    const policy = {
      ...DEFAULT_REJOIN,
      ...this.options.rejoin,
      baseDelayMs: first,
      // doubling up to 8 s: each try counts against the join rate limit (RATE_JOIN_PER_MIN, 10 by default)
      maxDelayMs: 8_000,
      jitter: 0.2,
    };
    const gone = () => this.closed || this.online || this.current !== from;
    void this.probes
      .run(policy, gone, () =>
        // its process is gone: stop reconnecting there
        this.joinAgain(gone, () => (from.reconnection.maxRetries = 0)),
      )
      .then((outcome) => {
        if (outcome.kind === "joined") this.events.emit("rejoin");
      });
  }

  /** Emits `drop` once per outage (the SDK reports every failed reconnection attempt). */
  private dropped(code: number, reason?: string): void {
    if (!this.online) return;
    this.online = false;
    this.events.emit("drop", code, reason);
  }

  /**
   * One attempt to join the room again by id, as the same user (its identity token goes along),
   * with the room's key if it is private; false (and the room left) if `gone()` became true meanwhile.
   */
  private async joinAgain(gone: () => boolean, beforeAdopt?: () => void): Promise<boolean> {
    const options: JoinOptions = { ...this.joinAs };
    const key = this.accessKey;
    if (key !== undefined) options.access_key = key;
    const room = await this.client.joinById<WatchPartyState>(this.roomId, withProtocol(options));
    if (gone()) {
      void room.leave(true).catch(() => {});
      return false;
    }
    beforeAdopt?.();
    await this.adopt(room);
    return true;
  }

  /** Closes the party: emits `leave` once and drops all listeners. */
  private finish(code: number, reason?: string): void {
    if (this.finished) return;
    this.finished = true;
    this.closed = true;
    this.clockLoop.stop();
    this.events.emit("leave", code, reason);
    this.events.clear();
  }
}
