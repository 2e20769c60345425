/**
 * Query strings of the HTTP API (validated by the routes, described in the OpenAPI document).
 * Strict: an unknown parameter is INVALID_INPUT naming it.
 */
import { z } from "zod";
import { MAX_POSITION_S } from "./messages.ts";

const episode = z.coerce.number().int().min(0).max(1_000_000);

/** `GET /api/rooms` */
export const listQuery = z.strictObject({
  anime_id: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

/** `GET /api/rooms/:room_id/members`: a page in user id order (a premiere has thousands) */
export const membersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  cursor: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, "not a cursor this server issued")
    .optional(),
});

/** `GET /api/comments` */
export const threadQuery = z.strictObject({
  anime_id: z.string().min(1).max(100),
  episode_number: episode,
  order: z.enum(["newest", "oldest"]).default("newest"),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,17}$/, "not a cursor this server issued")
    .optional(),
  until: z.coerce.number().finite().min(0).max(MAX_POSITION_S).optional(),
});

/** `GET /api/comments/history` */
export const historyQuery = z.strictObject({
  anime_id: z.string().min(1).max(100).optional(),
  episode_number: episode.optional(),
  room_id: z.string().min(1).max(64).optional(),
});

/** `GET /api/rooms/:room_id/timeline`: no parameters (a fixed window); any given is refused */
export const timelineQuery = z.strictObject({});
