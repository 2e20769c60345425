/**
 * Opaque keyset cursors: base64url of a small JSON tuple `[created_at ms, room_id]`.
 * Only a tuple this server could have issued decodes: an integer time within the range of
 * both JS dates and PostgreSQL timestamps, and a room id. Anything else is INVALID_INPUT
 * naming `cursor`, never a 500.
 */
import { roomId } from "../../schema/messages.ts";
import { AppError } from "../errors.ts";

/** JS dates end at ±8.64e15 ms; PostgreSQL's start in 4713 BC, so negative times are refused too. */
const MAX_TIME_MS = 8.64e15;
/** An issued cursor is at most ~110 characters (13-digit time, 64-char room id). */
const MAX_CURSOR_CHARS = 200;

export function encodeCursor(c: { created_at: Date; room_id: string }): string {
  return Buffer.from(JSON.stringify([c.created_at.getTime(), c.room_id])).toString("base64url");
}

export function decodeCursor(cursor: string): { created_at: Date; room_id: string } {
  const refused = new AppError("INVALID_INPUT", "cursor: not a cursor this server issued");
  if (cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]*$/.test(cursor)) throw refused;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw refused;
  }
  if (!Array.isArray(v) || v.length !== 2) throw refused;
  const [time, id] = v as unknown[];
  if (!Number.isSafeInteger(time) || (time as number) < 0 || (time as number) > MAX_TIME_MS) throw refused;
  if (!roomId.safeParse(id).success) throw refused;
  return { created_at: new Date(time as number), room_id: id as string };
}
