/**
 * When and how often to join a room again after losing it for good (pure).
 *
 * The Colyseus SDK reconnects by itself after a dropped socket while the server still holds the
 * seat. A room can still be lost: the server shut down (close code 4001), or the SDK gave up
 * (4003), or the drop came too soon after joining to reconnect. An AniSync room outlives its
 * process, so the SDK wrapper joins it again by id, with backoff, until it works or the server
 * says it never will (the room was deleted, the key is wrong, …).
 */

// the one close code the client needs (the whole CLOSE table stays out of the bundle)
import { CLOSE_CONSENTED, parseCodedMessage } from "../schema/protocol.ts";

export interface RejoinPolicy {
  /** Delay before the first attempt; doubles with each attempt. Default 500 ms. */
  baseDelayMs: number;
  /** Default 10 000 ms. */
  maxDelayMs: number;
  /** Default 30 (about four minutes at the defaults). */
  maxAttempts: number;
  /** Each delay is shortened by up to this fraction, at random, so a room's members do not all
   * come back in the same instant after a restart. Default 0.5. */
  jitter: number;
}

export const DEFAULT_REJOIN: Readonly<RejoinPolicy> = Object.freeze({
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  maxAttempts: 30,
  jitter: 0.5,
});

/** Join refusals that another attempt cannot fix. Anything else (network errors, UNAVAILABLE,
 * TOO_MANY_ATTEMPTS, USER_ALREADY_IN_ROOM while the old seat is still held) is retried. */
export const PERMANENT_JOIN_ERRORS: ReadonlySet<string> = new Set([
  "ROOM_NOT_FOUND",
  "NOT_FOUND",
  "INVALID_ACCESS_KEY",
  "INVALID_INPUT",
  "UNSUPPORTED_PROTOCOL",
  "ROOM_FULL",
  "UNAUTHORIZED",
  "FORBIDDEN",
]);

/** Whether a room that closed with this code should be joined again. */
export function shouldRejoin(closeCode: number, leftOnPurpose: boolean): boolean {
  return !leftOnPurpose && closeCode !== CLOSE_CONSENTED;
}

/** The contract's error code at the start of an SDK error message ("ROOM_NOT_FOUND: …"). */
export function joinErrorCode(err: unknown): string | undefined {
  const message = err instanceof Error ? err.message : typeof err === "string" ? err : "";
  return parseCodedMessage(message)?.code;
}

export function isPermanentJoinError(err: unknown): boolean {
  const code = joinErrorCode(err);
  return code !== undefined && PERMANENT_JOIN_ERRORS.has(code);
}

/**
 * Milliseconds to wait before attempt number `attempt` (1-based), or undefined to give up.
 * `random` in [0, 1) picks the jitter (pass Math.random()).
 */
export function rejoinDelay(
  attempt: number,
  random: number,
  policy: RejoinPolicy = DEFAULT_REJOIN,
): number | undefined {
  if (attempt < 1 || attempt > policy.maxAttempts) return undefined;
  const full = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(full * (1 - policy.jitter * random));
}
