/**
 * A joined Syncplay member, both ways: the room's playback, members, queue, ready check, comments
 * and reactions to the Syncplay client, and the client's States, Sets, Lists and chat to the room.
 * The rules are playstate.ts, roster.ts and playlist.ts; this is their glue to one WatchParty.
 * The room's queue is the shared playlist; the client's own playlist changes are not the room's
 * (the queue is the host's) and are ignored.
 */
import type { WatchParty } from "../../client/watch-party.ts";
import type { StoredComment } from "../../client/party-types.ts";
import type { ErrorMessage, ReactionView } from "../../schema/messages.ts";
import { closedText } from "./access.ts";
import type { FileIn, SetIn, StateIn } from "./codec.ts";
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
import { durationNote, itemChange, playlistIndex, playlistOf, type QueueEntry } from "./playlist.ts";
import { listAnswer, MAX_CHAT_LENGTH, syncplayNames, userEvent } from "./roster.ts";

const ANISYNC = "AniSync";

export interface BridgeOutput {
  /** one message to the Syncplay client */
  write(message: Record<string, unknown>): void;
  /** the room ended this member's stay: an Error with this text, then close */
  ended(reason: "removed" | "room_closed", message: string): void;
}

export class MemberBridge {
  private readonly exchange = new StateExchange();
  private lastSeq = -1;
  private lastPlayback?: RoomPlayback;
  /** our own control, until the room's playback shows it: what we told the client meanwhile */
  private ownControl?: { fromSeq: number; playstate: Playstate; atMs: number };
  /** when we last moved this client's player (a forced State): no correction for a while after */
  private lastForcedS = 0;
  private lastReport?: { position: number; paused: boolean; atS: number };
  private members = new Map<string, string>();
  private currentItem?: string;
  /** the playlist (its items' URLs, their entries) and index this client was last sent */
  private sentPlaylist?: { urls: string; files: string[] };
  private sentIndex?: number | null;
  private readyCheckActive = false;
  private stopped = false;
  /** this member's name as Syncplay shows it */
  readonly name: string;

  private readonly party: WatchParty;
  private readonly room: string;
  private readonly files: Map<string, Map<string, FileIn>>;
  private readonly out: BridgeOutput;

  constructor(
    party: WatchParty,
    room: string,
    fallbackName: string,
    files: Map<string, Map<string, FileIn>>,
    out: BridgeOutput,
  ) {
    this.party = party;
    this.room = room;
    this.files = files;
    this.out = out;
    this.members = syncplayNames(party.state.members.values());
    this.name = this.members.get(party.userId) ?? fallbackName;
  }

  /** After our Hello: readiness, the queue as the playlist, the room's playback (forced), then room events. */
  start(): void {
    this.write({ Set: { ready: { username: this.name, isReady: true, manuallyInitiated: false } } });
    // the first index without a user: the client opens the viewer's own file unless it has the entry's
    this.syncPlaylist(false);
    this.currentItem = this.party.state.current_item;
    this.wireParty(this.party);
    this.onRoomState(true);
  }

  stop(): void {
    this.stopped = true;
    const byRoom = this.files.get(this.party.roomId);
    byRoom?.delete(this.party.userId);
    if (byRoom?.size === 0) this.files.delete(this.party.roomId);
  }

  private write(message: Record<string, unknown>): void {
    if (!this.stopped) this.out.write(message);
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
      if (this.stopped) return;
      const removed = /^(REMOVED|BANNED)\b/.test(reason ?? "");
      this.out.ended(removed ? "removed" : "room_closed", closedText(code, reason));
    });
  }

  // ---- the room → Syncplay ----

  private playback(): RoomPlayback {
    const pb = this.party.state.playback;
    return {
      is_playing: pb.is_playing,
      position: pb.position,
      updated_at: pb.updated_at,
      rate: pb.rate,
      seq: pb.seq,
    };
  }

  private hostName(): string | null {
    const state = this.party.state;
    return this.members.get(state.host_user_id) ?? null;
  }

  private onRoomState(first: boolean): void {
    if (this.stopped) return;
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
    const change = itemChange(this.currentItem, this.queue(), state.current_item);
    const switched = this.currentItem !== undefined && this.currentItem !== state.current_item;
    this.currentItem = state.current_item;
    if (change) this.chat(ANISYNC, change);
    this.syncPlaylist(switched);
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

  private queue(): QueueEntry[] {
    return [...this.party.state.queue].map((q) => ({
      item_id: q.item_id,
      anime_title: q.anime_title,
      episode_number: q.episode_number,
      title: q.title,
      video_url: q.video_url,
      duration_s: q.duration_s,
    }));
  }

  /**
   * The queue as the playlist, when it or the current item changed. An index sent with a user makes
   * the client switch to that entry's file (if it finds one); without a user (the first, or the same
   * item at a new place after a queue edit) it only marks the entry.
   */
  private syncPlaylist(switched: boolean): void {
    const queue = this.queue();
    // on every room patch: the entries are made again only when the items' URLs changed
    const urls = queue.map((q) => q.video_url).join("\n");
    if (urls !== this.sentPlaylist?.urls) {
      const files = playlistOf(queue);
      const by = this.sentIndex === undefined ? null : (this.hostName() ?? ANISYNC);
      this.sentPlaylist = { urls, files };
      this.write({ Set: { playlistChange: { user: by, files } } });
    }
    const index = playlistIndex(queue, this.party.state.current_item);
    if (index === this.sentIndex && !switched) return;
    this.sentIndex = index;
    this.write({ Set: { playlistIndex: { user: switched ? ANISYNC : null, index } } });
  }

  private syncMembers(): void {
    const state = this.party.state;
    const connected = [...state.members.values()].filter((m) => m.connected);
    if (connected.length === this.members.size && connected.every((m) => this.members.has(m.user_id))) return;
    const next = syncplayNames(connected);
    for (const [id, name] of next)
      if (!this.members.has(id)) this.write(userEvent(this.room, name, "joined"));
    for (const [id, name] of this.members) if (!next.has(id)) this.write(userEvent(this.room, name, "left"));
    this.members = next;
  }

  /** The routine State, about once a second; skipped while a forced one waits for its echo. */
  tick(): void {
    if (this.stopped || this.exchange.awaitingEcho) return;
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

  sendList(): void {
    const state = this.party.state;
    const files = this.files.get(state.room_id) ?? new Map<string, FileIn>();
    this.write({ List: listAnswer(this.room, state.members.values(), files, state.ready_check.active) });
  }

  // ---- Syncplay → the room ----

  onState(state: StateIn): void {
    const party = this.party;
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

  onSet(set: SetIn): void {
    const party = this.party;
    if (set.ready && this.readyCheckActive) party.ready(set.ready.isReady);
    if (set.file) {
      const roomId = party.roomId;
      let files = this.files.get(roomId);
      if (!files) this.files.set(roomId, (files = new Map<string, FileIn>()));
      files.set(party.userId, set.file);
      party.media(set.file.name, set.file.duration ?? 0);
      const episode = this.queue().find((q) => q.item_id === party.state.current_item);
      const note = durationNote(set.file, episode);
      if (note) this.chat(ANISYNC, note);
    }
  }

  onChat(message: string): void {
    const text = message.slice(0, MAX_CHAT_LENGTH);
    if (!text.trim()) return;
    // the player's last report, moved on while playing; the room's position if we moved the player since
    const report = this.lastReport;
    const at =
      report && report.atS > this.lastForcedS
        ? report.position + (report.paused ? 0 : nowS() - report.atS)
        : expectedAt(this.playback(), serverNowMs());
    this.party.comment({ message: text, video_timestamp: Math.min(Math.max(0, at), 172_800) });
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
