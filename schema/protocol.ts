/**
 * The protocol's fixed names, defined once for the server and every client: the room name,
 * the close codes AniSync relies on (Colyseus's values), and the "CODE: message" form in which
 * refused joins carry a catalogue code (the SDK's ServerError message).
 */

/** The one room type. */
export const ROOM_NAME = "watch_party";

/** The room messages a client may send (docs/contract-notes.md describes each). */
export const CLIENT_MESSAGE_TYPES = [
  "control",
  "status",
  "transfer_host",
  "comment",
  "time",
  "set_rate",
  "skip",
  "set_segments",
  "settings",
  "ready_check",
  "ready",
  "reaction",
  "queue_add",
  "queue_remove",
  "queue_move",
  "queue_jump",
  "advance_cancel",
  "advance_now",
  "set_cohost",
  "remove_member",
  "ban",
  "unban",
  "mute",
  "media",
] as const;

/**
 * The room messages a member may also send over HTTP (`POST /api/rooms/:id/messages/:type`):
 * all but `time` (a clock sample is only meaningful on the socket) and `status` (a player's
 * report belongs to its connection).
 */
// pure: a bundle that does not use the list (the client SDK) leaves it out
export const HTTP_MESSAGE_TYPES: readonly string[] = /* @__PURE__ */ CLIENT_MESSAGE_TYPES.filter(
  (t) => t !== "time" && t !== "status",
);

/** a leave on purpose: the member's own, a removal, or the room's deletion (CLOSE.CONSENTED) */
export const CLOSE_CONSENTED = 4000;

/** WebSocket close codes (those of Colyseus's CloseCode that the watch party uses). */
export const CLOSE = {
  /** a leave on purpose: the member's own, a removal, or the room's deletion */
  CONSENTED: CLOSE_CONSENTED,
  /** the server is shutting down; the room comes back on another start (rejoin by id) */
  SERVER_SHUTDOWN: 4001,
  /** the SDK gave up reconnecting */
  FAILED_TO_RECONNECT: 4003,
  /**
   * this copy of the room was superseded: another process took the room while this one was
   * stalled or cut off (fencing); the room lives on there (rejoin by id)
   */
  ROOM_MOVED: 4011,
} as const;

/** A refusal's text: `CODE: message`. */
export function codedMessage(code: string, message: string): string {
  return `${code}: ${message}`;
}

/** The code and text of a `CODE: message` (or a bare `CODE`); undefined for anything else. */
export function parseCodedMessage(text: string): { code: string; message: string } | undefined {
  const m = /^([A-Z][A-Z0-9_]*[A-Z0-9])(?::\s?([\s\S]*))?$/.exec(text);
  return m ? { code: m[1]!, message: m[2] ?? "" } : undefined;
}

/**
 * The wire protocol's version, `major.minor`, sent by the SDK as the `protocol_version` option of
 * every create and join. A new minor only adds what older clients can ignore; a new major changes
 * what a client must understand. A server refuses a major it does not speak (UNSUPPORTED_PROTOCOL);
 * a join without the option (a plain Colyseus client, an SDK before it) is taken as this major.
 */
export const PROTOCOL_VERSION = "1.1";
/** the majors this server speaks */
export const PROTOCOL_MAJORS: readonly number[] = [1];
export const PROTOCOL_VERSION_PATTERN = /^(\d{1,4})\.(\d{1,4})$/;

/** Create or join options with this SDK's protocol version. */
export function withProtocol<T extends object>(options: T): T & { protocol_version: string } {
  return { ...options, protocol_version: PROTOCOL_VERSION };
}

/**
 * Why options that state a protocol version this server cannot speak are refused, or undefined
 * (no version, or one it speaks). A malformed version is left to the options' schema (INVALID_INPUT).
 */
export function protocolRefusal(options: unknown): string | undefined {
  const stated =
    options && typeof options === "object"
      ? (options as { protocol_version?: unknown }).protocol_version
      : undefined;
  if (typeof stated !== "string") return undefined;
  const m = PROTOCOL_VERSION_PATTERN.exec(stated);
  if (!m || PROTOCOL_MAJORS.includes(Number(m[1]))) return undefined;
  const spoken = PROTOCOL_MAJORS.map((major) => `${major}.x`).join(", ");
  return `protocol_version: this server speaks ${spoken}, not ${stated}; use a client of a matching major`;
}
