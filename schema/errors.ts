/**
 * The error catalogue: every code a client can see, its HTTP status and its meaning.
 * Shared by HTTP responses (`{ error: { code, message } }`), refused joins (the SDK's
 * ServerError carries the status as `code` and a message that starts with the code) and
 * room `error` messages (`{ code, message, type }`).
 */
export const ERRORS = {
  INVALID_INPUT: { status: 400, message: "The request is malformed or a field is invalid" },
  UNSUPPORTED_PROTOCOL: { status: 400, message: "This server does not speak the client's protocol version" },
  UNAUTHORIZED: { status: 401, message: "A valid identity or member token is required" },
  INVALID_ACCESS_KEY: { status: 403, message: "The access key is wrong" },
  NOT_HOST: { status: 403, message: "Only the host can do that" },
  NOT_OWNER: { status: 403, message: "Only the room's owner can do that" },
  BANNED: { status: 403, message: "You are banned from this room" },
  MUTED: { status: 403, message: "Your comments are muted in this room" },
  FORBIDDEN: { status: 403, message: "This token does not allow that" },
  ROOM_NOT_FOUND: { status: 404, message: "No such room" },
  NOT_FOUND: { status: 404, message: "No such route" },
  MEMBER_NOT_FOUND: { status: 404, message: "No such member in this room" },
  WRITE_NOT_FOUND: { status: 404, message: "No such write, or its outcome is no longer kept" },
  USER_ALREADY_IN_ROOM: { status: 409, message: "This user_id already holds a seat in the room" },
  ROOM_FULL: { status: 409, message: "The room is full" },
  ROOM_DORMANT: { status: 409, message: "Nobody is in the room; join it first" },
  ROOM_MOVED: {
    status: 409,
    message: "The room moved to another server process; join it again by its id",
  },
  PAYLOAD_TOO_LARGE: { status: 413, message: "The request body is over 64 KB" },
  TOO_MANY_ATTEMPTS: { status: 429, message: "Too many wrong access keys; wait and try again" },
  RATE_LIMITED: { status: 429, message: "Too many requests; wait and try again" },
  INTERNAL: { status: 500, message: "Internal server error" },
  UNAVAILABLE: { status: 503, message: "The service is not ready or is shutting down" },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERRORS, value);
}

/** Body of an HTTP failure and payload of a room `error` message (plus `type`). */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
}
