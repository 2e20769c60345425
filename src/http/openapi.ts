/**
 * The OpenAPI 3.1 document of the HTTP API, built from the very zod schemas the routes
 * validate with, so the two cannot drift apart. Served at /api/openapi.json and, rendered
 * for people, at /api/docs.
 */
import { HTTP_MESSAGE_TYPES } from "../../schema/protocol.ts";
import { z } from "zod";
import {
  commentBody,
  controlBody,
  createRoomOptions,
  joinRoomOptions,
  memberUpdateBody,
} from "../../schema/messages.ts";
import { ERRORS } from "../../schema/errors.ts";
import { historyQuery, listQuery, membersQuery, threadQuery, timelineQuery } from "../../schema/queries.ts";
import { roomTimeline } from "../../schema/timeline.ts";

type JsonSchema = Record<string, unknown>;

function json(schema: z.ZodType): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
  }) as JsonSchema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const data = (schema: JsonSchema, extra: Record<string, JsonSchema> = {}) => ({
  type: "object",
  properties: { data: schema, ...extra },
  required: ["data"],
});

interface Route {
  method: "get" | "post" | "patch" | "delete";
  path: string;
  summary: string;
  tag: string;
  /** authorised by a member token (during its stay) */
  member?: boolean;
  /** authorised by an identity token (AUTH_MODE guest or jwt) */
  identity?: boolean;
  query?: z.ZodObject;
  body?: z.ZodType;
  ok: { status: number; description: string; schema?: JsonSchema };
  errors: (keyof typeof ERRORS)[];
  /** a change answered within HTTP_WRITE_WAIT_S: 202 while its write is pending */
  pending?: true;
}

/** The answer to a change whose write is still pending after HTTP_WRITE_WAIT_S (src/rooms/write-waits.ts). */
const PENDING = {
  description:
    "Accepted, not stored yet (the database did not commit within HTTP_WRITE_WAIT_S): the change is kept in order and stored when the database is back, unless it is given up; `write.outcome` (also `Location`) says which",
  content: {
    "application/json": {
      schema: {
        type: "object",
        properties: {
          data: { description: "what the 2xx answer would carry, as of now (or null)" },
          write: {
            type: "object",
            properties: {
              id: { type: "string" },
              status: { const: "pending" },
              outcome: { type: "string", description: "/api/writes/{write_id}" },
            },
            required: ["id", "status", "outcome"],
          },
        },
        required: ["data", "write"],
      },
    },
  },
};

const roomIdParam = { name: "room_id", in: "path", required: true, schema: { type: "string" } };

/** What a new seat's holder gets from HTTP create and join. */
const SEAT_DATA = data({
  type: "object",
  properties: {
    room: ref("Room"),
    user_id: { type: "string", description: "the verified identity the seat is for" },
    member_token: { type: "string", description: "for this stay only" },
    identity_token: {
      type: "string",
      description: "a guest identity issued now (AUTH_MODE=guest, no token presented)",
    },
    access_key: {
      type: "string",
      pattern: "^[0-9]{6}$",
      description: "private room; owner and host only",
    },
    invite: { type: "string", description: "private room's invite secret; owner and host only" },
    reservation: ref("SeatReservation"),
  },
  required: ["room", "user_id", "member_token", "reservation"],
});

/** Every route of the HTTP API. */
export const ROUTES: Route[] = [
  {
    method: "post",
    path: "/api/rooms",
    summary:
      "Create a watch party; the caller (Authorization: Bearer <identity token>) is its owner and host",
    tag: "rooms",
    identity: true,
    body: createRoomOptions,
    ok: {
      status: 201,
      description:
        "The room, the host's member token and seat reservation, and the access key of a private room",
      schema: SEAT_DATA,
    },
    errors: ["INVALID_INPUT", "UNSUPPORTED_PROTOCOL", "UNAUTHORIZED", "FORBIDDEN", "RATE_LIMITED"],
  },
  {
    method: "get",
    path: "/api/rooms",
    summary:
      "Public rooms, newest first, with live member counts, the host's name and the playback (listing only)",
    tag: "rooms",
    query: listQuery,
    ok: {
      status: 200,
      description: "A page of rooms",
      schema: data(
        { type: "array", items: ref("Room") },
        {
          next_cursor: { type: ["string", "null"] },
          server_time: { type: "number", description: "server epoch ms now" },
        },
      ),
    },
    errors: ["INVALID_INPUT"],
  },
  {
    method: "post",
    path: "/api/rooms/{room_id}/join",
    summary:
      "Take a seat as the caller's identity (wakes a dormant room); a private room needs its key, its invite, or an earlier stay",
    tag: "rooms",
    identity: true,
    body: joinRoomOptions,
    ok: {
      status: 200,
      description: "The room and a seat reservation for client.consumeSeatReservation()",
      schema: SEAT_DATA,
    },
    errors: [
      "INVALID_INPUT",
      "UNSUPPORTED_PROTOCOL",
      "UNAUTHORIZED",
      "FORBIDDEN",
      "ROOM_NOT_FOUND",
      "INVALID_ACCESS_KEY",
      "TOO_MANY_ATTEMPTS",
      "USER_ALREADY_IN_ROOM",
      "ROOM_FULL",
    ],
  },
  {
    method: "post",
    path: "/api/rooms/{room_id}/leave",
    summary: "Leave the room (the token's member)",
    tag: "rooms",
    member: true,
    ok: {
      status: 200,
      description: "left: false when the room is dormant",
      schema: data({ type: "object", properties: { left: { type: "boolean" } }, required: ["left"] }),
    },
    errors: ["UNAUTHORIZED", "FORBIDDEN", "ROOM_NOT_FOUND", "MEMBER_NOT_FOUND", "RATE_LIMITED"],
  },
  {
    method: "delete",
    path: "/api/rooms/{room_id}",
    summary:
      "Delete the room (owner: identity token, or the owner's member token during a stay): every member is disconnected with a reason; comments stay",
    tag: "rooms",
    member: true,
    pending: true,
    ok: {
      status: 200,
      description: "Deleted",
      schema: data({ type: "object", properties: { deleted: { const: true } }, required: ["deleted"] }),
    },
    errors: ["UNAUTHORIZED", "FORBIDDEN", "NOT_OWNER", "ROOM_NOT_FOUND", "RATE_LIMITED"],
  },
  {
    method: "post",
    path: "/api/rooms/{room_id}/access",
    summary: "Rotate a private room's key and invite (owner); the old ones stop working, seated members stay",
    tag: "rooms",
    member: true,
    pending: true,
    ok: {
      status: 200,
      description: "The new key and invite",
      schema: data({
        type: "object",
        properties: { access_key: { type: "string", pattern: "^[0-9]{6}$" }, invite: { type: "string" } },
        required: ["access_key", "invite"],
      }),
    },
    errors: ["UNAUTHORIZED", "FORBIDDEN", "NOT_OWNER", "INVALID_INPUT", "ROOM_NOT_FOUND", "RATE_LIMITED"],
  },
  {
    method: "post",
    path: "/api/rooms/{room_id}/messages/{type}",
    summary:
      "Any room message as the token's member, as if sent over its socket (the body is the message's payload; docs/contract-notes.md lists them): queue_add, ban, set_rate, …",
    tag: "rooms",
    member: true,
    ok: { status: 200, description: "Done", schema: data({ type: "object" }) },
    errors: [
      "UNAUTHORIZED",
      "FORBIDDEN",
      "INVALID_INPUT",
      "NOT_HOST",
      "MEMBER_NOT_FOUND",
      "ROOM_NOT_FOUND",
      "RATE_LIMITED",
    ],
  },
  {
    method: "get",
    path: "/api/rooms/{room_id}",
    summary: "Describe a room: anyone for a public room; a private room for its members and owner only",
    tag: "rooms",
    member: true,
    ok: { status: 200, description: "The room", schema: data(ref("Room")) },
    errors: ["UNAUTHORIZED", "FORBIDDEN", "ROOM_NOT_FOUND"],
  },
  {
    method: "post",
    path: "/auth/anonymous",
    summary:
      "A new guest identity (AUTH_MODE=guest), in the shape @colyseus/sdk's client.auth.signInAnonymously() expects: `{ user, token }` (no `data` envelope)",
    tag: "identity",
    ok: { status: 201, description: "`{ user: { id, anonymous }, token }`", schema: { type: "object" } },
    errors: ["NOT_FOUND", "RATE_LIMITED"],
  },
  {
    method: "get",
    path: "/auth/userdata",
    summary: "Who an identity token names: `{ user: { id, name? } }` (no `data` envelope)",
    tag: "identity",
    identity: true,
    ok: { status: 200, description: "`{ user }`", schema: { type: "object" } },
    errors: ["UNAUTHORIZED"],
  },
  {
    method: "post",
    path: "/api/rooms/{room_id}/control",
    summary: "Play, pause or seek (host); reaches every member at once",
    tag: "sync",
    member: true,
    body: controlBody,
    pending: true,
    ok: { status: 200, description: "The new playback", schema: data(ref("Playback")) },
    errors: ["UNAUTHORIZED", "FORBIDDEN", "NOT_HOST", "INVALID_INPUT", "ROOM_NOT_FOUND", "RATE_LIMITED"],
  },
  {
    method: "get",
    path: "/api/rooms/{room_id}/playback",
    summary: "The host's clock and the server time",
    tag: "sync",
    member: true,
    ok: {
      status: 200,
      description: "Playback (a private room: members only)",
      schema: data(ref("Playback")),
    },
    errors: ["UNAUTHORIZED", "FORBIDDEN", "ROOM_NOT_FOUND"],
  },
  {
    method: "get",
    path: "/api/rooms/{room_id}/members",
    summary:
      "Members of a live room with their sync status, a page at a time in user id order ([] when dormant); in audience mode the only full list",
    tag: "members",
    member: true,
    query: membersQuery,
    ok: {
      status: 200,
      description: "A page of members (a private room: members only)",
      schema: data(
        { type: "array", items: ref("Member") },
        {
          next_cursor: {
            type: ["string", "null"],
            description: "the next page's cursor; null on the last page",
          },
          member_count: { type: "integer", description: "every member of the room" },
        },
      ),
    },
    errors: ["INVALID_INPUT", "UNAUTHORIZED", "FORBIDDEN", "ROOM_NOT_FOUND"],
  },
  {
    method: "patch",
    path: "/api/rooms/{room_id}/members/{user_id}",
    summary: "Change your username or avatar (that member)",
    tag: "members",
    member: true,
    body: memberUpdateBody,
    pending: true,
    ok: { status: 200, description: "The member", schema: data(ref("Member")) },
    errors: [
      "UNAUTHORIZED",
      "FORBIDDEN",
      "INVALID_INPUT",
      "ROOM_NOT_FOUND",
      "MEMBER_NOT_FOUND",
      "RATE_LIMITED",
    ],
  },
  {
    method: "get",
    path: "/api/rooms/{room_id}/stats",
    summary: "Members, host actions, comments and sync quality over the last hour",
    tag: "analytics",
    member: true,
    ok: {
      status: 200,
      description: "Room statistics (a private room: members only)",
      schema: data({ type: "object" }),
    },
    errors: ["UNAUTHORIZED", "FORBIDDEN", "ROOM_NOT_FOUND"],
  },
  {
    method: "get",
    path: "/api/rooms/{room_id}/timeline",
    summary:
      "Members and the share of them in sync, per minute of the last hour (60 buckets), from the stored status samples; at most 5 s old",
    tag: "analytics",
    member: true,
    query: timelineQuery,
    ok: {
      status: 200,
      description: "The room's timeline (a private room: members only); counts only, no member is named",
      schema: data(json(roomTimeline)),
    },
    errors: ["UNAUTHORIZED", "FORBIDDEN", "ROOM_NOT_FOUND", "INVALID_INPUT"],
  },
  {
    method: "get",
    path: "/api/writes/{write_id}",
    summary:
      "What became of a change answered 202: pending (queued, stored when the database is back), stored, or abandoned (given up, not stored)",
    tag: "sync",
    ok: {
      status: 200,
      description: "The write's status",
      schema: data({
        type: "object",
        properties: {
          write_id: { type: "string" },
          status: { enum: ["pending", "stored", "abandoned"] },
        },
        required: ["write_id", "status"],
      }),
    },
    errors: ["WRITE_NOT_FOUND"],
  },
  {
    method: "post",
    path: "/api/comments",
    summary: "Post a comment to the token's room and episode; reaches the live room",
    tag: "comments",
    member: true,
    body: commentBody,
    pending: true,
    ok: { status: 201, description: "The stored comment", schema: data(ref("Comment")) },
    errors: ["UNAUTHORIZED", "FORBIDDEN", "INVALID_INPUT", "ROOM_NOT_FOUND", "RATE_LIMITED"],
  },
  {
    method: "get",
    path: "/api/comments",
    summary: "One episode's thread: top-level comments with their replies; `until` hides spoilers",
    tag: "comments",
    query: threadQuery,
    ok: {
      status: 200,
      description: "A page of the thread",
      schema: data(
        {
          type: "object",
          properties: {
            anchor: { anyOf: [ref("Comment"), { type: "null" }] },
            comments: { type: "array", items: ref("Comment") },
          },
        },
        { next_cursor: { type: ["string", "null"] } },
      ),
    },
    errors: ["INVALID_INPUT"],
  },
  {
    method: "get",
    path: "/api/comments/history",
    summary: "Comment counts per episode and room, top commenters, hot moments (30 s buckets)",
    tag: "analytics",
    query: historyQuery,
    ok: { status: 200, description: "Aggregates", schema: data({ type: "object" }) },
    errors: ["INVALID_INPUT"],
  },
  {
    method: "get",
    path: "/health",
    summary: "Liveness and database check",
    tag: "operations",
    ok: { status: 200, description: "Healthy", schema: { type: "object" } },
    errors: ["UNAVAILABLE"],
  },
  {
    method: "get",
    path: "/health/live",
    summary: "Liveness for orchestrators: the process answers (no dependency is checked)",
    tag: "operations",
    ok: { status: 200, description: "The process is alive", schema: { type: "object" } },
    errors: [],
  },
  {
    method: "get",
    path: "/health/ready",
    summary: "Readiness for orchestrators: the database and Redis answer within 2 s (503 otherwise)",
    tag: "operations",
    ok: { status: 200, description: "Ready for traffic", schema: { type: "object" } },
    errors: ["UNAVAILABLE"],
  },
  {
    method: "get",
    path: "/api/openapi.json",
    summary: "This document",
    tag: "operations",
    ok: { status: 200, description: "OpenAPI 3.1", schema: { type: "object" } },
    errors: [],
  },
  {
    method: "get",
    path: "/api/docs",
    summary: "This document, for people",
    tag: "operations",
    ok: { status: 200, description: "HTML" },
    errors: [],
  },
];

const COMPONENTS = {
  Room: {
    type: "object",
    properties: {
      room_id: { type: "string" },
      title: { type: "string" },
      anime_id: { type: "string" },
      anime_title: { type: "string" },
      episode_number: { type: "integer" },
      video_url: { type: "string" },
      is_public: { type: "boolean" },
      host_user_id: { type: "string", description: "the current controller" },
      owner_user_id: { type: "string", description: "the verified creator" },
      created_at: { type: "number", description: "epoch ms" },
      member_count: { type: "integer" },
      status: { enum: ["live", "dormant"] },
      host_username: {
        type: ["string", "null"],
        description: "GET /api/rooms only: the host's name in this room",
      },
      playback: {
        ...ref("Playback"),
        description: "GET /api/rooms only: as stored after the last host action (paused while dormant)",
      },
    },
  },
  Playback: {
    type: "object",
    properties: {
      is_playing: { type: "boolean" },
      position: { type: "number", description: "seconds" },
      updated_at: { type: "number", description: "server epoch ms of the last host action" },
      rate: { type: "number" },
      seq: { type: "integer" },
      server_time: { type: "number", description: "server epoch ms now" },
    },
  },
  Member: {
    type: "object",
    properties: {
      user_id: { type: "string" },
      username: { type: "string" },
      avatar_url: { type: "string" },
      is_host: { type: "boolean" },
      connected: { type: "boolean" },
      joined_at: { type: "number" },
      position: { type: "number" },
      drift: { type: "number" },
      sync_status: { enum: ["synced", "drifting", "buffering", "unknown"] },
      last_heartbeat: { type: "number" },
      media_name: {
        type: "string",
        description:
          "the file the member plays instead of the room's video (`media` message); \"\" = the room's video",
      },
      media_duration_s: { type: "number", description: "that file's length in seconds; 0 = unknown" },
      different_file: {
        type: "boolean",
        description: "that file's length differs from the current item's duration_s by more than 5 s",
      },
    },
  },
  Comment: {
    type: "object",
    properties: {
      id: { type: "string" },
      anime_id: { type: "string" },
      episode_number: { type: "integer" },
      parent_id: { type: ["string", "null"] },
      user_id: { type: "string" },
      username: { type: "string" },
      message: { type: "string" },
      room_id: { type: ["string", "null"] },
      video_timestamp: { type: ["number", "null"] },
      created_at: { type: "number" },
      replies: { type: "array", items: { $ref: "#/components/schemas/Comment" } },
    },
  },
  SeatReservation: {
    type: "object",
    properties: {
      name: { type: "string" },
      roomId: { type: "string" },
      sessionId: { type: "string" },
      processId: { type: "string" },
    },
  },
  Error: {
    type: "object",
    properties: {
      error: {
        type: "object",
        properties: { code: { enum: Object.keys(ERRORS) }, message: { type: "string" } },
        required: ["code", "message"],
      },
    },
    required: ["error"],
  },
};

export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const parameters: unknown[] = [];
    if (r.path.includes("{room_id}")) parameters.push(roomIdParam);
    if (r.path.includes("{user_id}")) parameters.push({ ...roomIdParam, name: "user_id" });
    if (r.path.includes("{write_id}")) parameters.push({ ...roomIdParam, name: "write_id" });
    if (r.path.includes("{type}")) {
      parameters.push({ name: "type", in: "path", required: true, schema: { enum: HTTP_MESSAGE_TYPES } });
    }
    if (r.query) {
      for (const [name, field] of Object.entries(r.query.shape)) {
        parameters.push({
          name,
          in: "query",
          required: !(field as z.ZodType).safeParse(undefined).success,
          schema: json(field as z.ZodType),
        });
      }
    }
    const responses: Record<string, unknown> = {
      [r.ok.status]: {
        description: r.ok.description,
        ...(r.ok.schema ? { content: { "application/json": { schema: r.ok.schema } } } : {}),
      },
      ...(r.pending ? { 202: PENDING } : {}),
    };
    // every body passes the 64 KB limit of body-limit.ts first
    const errors: (keyof typeof ERRORS)[] = [
      ...r.errors,
      ...(r.body ? (["PAYLOAD_TOO_LARGE"] as const) : []),
      // a change whose write was given up within HTTP_WRITE_WAIT_S: not stored
      ...(r.pending && !r.errors.includes("UNAVAILABLE") ? (["UNAVAILABLE"] as const) : []),
    ];
    for (const code of errors) {
      const status = String(ERRORS[code].status);
      const existing = responses[status] as { description: string } | undefined;
      responses[status] = {
        description: existing ? `${existing.description}; ${code}` : code,
        content: { "application/json": { schema: ref("Error") } },
      };
    }
    (paths[r.path] ??= {})[r.method] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${r.path.replace(/[{}]/g, "").replace(/[/.](\w)/g, (_, c: string) => c.toUpperCase())}`,
      ...(parameters.length ? { parameters } : {}),
      ...(r.body
        ? { requestBody: { required: true, content: { "application/json": { schema: json(r.body) } } } }
        : {}),
      ...(r.member || r.identity
        ? {
            security: [
              ...(r.member ? [{ memberToken: [] }] : []),
              ...(r.identity ? [{ identityToken: [] }] : []),
            ],
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "AniSync HTTP API",
      version,
      description:
        "Watch-party rooms, playback sync, members and episode comments. Success: `{ data }`; failure: `{ error: { code, message } }`. Real-time play happens over the `watch_party` Colyseus room; see docs/contract-notes.md.",
    },
    paths,
    components: {
      schemas: COMPONENTS,
      securitySchemes: {
        identityToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "AUTH_MODE=guest: the token from `welcome.identity_token` or POST /auth/anonymous; AUTH_MODE=jwt: a token of the configured identity provider",
        },
        memberToken: {
          type: "http",
          scheme: "bearer",
          description: "the member_token from `welcome` or room creation",
        },
      },
    },
  };
}
