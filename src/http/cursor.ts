/** Opaque keyset cursors: base64url of a small JSON tuple. A bad cursor is INVALID_INPUT. */
import { AppError } from "../errors.ts";

export function encodeCursor(c: { created_at: Date; room_id: string }): string {
  return Buffer.from(JSON.stringify([c.created_at.getTime(), c.room_id])).toString("base64url");
}

export function decodeCursor(cursor: string): { created_at: Date; room_id: string } {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(v) && v.length === 2 && Number.isFinite(v[0]) && typeof v[1] === "string") {
      return { created_at: new Date(v[0] as number), room_id: v[1] };
    }
  } catch {
    /* fall through */
  }
  throw new AppError("INVALID_INPUT", "cursor: not a cursor this server issued");
}
