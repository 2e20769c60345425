/**
 * Request bodies as the original design shows them restate what the server already knows: the
 * member token's room, that room's current anime and episode, the caller's user id and name.
 * Such a field is accepted when it agrees with what the server knows and refused, naming the
 * field and the value it must have, when it contradicts it; either way it is taken out, so the
 * strict schema behind sees only what the request asks for. A field nobody defines stays refused
 * there ("unknown field").
 */
import { AppError } from "../errors.ts";

export type ContextField =
  "room_id" | "anime_id" | "episode_number" | "user_id" | "host_user_id" | "username";

/** What the server knows, for the fields a body may restate. */
export type KnownContext = Partial<Record<ContextField, string | number>>;

const WHAT: Record<ContextField, string> = {
  room_id: "the room of your member token",
  anime_id: "the room's current anime",
  episode_number: "the room's current episode",
  user_id: "your identity",
  host_user_id: "your identity",
  username: "your name in the room",
};

const RESTATABLE = Object.keys(WHAT) as ContextField[];

/**
 * `body` without the restated fields of `known()`; INVALID_INPUT for the first that contradicts.
 * A body that is not an object, or restates none of these fields, is returned as it is (the
 * schema behind judges it) without asking `known`: a host's seek restates nothing and pays for
 * nothing here.
 */
export function acceptStatedContext(body: unknown, known: () => KnownContext): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  if (!RESTATABLE.some((field) => Object.hasOwn(body, field))) return body;
  const rest: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const [field, value] of Object.entries(known()) as [ContextField, string | number][]) {
    if (!Object.hasOwn(rest, field)) continue;
    if (rest[field] !== value)
      throw new AppError("INVALID_INPUT", `${field}: must be ${JSON.stringify(value)} (${WHAT[field]})`);
    delete rest[field];
  }
  return rest;
}
