/**
 * Who may enter a private room (pure): a former member always; an invite holder always (the
 * invite is a 128-bit secret, not guessable, so the key-guess throttle does not apply); anyone
 * else needs the 6-digit key and is refused while the key-guess throttle has tripped.
 */
import type { ErrorCode } from "../../schema/errors.ts";
import { accessKeyMatches } from "../security/access-key.ts";

export interface RoomSecrets {
  access_key: string;
  invite_secret: string;
}

export interface Presented {
  access_key?: string | null;
  invite?: string | null;
}

export type AccessVerdict =
  | { ok: true; via: "public" | "former member" | "invite" | "key" }
  | { ok: false; code: ErrorCode; message: string };

export function checkAccess(
  secrets: RoomSecrets | undefined,
  given: Presented,
  ctx: { formerMember: boolean; throttled: boolean },
): AccessVerdict {
  if (!secrets) return { ok: true, via: "public" };
  if (ctx.formerMember) return { ok: true, via: "former member" };
  if (given.invite) {
    if (accessKeyMatches(secrets.invite_secret, given.invite)) return { ok: true, via: "invite" };
    return { ok: false, code: "INVALID_ACCESS_KEY", message: "invite: not valid (it may have been rotated)" };
  }
  if (ctx.throttled) return { ok: false, code: "TOO_MANY_ATTEMPTS", message: "too many wrong keys" };
  if (accessKeyMatches(secrets.access_key, given.access_key)) return { ok: true, via: "key" };
  const message = given.access_key ? "access_key: wrong key" : "access_key: required for a private room";
  return { ok: false, code: "INVALID_ACCESS_KEY", message };
}
