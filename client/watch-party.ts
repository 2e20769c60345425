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
import { Client, type ClientOptions, type Room } from "@colyseus/sdk";
import type { CommentView } from "../schema/comments.ts";
import type {
  CommentMessage,
  ControlMessage,
  CreateRoomOptions,
  ErrorMessage,
  JoinRoomOptions,
  StatusMessage,
  WelcomeMessage,
} from "../schema/messages.ts";
import type { WatchPartyState } from "../schema/state.ts";
import {
  ClockSync,
  DEFAULT_CLOCK_SCHEDULE,
  nextSampleDelay,
  type ClockEstimate,
  type ClockSchedule,
  type ClockSyncOptions,
} from "./clock-sync.ts";
import { expectedPosition } from "./correction.ts";
import {
  DEFAULT_REJOIN,
  isPermanentJoinError,
  rejoinDelay,
  shouldRejoin,
  type RejoinPolicy,
} from "./rejoin.ts";

export const ROOM_TYPE = "watch_party";

/** `create` options; `is_public` defaults to true. */
export type CreateOptions = Omit<CreateRoomOptions, "is_public"> & { is_public?: boolean };
export type JoinOptions = JoinRoomOptions;
export type ControlAction = ControlMessage["action"];

/** The `comment` message a member sends: `{ message, video_timestamp?, parent_id? }`. */
export type CommentInput = CommentMessage;

/** A stored comment, as the server broadcasts it (and as the HTTP API returns it). */
export type StoredComment = CommentView;

export interface WatchPartyEvents {
  /** after every state patch */
  state: (state: WatchPartyState) => void;
  /** on join, after a reconnect or rejoin, and on becoming host */
  welcome: (welcome: WelcomeMessage) => void;
  /** a message this client sent was refused */
  error: (error: ErrorMessage) => void;
  comment: (comment: StoredComment) => void;
  /** the connection was lost: the SDK is reconnecting, or (after a restart) the room is being joined again */
  drop: (code: number, reason?: string) => void;
  /** the SDK reconnected to the same room */
  reconnect: () => void;
  /** the room was lost (e.g. a server restart) and has been joined again by id */
  rejoin: () => void;
  /** a new clock estimate */
  clock: (estimate: ClockEstimate) => void;
  /** final: this party is closed (by `leave()`, by the server, or rejoining failed) */
  leave: (code: number, reason?: string) => void;
}

export interface WatchPartyOptions {
  /** Options for the Colyseus `Client` when an endpoint URL is given. */
  clientOptions?: ClientOptions;
  /** Local clock in ms. Default `performance.timeOrigin + performance.now()`. */
  now?: () => number;
  clockSync?: Partial<ClockSyncOptions>;
  clockSchedule?: Partial<ClockSchedule>;
  /** Timeout of one `time` request. Default 5 000 ms. */
  timeRequestTimeoutMs?: number;
  /** `room.reconnection.minUptime`: reconnect even after a drop this soon after joining. Default 1 000 ms. */
  minUptimeMs?: number;
  /** Join the room again by id once it is lost for good; `false` to never. Defaults in rejoin.ts. */
  rejoin?: Partial<RejoinPolicy> | false;
  /** How long create/join wait for the first state and the `welcome`. Default 10 000 ms. */
  joinTimeoutMs?: number;
  /**
   * Who this client is: an identity token (AUTH_MODE=guest: one the server issued before;
   * AUTH_MODE=jwt: your site's token). Presented on create, join, rejoin and HTTP calls. Without
   * one, a guest server issues a new identity in `welcome` (see `identityToken`); in browsers it
   * is kept in localStorage (the SDK's `colyseus-auth-token`) and used again next time.
   */
  identityToken?: string;
}

/** Where browsers keep the identity (the key @colyseus/sdk's client.auth restores from). */
const IDENTITY_STORAGE_KEY = "colyseus-auth-token";

type Listeners = { [K in keyof WatchPartyEvents]: Set<WatchPartyEvents[K]> };

function defaultNow(): number {
  return performance.timeOrigin + performance.now();
}

function toClient(endpoint: string | Client, options: WatchPartyOptions): Client {
  const client = typeof endpoint === "string" ? new Client(endpoint, options.clientOptions) : endpoint;
  if (options.identityToken) client.auth.token = options.identityToken;
  return client;
}

/** Keeps a newly issued identity: on the client (rejoins, HTTP calls) and, in browsers, for next time. */
function keepIdentity(client: Client, token: string): void {
  client.auth.token = token;
  try {
    globalThis.localStorage?.setItem(IDENTITY_STORAGE_KEY, token);
  } catch {
    /* storage disabled: the identity lasts for this page */
  }
}

export class WatchParty {
  /** Creates a room; the caller joins it as host. */
  static async create(
    endpoint: string | Client,
    options: CreateOptions,
    partyOptions: WatchPartyOptions = {},
  ): Promise<WatchParty> {
    const client = toClient(endpoint, partyOptions);
    const room = await client.create<WatchPartyState>(ROOM_TYPE, options);
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
    const room = await client.joinById<WatchPartyState>(roomId, options);
    const party = new WatchParty(client, room.roomId, { ...options }, partyOptions);
    await party.adopt(room);
    return party;
  }

  readonly client: Client;
  readonly roomId: string;
  private readonly joinAs: JoinOptions;
  private readonly options: WatchPartyOptions;
  private readonly schedule: ClockSchedule;
  private readonly now: () => number;
  private readonly clockSync: ClockSync;
  private readonly listeners: Listeners = {
    state: new Set(),
    welcome: new Set(),
    error: new Set(),
    comment: new Set(),
    drop: new Set(),
    reconnect: new Set(),
    rejoin: new Set(),
    clock: new Set(),
    leave: new Set(),
  };

  private current!: Room<any, WatchPartyState>;
  private lastWelcome!: WelcomeMessage;
  private closed = false;
  private finished = false;
  /** false from a drop until the SDK reconnects or the room is joined again */
  private online = false;
  /** bumped whenever samples in flight must be ignored (reconnect, rejoin, leave) */
  private clockEpoch = 0;
  private sampleTimer: ReturnType<typeof setTimeout> | undefined;
  private wait: { timer: ReturnType<typeof setTimeout>; done: () => void } | undefined;

  private constructor(client: Client, roomId: string, joinAs: JoinOptions, options: WatchPartyOptions) {
    this.client = client;
    this.roomId = roomId;
    this.joinAs = joinAs;
    this.options = options;
    this.schedule = { ...DEFAULT_CLOCK_SCHEDULE, ...options.clockSchedule };
    this.now = options.now ?? defaultNow;
    this.clockSync = new ClockSync(options.clockSync);
  }

  // ---- reading ----

  /** The underlying Colyseus room (a new one after a rejoin). */
  get room(): Room<any, WatchPartyState> {
    return this.current;
  }
  get state(): WatchPartyState {
    return this.current.state;
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
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  private emit<K extends keyof WatchPartyEvents>(event: K, ...args: Parameters<WatchPartyEvents[K]>): void {
    for (const listener of [...this.listeners[event]]) {
      try {
        (listener as (...a: Parameters<WatchPartyEvents[K]>) => void)(...args);
      } catch (err) {
        console.error(`anisync: a "${event}" listener threw`, err);
      }
    }
  }

  // ---- sending ----

  /** Host only: play, pause or seek the room at `currentTime` seconds. */
  control(action: ControlAction, currentTime: number): void {
    const current_time = Number.isFinite(currentTime) ? Math.max(0, currentTime) : 0;
    this.current.send("control", { action, current_time } satisfies ControlMessage);
  }

  /** This member's playback, about every 3 s and on change (attach() does this). */
  status(report: StatusMessage): void {
    const current_time = Number.isFinite(report.current_time) ? Math.max(0, report.current_time) : 0;
    this.current.send("status", { ...report, current_time } satisfies StatusMessage);
  }

  /** Host only: hand the host role to a connected member. */
  transferHost(userId: string): void {
    this.current.send("transfer_host", { user_id: userId });
  }

  comment(comment: CommentInput | string): void {
    this.current.send("comment", typeof comment === "string" ? { message: comment } : comment);
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
    this.stopClock();
    this.cancelWait();
    const room = this.current;
    if (room.connection?.isOpen) {
      await room.leave(true);
      return;
    }
    // dropped: let the SDK's reconnection stop at its next failure (a late success leaves, below)
    room.reconnection.maxRetries = 0;
    this.finish(4000, "left");
  }

  // ---- wiring ----

  /** Takes over a freshly joined room: listeners, first state + welcome, first clock sample. */
  private async adopt(room: Room<any, WatchPartyState>): Promise<void> {
    this.current = room;
    room.reconnection.minUptime = this.options.minUptimeMs ?? 1_000;

    let live = false;
    let gotState = false;
    let gotWelcome = false;
    let settle: (outcome: string) => void = () => {};
    const ready = new Promise<string>((resolve) => (settle = resolve));
    const check = () => gotState && gotWelcome && settle("ready");

    room.onStateChange((state) => {
      gotState = true;
      check();
      this.emit("state", state);
    });
    room.onMessage("welcome", (welcome: WelcomeMessage) => {
      if (welcome.identity_token) keepIdentity(this.client, welcome.identity_token);
      this.lastWelcome = welcome;
      gotWelcome = true;
      check();
      this.emit("welcome", welcome);
    });
    room.onMessage("error", (error: ErrorMessage) => this.emit("error", error));
    room.onMessage("comment", (comment: StoredComment) => this.emit("comment", comment));
    room.onDrop((code, reason) => {
      this.stopClock();
      this.dropped(code, reason);
    });
    room.onReconnect(() => {
      if (this.closed) {
        void room.leave(true).catch(() => {});
        return;
      }
      this.online = true;
      void this.restartClock();
      this.emit("reconnect");
    });
    room.onLeave((code, reason) => {
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
    await this.restartClock();
  }

  /** The room closed. Rejoin if it may come back, else finish. */
  private async lost(code: number, reason?: string): Promise<void> {
    this.stopClock();
    const policy = this.options.rejoin === false ? undefined : { ...DEFAULT_REJOIN, ...this.options.rejoin };
    if (!policy || !shouldRejoin(code, this.closed)) {
      this.finish(code, reason);
      return;
    }
    this.dropped(code, reason);
    for (let attempt = 1; ; attempt++) {
      const delay = rejoinDelay(attempt, Math.random(), policy);
      if (delay === undefined) break;
      await this.sleep(delay);
      if (this.closed) return this.finish(code, reason);
      try {
        const room = await this.client.joinById<WatchPartyState>(this.roomId, this.rejoinOptions());
        if (this.closed) {
          void room.leave(true).catch(() => {});
          return this.finish(code, reason);
        }
        await this.adopt(room);
        this.emit("rejoin");
        return;
      } catch (err) {
        if (isPermanentJoinError(err)) {
          const message = err instanceof Error ? err.message : String(err);
          return this.finish(code, message);
        }
      }
    }
    this.finish(code, reason);
  }

  /** Emits `drop` once per outage (the SDK reports every failed reconnection attempt). */
  private dropped(code: number, reason?: string): void {
    if (!this.online) return;
    this.online = false;
    this.emit("drop", code, reason);
  }

  /** Who to join as again: the same user (its identity token goes along), with the room's key if it is private. */
  private rejoinOptions(): JoinOptions {
    const options: JoinOptions = { ...this.joinAs };
    const key = this.lastWelcome.access_key ?? this.joinAs.access_key;
    if (key !== undefined) options.access_key = key;
    return options;
  }

  /** Closes the party: emits `leave` once and drops all listeners. */
  private finish(code: number, reason?: string): void {
    if (this.finished) return;
    this.finished = true;
    this.closed = true;
    this.stopClock();
    this.emit("leave", code, reason);
    for (const set of Object.values(this.listeners)) set.clear();
  }

  // ---- clock sampling ----

  /** Forgets the samples and starts a new burst; resolves after its first sample. */
  private restartClock(): Promise<void> {
    this.stopClock();
    this.clockSync.reset();
    return this.sample(this.clockEpoch);
  }

  private stopClock(): void {
    this.clockEpoch++;
    clearTimeout(this.sampleTimer);
    this.sampleTimer = undefined;
  }

  /** One `time` request; schedules the next unless the clock was restarted meanwhile. */
  private async sample(epoch: number): Promise<void> {
    if (epoch !== this.clockEpoch || this.closed) return;
    const room = this.current;
    let failed = true;
    if (room.connection?.isOpen) {
      const sentAt = this.now();
      try {
        const reply: { server_time: number } = await room.request("time", undefined, {
          timeout: this.options.timeRequestTimeoutMs ?? 5_000,
        });
        const receivedAt = this.now();
        if (epoch !== this.clockEpoch) return;
        failed = !this.clockSync.add({ sentAt, serverTime: reply.server_time, receivedAt });
        if (!failed) this.emit("clock", this.clockSync.estimate);
      } catch {
        if (epoch !== this.clockEpoch) return;
      }
    }
    if (epoch !== this.clockEpoch || this.closed) return;
    clearTimeout(this.sampleTimer);
    const delay = nextSampleDelay(
      { samples: this.clockSync.sampleCount, confidence: this.clockSync.confidence, lastFailed: failed },
      this.schedule,
    );
    this.sampleTimer = setTimeout(() => void this.sample(epoch), delay);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.wait = undefined;
        resolve();
      };
      this.wait = { timer: setTimeout(done, ms), done };
    });
  }

  private cancelWait(): void {
    if (!this.wait) return;
    clearTimeout(this.wait.timer);
    this.wait.done();
  }
}
