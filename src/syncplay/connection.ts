/**
 * One Syncplay client's TCP connection: reads its lines (codec.ts), joins the room as an ordinary
 * member (through `open`, i.e. matchmaking; access.ts reads what the viewer typed), then hands
 * the member's traffic to its MemberBridge (bridge.ts). Anything hostile (a line over 64 KB, bad
 * JSON, an unknown type, a flood, silence) ends this connection only, with a Syncplay `Error`.
 *
 * Silence is measured against two bounds. A connection may be silent until the start-up bound since
 * it opened: the real client (1.6.9) sends its TLS probe (sometimes its Hello and a State too) at
 * once, then starts the player on its only thread and says nothing until the player is up, several
 * seconds on a loaded machine. After that it answers every State of ours, and the idle bound applies.
 */
import type { Socket } from "node:net";
import { TLSSocket, type SecureContext } from "node:tls";
import type { WatchParty } from "../../client/watch-party.ts";
import { decodeLine, encode, LineSplitter, type ClientMessage, type FileIn } from "./codec.ts";
import { credentialsOf, displayName, refusalText, type Credentials } from "./access.ts";
import { MemberBridge } from "./bridge.ts";
import { FloodGuard } from "./flood.ts";
import { helloAnswer } from "./roster.ts";

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
  /** STARTTLS with this certificate (SYNCPLAY_TLS_CERT/KEY); without it the probe is answered "false" */
  tls?: SecureContext;
  /** how often the room's playback is sent as a routine State */
  stateIntervalMs: number;
  /** a connection that sends nothing for this long is closed (after its start-up) */
  idleTimeoutMs: number;
  /** silence is allowed until this long after the connection opened (the client starts its player) */
  startTimeoutMs: number;
  /** counts a closed connection by reason (bounded labels) */
  onClose(reason: CloseReason): void;
  /** counts an incoming message by type (bounded labels) */
  onMessage(type: string): void;
  log: { warn(msg: string, fields?: Record<string, unknown>): void };
  motd: string;
}

/** Why a connection closed (`anisync_syncplay_closed_total{reason}`). */
export const CLOSE_REASONS = [
  "client",
  "line_too_long",
  "malformed",
  "flood",
  "idle",
  "refused",
  "removed",
  "room_closed",
  "shutdown",
  /** a failure of ours while handling it (logged) */
  "error",
] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** messages a client may send while its join is under way */
const MAX_EARLY_MESSAGES = 50;

export class SyncplayConnection {
  private readonly splitter = new LineSplitter();
  private readonly flood = new FloodGuard();
  private phase: "greeting" | "joining" | "joined" | "closed" = "greeting";
  private early: ClientMessage[] = [];
  private party?: WatchParty;
  private bridge?: MemberBridge;
  private room = "";
  private ticker?: NodeJS.Timeout;
  private idle?: NodeJS.Timeout;
  private readonly openedMs = Date.now();

  /** the client's stream: the TCP socket, or the TLS socket over it after STARTTLS */
  private socket: Socket;
  private secured = false;
  private readonly deps: ConnectionDeps;

  constructor(socket: Socket, deps: ConnectionDeps) {
    this.socket = socket;
    this.deps = deps;
    socket.setNoDelay(true);
    this.listen(socket);
    this.touch();
  }

  private listen(stream: Socket): void {
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
    stream.on("error", () => this.close("client"));
    stream.on("close", () => this.close("client"));
  }

  /** STARTTLS: answer "true" in clear, then speak TLS on the same connection. */
  private startTls(context: SecureContext): void {
    this.write({ TLS: { startTLS: "true" } });
    const plain = this.socket;
    plain.removeAllListeners("data");
    plain.removeAllListeners("close");
    plain.removeAllListeners("error");
    plain.on("error", () => this.close("client"));
    const secure = new TLSSocket(plain, { isServer: true, secureContext: context });
    this.socket = secure;
    this.secured = true;
    this.listen(secure);
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
      try {
        this.handle(decoded.message);
      } catch (err) {
        // a message the room's client refused to send (connection closing, …): this connection only
        this.deps.log.warn("syncplay: a message could not be handled", { err, type: decoded.message.type });
        this.fail("error", "The server could not handle a message; closing the connection.");
        return;
      }
    }
    if (tooLong) this.fail("line_too_long", "A message over 64 KB; closing the connection.");
  }

  private handle(msg: ClientMessage): void {
    if (this.phase === "greeting") {
      if (msg.type === "TLS") {
        const context = this.deps.tls;
        if (context && !this.secured && msg.startTLS === "send") this.startTls(context);
        else this.write({ TLS: { startTLS: "false" } });
      } else if (msg.type === "Hello") {
        this.join(msg.hello.room, msg.hello.username, msg.hello).catch((err: unknown) => {
          this.deps.log.warn("syncplay: joining failed", { err });
          this.fail("error", "The server could not join you to the room; try again.");
        });
      } else this.fail("malformed", "Send Hello first.");
      return;
    }
    if (this.phase === "joining") {
      if (this.early.length >= MAX_EARLY_MESSAGES) this.fail("flood", "Too many messages; closing.");
      else this.early.push(msg);
      return;
    }
    const bridge = this.bridge;
    if (this.phase !== "joined" || !bridge) return;
    switch (msg.type) {
      case "State":
        bridge.onState(msg.state);
        break;
      case "Set":
        bridge.onSet(msg.set);
        break;
      case "List":
        bridge.sendList();
        break;
      case "Chat":
        bridge.onChat(msg.message);
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
    const bridge = new MemberBridge(party, this.room, displayName(username), this.deps.files, {
      write: (m) => this.write(m),
      ended: (reason, message) => this.fail(reason, message),
    });
    this.bridge = bridge;
    this.write(helloAnswer(bridge.name, this.room, hello.version, this.deps.motd));
    bridge.start();
    this.ticker = setInterval(() => bridge.tick(), this.deps.stateIntervalMs);
    this.touch();
    for (const msg of this.early.splice(0)) this.handle(msg);
  }

  // ---- the connection ----

  private touch(): void {
    clearTimeout(this.idle);
    const limitMs = silenceLimitMs(Date.now() - this.openedMs, this.deps);
    this.idle = setTimeout(
      () =>
        this.fail("idle", `Nothing received for ${Math.round(limitMs / 1000)} s; closing the connection.`),
      limitMs,
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
    this.bridge?.stop();
    const party = this.party;
    if (party) {
      party.leave().catch((err: unknown) => this.deps.log.warn("syncplay: leaving the room failed", { err }));
    }
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.deps.onClose(reason);
  }
}

/**
 * How long a connection `ageMs` old may be silent from now: the idle bound, or longer while the
 * start-up bound since it opened has not passed.
 */
export function silenceLimitMs(
  ageMs: number,
  limits: { idleTimeoutMs: number; startTimeoutMs: number },
): number {
  return Math.max(limits.idleTimeoutMs, limits.startTimeoutMs - ageMs);
}
