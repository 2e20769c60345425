/**
 * Calls from the HTTP API (any process) into a live room (the process that hosts it), through
 * Colyseus's remoteRoomCall. Arguments and answers are plain data; a refusal carries its code.
 */
import { matchMaker } from "@colyseus/core";
import type { ErrorCode } from "../../schema/errors.ts";
import { AppError } from "../errors.ts";
import { answerOf } from "./write-waits.ts";
import { liveListing } from "./live-listing.ts";

export type RemoteResult<T = unknown> =
  | { ok: true; data?: T; pending?: string }
  | { ok: false; code: ErrorCode; message?: string; retry_after_s?: number };

/** A room's answer: its data, and the write id when the change's write is still pending (202). */
export interface RoomAnswer<T> {
  data?: T;
  pending?: string;
}

/** What a member token lets its holder do in the room, during its stay. */
export type MemberAction =
  | "check"
  | "describe"
  | "leave"
  | "control"
  | "update_member"
  | "comment"
  /** any room message (`{ type, payload }`), as if sent over the member's socket */
  | "message";
/** What only the owner may do. */
export type OwnerAction = "delete" | "rotate_access";

/** Whether a room is live in a running process (a dead process's rooms are dropped here). */
export async function isLive(roomId: string): Promise<boolean> {
  return Boolean(await liveListing(roomId));
}

/** how long a call into a room in another process may take by default (Colyseus's is 2 s) */
const REMOTE_CALL_TIMEOUT_MS = 2000;

/**
 * Calls a live room's method. `undefined` when the room is dormant (also when it went to sleep
 * in between); a refusal from the room becomes its AppError. `timeoutMs` bounds a call into
 * another process: calls answered after a commit need longer than the default while the
 * database is unreachable. A call that fails while the room is still live is UNAVAILABLE.
 */
export async function callRoom<T>(
  roomId: string,
  method: string,
  args: unknown[] = [],
  timeoutMs = REMOTE_CALL_TIMEOUT_MS,
): Promise<RoomAnswer<T> | undefined> {
  // a room of this process needs no Redis to be reached
  if (!matchMaker.getLocalRoomById(roomId) && !(await isLive(roomId))) return undefined;
  let result: RemoteResult<T>;
  try {
    result = (await matchMaker.remoteRoomCall(roomId, method, args, timeoutMs)) as RemoteResult<T>;
  } catch {
    if (await isLive(roomId)) throw new AppError("UNAVAILABLE", "the room did not answer in time; try again");
    return undefined;
  }
  if (!result.ok) throw new AppError(result.code, result.message, { retryAfterS: result.retry_after_s });
  return result.pending === undefined
    ? { data: result.data }
    : { data: result.data, pending: result.pending };
}

/**
 * How long an HTTP call waits for a room that answers once its write is stored: the room answers
 * by HTTP_WRITE_WAIT_S (pending, if not stored by then), so a little longer.
 */
export function commitWaitMs(svc: { config: { HTTP_WRITE_WAIT_S: number } }): number {
  return svc.config.HTTP_WRITE_WAIT_S * 1000 + 2000;
}

/** Runs a room-side handler and turns an AppError into a refusal that crosses processes. */
export async function answer<T>(fn: () => T | Promise<T>): Promise<RemoteResult<T>> {
  try {
    return { ok: true, ...answerOf(await fn()) };
  } catch (err) {
    if (err instanceof AppError) {
      const refusal = { ok: false as const, code: err.code, message: err.message };
      return err.retryAfterS === undefined ? refusal : { ...refusal, retry_after_s: err.retryAfterS };
    }
    throw err;
  }
}
