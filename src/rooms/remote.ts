/**
 * Calls from the HTTP API (any process) into a live room (the process that hosts it), through
 * Colyseus's remoteRoomCall. Arguments and answers are plain data; a refusal carries its code.
 */
import { matchMaker } from "@colyseus/core";
import type { ErrorCode } from "../../schema/errors.ts";
import { AppError } from "../errors.ts";

export type RemoteResult<T = unknown> =
  { ok: true; data?: T } | { ok: false; code: ErrorCode; message?: string; retry_after_s?: number };

/** What a member token lets its holder do in the room, during its stay. */
export type MemberAction = "check" | "describe" | "leave" | "control" | "update_member" | "comment";
/** What only the owner may do. */
export type OwnerAction = "delete" | "rotate_access";

/** Whether a room is live in any process. */
export async function isLive(roomId: string): Promise<boolean> {
  return Boolean(await matchMaker.getRoomById(roomId));
}

/**
 * Calls a live room's method. `undefined` when the room is dormant (also when it went to sleep
 * in between); a refusal from the room becomes its AppError.
 */
export async function callRoom<T>(
  roomId: string,
  method: string,
  args: unknown[] = [],
): Promise<{ data?: T } | undefined> {
  if (!(await isLive(roomId))) return undefined;
  let result: RemoteResult<T>;
  try {
    result = await matchMaker.remoteRoomCall(roomId, method, args);
  } catch {
    return undefined;
  }
  if (!result.ok) throw new AppError(result.code, result.message, { retryAfterS: result.retry_after_s });
  return { data: result.data };
}

/** Runs a room-side handler and turns an AppError into a refusal that crosses processes. */
export async function answer<T>(fn: () => T | Promise<T>): Promise<RemoteResult<T>> {
  try {
    return { ok: true, data: await fn() };
  } catch (err) {
    if (err instanceof AppError) {
      const refusal = { ok: false as const, code: err.code, message: err.message };
      return err.retryAfterS === undefined ? refusal : { ...refusal, retry_after_s: err.retryAfterS };
    }
    throw err;
  }
}
