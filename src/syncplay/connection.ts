/**
 * One Syncplay client's TCP connection: reads its lines, joins the room as an ordinary member
 * (through `open`, i.e. matchmaking), and translates both ways with the pure rules of
 * codec.ts, playstate.ts, access.ts and roster.ts. Anything hostile (a line over 64 KB, bad
 * JSON, an unknown type, a flood, silence) ends this connection only, with a Syncplay `Error`.
 */
import type { Socket } from "node:net";
import type { WatchParty } from "../../client/watch-party.ts";
import type { StoredComment } from "../../client/party-types.ts";
import type { ErrorMessage, ReactionView } from "../../schema/messages.ts";
import { decodeLine, encode, LineSplitter, type ClientMessage, type FileIn, type SetIn } from "./codec.ts";
import { closedText, credentialsOf, displayName, refusalText, type Credentials } from "./access.ts";
import {
  changeAsControl,
  CORRECT_COOLDOWN_S,
  CORRECT_DRIFT_S,
  expectedAt,
  isJump,
  roomPlaystate,
  StateExchange,
  type Playstate,
  type RoomPlayback,
} from "./playstate.ts";
import { helloAnswer, listAnswer, MAX_CHAT_LENGTH, syncplayNames, userEvent } from "./roster.ts";
import { FloodGuard } from "./flood.ts";

export interface JoinRequest {
  room: string;
  username: string;
  credentials: Credentials;
  /** the Syncplay client's address (its key guesses and limits count against it) */
  address: string;
}

export interface ConnectionDeps {
  /** joins the room through matchmaking; rejects with the SDK's "CODE: message" error */
  open(request: JoinRequest): Promise<WatchParty>;
  /** Syncplay files of members connected through this process, per room */
  files: Map<string, Map<string, FileIn>>;
  /** how often the room's playback is sent as a routine State */
  stateIntervalMs: number;
  /** a connection that sends nothing for this long is closed */
  idleTimeoutMs: number;
  /** counts a closed connection by reason (bounded labels) */
  onClose(reason: CloseReason): void;
  /** counts an incoming message by type (bounded labels) */
  onMessage(type: string): void;
  log: { warn(msg: string, fields?: Record<string, unknown>): void };
  motd: string;
}

export type CloseReason =
  | "client"
  | "line_too_long"
  | "malformed"
  | "flood"
  | "idle"
  | "refused"
  | "removed"
  | "room_closed"
  | "shutdown";

const ANISYNC = "AniSync";
/** messages a client may send while its join is under way */
const MAX_EARLY_MESSAGES = 50;

export class SyncplayConnection {
  private readonly splitter = new LineSplitter();
  private readonly exchange = new StateExchange();
  private readonly flood = new FloodGuard();
  private phase: "greeting" | "joining" | "joined" | "closed" = "greeting";
  private early: ClientMessage[] = [];
  private party?: WatchParty;
  private room = "";
  private name = "";
  private lastSeq = -1;
  private lastPlayback?: RoomPlayback;
  /** our own control, until the room's playback shows it: what we told the client meanwhile */
  private ownControl?: { fromSeq: number; playstate: Playstate; atMs: number };
  /** when we last moved this client's player (a forced State): no correction for a while after */
  private lastForcedS = 0;
  private lastReport?: { position: number; paused: boolean; atS: number };
  private members = new Map<string, string>();
  private readyCheckActive = false;
  private ticker?: NodeJS.Timeout;
  private idle?: NodeJS.Timeout;

  private readonly socket: Socket;
  private readonly deps: ConnectionDeps;

  constructor(socket: Socket, deps: ConnectionDeps) {
    this.socket = socket;
    this.deps = deps;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => this.close("client"));
    socket.on("close", () => this.close("client"));
    this.touch();
  }

  // ---- incoming lines ----

  private onData(chunk: Buffer): void {
    if (this.phase === "closed") return;
    this.touch();
    const { lines, tooLong } = this.splitter.push(chunk);
    for (const line of lines) {
      if (this.isClosed()) return;
      const decoded = decodeLine(line);
      if (!decoded) continue;
      if (!decoded.ok) {
        this.deps.onMessage("unknown");
        this.fail("malformed", `Malformed message (${decoded.reason}); closing the connection.`);
        return;
      }
      this.deps.onMessage(decoded.message.type);
      if (!this.flood.allow(decoded.message.type, Date.now())) {
        this.fail("flood", "Too many messages; closing the connection.");
        return;
      }
      this.handle(decoded.message);
    }
    if (tooLong) this.fail("line_too_long", "A message over 64 KB; closing the connection.");
  }

  private handle(msg: ClientMessage): void {
    if (this.phase === "greeting") {
      if (msg.type === "TLS") this.write({ TLS: { startTLS: "false" } });
      else if (msg.type === "Hello") void this.join(msg.hello.room, msg.hello.username, msg.hello);
      else this.fail("malformed", "Send Hello first.");
      return;
    }
    if (this.phase === "joining") {
      if (this.early.length >= MAX_EARLY_MESSAGES) this.fail("flood", "Too many messages; closing.");
      else this.early.push(msg);
      return;
    }
    if (this.phase !== "joined" || !this.party) return;
    switch (msg.type) {
      case "State":
        this.onState(msg.state);
        break;
      case "Set":
        this.onSet(msg.set);
        break;
      case "List":
        this.sendList();
        break;
      case "Chat":
        this.onChat(msg.message);
        break;
      case "Error":
        this.close("client");
        break;
      case "TLS":
      case "Hello":
        break;
    }
  }

  // ---- joining ----

  private async join(room: string, username: string, hello: { version: string; password?: string }) {
    this.phase = "joining";
    clearTimeout(this.idle); // the client waits for our Hello: its silence is ours
    const address = this.socket.remoteAddress ?? "unknown";
    let party: WatchParty;
    try {
      const typed = await credentialsOf(room, hello.password);
      this.room = typed.room;
      party = await this.deps.open({
        room: typed.room,
        username: displayName(username),
        credentials: typed.credentials,
        address,
      });
    } catch (err) {
      this.fail("refused", refusalText(this.room, err));
      return;
    }
    if (this.phase !== "joining") {
      await party.leave().catch(() => {});
      return;
    }
    this.party = party;
    this.phase = "joined";
    this.members = syncplayNames(party.state.members.values());
    this.name = this.members.get(party.userId) ?? displayName(username);
    this.write(helloAnswer(this.name, this.room, hello.version, this.deps.motd));
    this.write({ Set: { ready: { username: this.name, isReady: true, manuallyInitiated: false } } });
    this.write({ Set: { playlistChange: { user: null, files: [] } } });
    this.write({ Set: { playlistIndex: { user: null, index: null } } });
    this.wireParty(party);
    this.onRoomState(true);
    this.ticker = setInterval(() => this.tick(), this.deps.stateIntervalMs);
    this.touch();
    for (const msg of this.early.splice(0)) this.handle(msg);
  }

  private wireParty(party: WatchParty): void {
    party.on("state", () => this.onRoomState(false));
    party.on("comment", (c: StoredComment) => this.chat(c.username, c.message));
    party.on("reaction", (r: ReactionView) => {
      const name = this.members.get(r.user_id) ?? "someone";
      this.chat(name, r.emoji);
    });
    party.on("error", (e: ErrorMessage) => this.onRoomError(e));
    party.on("leave", (code, reason) => {
      if (this.phase === "closed") return;
      const removed = /^(REMOVED|BANNED)\b/.test(reason ?? "");
      this.fail(removed ? "removed" : "room_closed", closedText(code, reason));
    });
  }

  // ---- the room → Syncplay ----

  private playback(): RoomPlayback {
    const pb = this.party!.state.playback;
    return {
      is_playing: pb.is_playing,
      position: pb.position,
      updated_at: pb.updated_at,
      rate: pb.rate,
      seq: pb.seq,
    };
  }

  private hostName(): string | null {
    const state = this.party!.state;
    return this.members.get(state.host_user_id) ?? null;
  }

  private onRoomState(first: boolean): void {
    if (this.phase !== "joined" || !this.party) return;
    const state = this.party.state;
    this.syncMembers();
    const active = state.ready_check.active;
    if (active !== this.readyCheckActive) {
      this.readyCheckActive = active;
      if (active) {
        this.write({ Set: { ready: { username: this.name, isReady: false, manuallyInitiated: true } } });
        this.chat(ANISYNC, "Ready check: toggle ready (or unpause) when you are ready to watch.");
      }
    }
    const pb = this.playback();
    if (pb.seq === this.lastSeq && !first) return;
    const prev = this.lastPlayback;
    this.lastSeq = pb.seq;
    this.lastPlayback = pb;
    const mine = this.ownControl !== undefined && pb.seq > this.ownControl.fromSeq;
    this.ownControl = undefined;
    // our own control: the client was answered at once (a forced State of its own playstate); a
    // second forced State now would make it ignore its next change until echoed
    if (mine) return;
    const doSeek = first || (prev !== undefined && isJump(prev, pb));
    this.sendState(roomPlaystate(pb, serverNowMs(), this.hostName(), doSeek), true);
  }

  private syncMembers(): void {
    const state = this.party!.state;
    const connected = [...state.members.values()].filter((m) => m.connected);
    if (connected.length === this.members.size && connected.every((m) => this.members.has(m.user_id))) return;
    const next = syncplayNames(connected);
    for (const [id, name] of next)
      if (!this.members.has(id)) this.write(userEvent(this.room, name, "joined"));
    for (const [id, name] of this.members) if (!next.has(id)) this.write(userEvent(this.room, name, "left"));
    this.members = next;
  }

  /** The routine State, about once a second; skipped while a forced one waits for its echo. */
  private tick(): void {
    if (this.phase !== "joined" || !this.party || this.exchange.awaitingEcho) return;
    const own = this.ownControl;
    if (own && Date.now() - own.atMs > 2000) this.ownControl = undefined;
    const playstate = this.ownControl
      ? advanced(this.ownControl.playstate, Date.now() - this.ownControl.atMs)
      : roomPlaystate(this.playback(), serverNowMs(), this.hostName());
    this.sendState({ ...playstate, doSeek: false }, false);
  }

  private sendState(playstate: Playstate, forced: boolean): void {
    if (forced) this.lastForcedS = nowS();
    this.write({ State: this.exchange.send(playstate, nowS(), forced) });
  }

  private chat(username: string, message: string): void {
    this.write({ Chat: { username, message: message.slice(0, MAX_CHAT_LENGTH) } });
  }

  private sendList(): void {
    const state = this.party!.state;
    const files = this.deps.files.get(state.room_id) ?? new Map<string, FileIn>();
    this.write({ List: listAnswer(this.room, state.members.values(), files, state.ready_check.active) });
  }

  // ---- Syncplay → the room ----

  private onState(state: Parameters<StateExchange["receive"]>[0]): void {
    const party = this.party!;
    const verdict = this.exchange.receive(state, nowS());
    if (verdict.kind === "none") return;
    this.lastReport = { position: verdict.position, paused: verdict.paused, atS: nowS() };
    const pb = this.playback();
    if (verdict.kind === "change") {
      if (party.canControl) {
        const control = changeAsControl(verdict, !pb.is_playing);
        const playstate: Playstate = {
          position: control.current_time,
          paused: verdict.paused,
          doSeek: verdict.doSeek,
          setBy: this.name,
        };
        this.ownControl = { fromSeq: pb.seq, playstate, atMs: Date.now() };
        party.control(control.action, control.current_time);
        this.sendState(playstate, true);
      } else {
        this.putBack();
      }
      return;
    }
    party.status({ current_time: Math.max(0, verdict.position), is_playing: !verdict.paused });
    if (this.ownControl) return;
    const drift = verdict.position - expectedAt(pb, serverNowMs());
    if (Math.abs(drift) > CORRECT_DRIFT_S && nowS() - this.lastForcedS > CORRECT_COOLDOWN_S) {
      this.putBack();
    }
  }

  /** Puts this member's player back on the room (a forced State with doSeek, set by the host). */
  private putBack(): void {
    const setBy = this.hostName();
    const by = setBy === this.name ? ANISYNC : setBy;
    this.sendState(roomPlaystate(this.playback(), serverNowMs(), by, true), true);
  }

  private onSet(set: SetIn): void {
    const party = this.party!;
    if (set.ready && this.readyCheckActive) party.ready(set.ready.isReady);
    if (set.file) {
      const roomId = party.roomId;
      let files = this.deps.files.get(roomId);
      if (!files) this.deps.files.set(roomId, (files = new Map<string, FileIn>()));
      files.set(party.userId, set.file);
    }
  }

  private onChat(message: string): void {
    const text = message.slice(0, MAX_CHAT_LENGTH);
    if (!text.trim()) return;
    // the player's last report, moved on while playing; the room's position if we moved the player since
    const report = this.lastReport;
    const at =
      report && report.atS > this.lastForcedS
        ? report.position + (report.paused ? 0 : nowS() - report.atS)
        : expectedAt(this.playback(), serverNowMs());
    this.party!.comment({ message: text, video_timestamp: Math.min(Math.max(0, at), 172_800) });
  }

  private onRoomError(e: ErrorMessage): void {
    if (e.type === "control") {
      this.ownControl = undefined;
      this.chat(ANISYNC, `${e.code}: ${e.message}`);
      this.putBack();
    } else if (e.type === "comment") {
      this.chat(ANISYNC, `Your message was not posted (${e.code}: ${e.message}).`);
    }
  }

  // ---- the connection ----

  private touch(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(
      () =>
        this.fail(
          "idle",
          `Nothing received for ${this.deps.idleTimeoutMs / 1000} s; closing the connection.`,
        ),
      this.deps.idleTimeoutMs,
    );
    this.idle.unref();
  }

  private isClosed(): boolean {
    return this.phase === "closed";
  }

  private write(message: Record<string, unknown>): void {
    if (this.phase === "closed" || this.socket.destroyed) return;
    this.socket.write(encode(message));
  }

  /** Sends a Syncplay Error, then closes. */
  fail(reason: CloseReason, message: string): void {
    if (this.phase === "closed") return;
    this.write({ Error: { message } });
    this.socket.end();
    this.close(reason);
  }

  close(reason: CloseReason): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    clearInterval(this.ticker);
    clearTimeout(this.idle);
    this.early = [];
    const party = this.party;
    if (party) {
      this.deps.files.get(party.roomId)?.delete(party.userId);
      if (this.deps.files.get(party.roomId)?.size === 0) this.deps.files.delete(party.roomId);
      party.leave().catch((err: unknown) => this.deps.log.warn("syncplay: leaving the room failed", { err }));
    }
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.deps.onClose(reason);
  }
}

/**
 * The room's clock. The gateway runs inside a server process, whose clock is the room's (same
 * process) or an NTP-disciplined peer's (cluster); the SDK's estimate over the WebSocket was off by
 * tens of ms when the process was busy, which every Syncplay member then played ahead or behind by.
 */
function serverNowMs(): number {
  return Date.now();
}

function nowS(): number {
  return Date.now() / 1000;
}

/** A playstate `elapsedMs` later. */
function advanced(p: Playstate, elapsedMs: number): Playstate {
  return p.paused ? p : { ...p, position: p.position + elapsedMs / 1000 };
}
