/**
 * The wire contract's inputs as zod schemas: room options and client → server messages.
 * The same schemas validate at the edge (rooms, HTTP) and describe the API.
 * The messages and HTTP bodies (not the room options) are strict: an unknown field is refused
 * (INVALID_INPUT naming it), never dropped. Every position and timestamp is within MAX_POSITION_S.
 */
import { z } from "zod";
import { PROTOCOL_VERSION_PATTERN } from "./protocol.ts";
import type { CommentView } from "./comments.ts";

/**
 * Text a person typed. Never a NUL character: PostgreSQL's text cannot hold one, so such a value would
 * fail for good at the database, and with it every write stored together with it (joins in a row
 * share one write: src/rooms/room-store.ts).
 */
const text = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    // eslint-disable-next-line no-control-regex -- the NUL character is exactly what this refuses
    .regex(/^[^\u0000]*$/, "must not contain a NUL character");

/** the SDK's `major.minor` (schema/protocol.ts); a major the server does not speak is UNSUPPORTED_PROTOCOL */
const protocolVersion = z
  .string()
  .regex(PROTOCOL_VERSION_PATTERN, "must be major.minor")
  .describe(
    "the client's protocol version, major.minor; a major this server does not speak is UNSUPPORTED_PROTOCOL",
  )
  .optional();

export const httpUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http(s) URL");

/** The longest video a room can play: 48 h. Every position and timestamp is bounded by it. */
export const MAX_POSITION_S = 172_800;
export const position = z.number().finite().min(0).max(MAX_POSITION_S);
export const userId = text(1, 64);
export const roomId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "must be a room id");

/** An intro, outro or recap of the episode, [start_s, end_s). */
export const segmentInput = z
  .strictObject({
    kind: z.enum(["intro", "outro", "recap"]),
    start_s: position,
    end_s: position,
  })
  .refine((s) => s.end_s > s.start_s, "end_s must be after start_s");
export const segmentList = z.array(segmentInput).max(10);
export type SegmentInput = z.infer<typeof segmentInput>;

export const createRoomOptions = z.strictObject({
  title: text(1, 120),
  anime_id: text(1, 100),
  anime_title: text(1, 200),
  episode_number: z.number().int().min(0).max(1_000_000),
  video_url: httpUrl,
  /** optional: the verified identity is used; in AUTH_MODE=open it is required */
  host_user_id: userId.optional(),
  /** optional in AUTH_MODE=jwt when the token carries a name */
  host_username: text(1, 32).optional(),
  avatar_url: httpUrl.optional(),
  is_public: z.boolean().default(true),
  /** the episode's intro/outro/recap, for skip and auto_skip */
  segments: segmentList.optional(),
  /** skip segments automatically at their start (default false) */
  auto_skip: z.boolean().optional(),
  /** hold playback while a member buffers (default true) */
  wait_for_buffering: z.boolean().optional(),
  protocol_version: protocolVersion,
});
export type CreateRoomOptions = z.infer<typeof createRoomOptions>;

export const joinRoomOptions = z.strictObject({
  /** optional: the verified identity is used; in AUTH_MODE=open it is required */
  user_id: userId.optional(),
  /** optional in AUTH_MODE=jwt when the token carries a name */
  username: text(1, 32).optional(),
  avatar_url: httpUrl.optional(),
  access_key: z.string().max(64).optional(),
  /** a private room's invite secret (from the owner's invite link) */
  invite: z.string().max(128).optional(),
  protocol_version: protocolVersion,
});
export type JoinRoomOptions = z.infer<typeof joinRoomOptions>;

/** An episode of the queue, as the host adds it. */
export const queueItemInput = z.strictObject({
  anime_id: text(1, 100),
  anime_title: text(1, 200),
  episode_number: z.number().int().min(0).max(1_000_000),
  video_url: httpUrl,
  title: text(1, 120).optional(),
  duration_s: position.optional(),
  segments: segmentList.optional(),
});
export type QueueItemInput = z.infer<typeof queueItemInput>;
/** `queue_add` (host, co-host): items appended to the queue (≤ 50 at once; ≤ 200 in a queue). */
export const queueAddMessage = z.strictObject({ items: z.array(queueItemInput).min(1).max(50) });
const itemId = z.string().min(1).max(32);
/** `queue_remove` (host, co-host): an item other than the current one. */
export const queueRemoveMessage = z.strictObject({ item_id: itemId });
/** `queue_move` (host, co-host): an item to a new index. */
export const queueMoveMessage = z.strictObject({ item_id: itemId, index: z.number().int().min(0).max(1000) });
/** `queue_jump` (host, co-host): switch to an item now. */
export const queueJumpMessage = z.strictObject({ item_id: itemId });
/** `advance_cancel` / `advance_now` (host, co-host): cancel the countdown, or switch to the next item now. */
export const advanceMessage = z.strictObject({});
/** `set_cohost` (host): promote or demote a member. */
export const setCohostMessage = z.strictObject({ user_id: userId, cohost: z.boolean() });

const reason = z.string().trim().max(200).optional();
/** `remove_member` (host, owner): the member leaves at once; their seat and member token end. */
export const removeMemberMessage = z.strictObject({ user_id: userId, reason });
/** `ban` (host, owner): removed, and refused at every later join (key and invite included). */
export const banMessage = z.strictObject({ user_id: userId, reason });
/** `unban` (host, owner). */
export const unbanMessage = z.strictObject({ user_id: userId });
/** `mute` (host, owner): the member's comments are refused (MUTED) until unmuted. */
export const muteMessage = z.strictObject({ user_id: userId, muted: z.boolean() });

/** `set_rate` (host): the shared speed. */
export const setRateMessage = z.strictObject({ rate: z.number().finite().min(0.25).max(2) });
/** `skip` (host): past the segment the room is in. */
export const skipMessage = z.strictObject({});
/** `set_segments` (host): the episode's intro/outro/recap. */
export const setSegmentsMessage = z.strictObject({ segments: segmentList });
/** `settings` (host): room settings. */
export const settingsMessage = z
  .strictObject({
    wait_for_buffering: z.boolean().optional(),
    auto_skip: z.boolean().optional(),
    /** after an auto-advance, play the next item (default) or wait paused */
    autoplay_next: z.boolean().optional(),
    /** everyone may play, pause and seek (small friend groups); default: host and co-hosts */
    control_open: z.boolean().optional(),
    /** slow mode: at most ROOM_CHAT_PER_S comments a second reach everyone (audience mode: always) */
    slow_mode: z.boolean().optional(),
  })
  .refine((s) => Object.values(s).some((v) => v !== undefined), "give a setting");
/** `ready_check` (host): start one, playback starts when all are ready or after `timeout_s`. */
export const readyCheckMessage = z.strictObject({ timeout_s: z.number().int().min(3).max(300) });
/** `reaction` (member): a short emoji on the timeline, delivered at once, counted per 30 s bucket. */
export const reactionMessage = z.strictObject({
  emoji: z
    .string()
    .min(1)
    .max(16)
    .regex(/^[^\p{L}\p{N}\s<>&]+$/u, "must be an emoji"),
  video_timestamp: position,
});
export type ReactionMessage = z.infer<typeof reactionMessage>;

/** The `reaction` message the room sends to every member. */
export interface ReactionView extends ReactionMessage {
  user_id: string;
}

/**
 * The `reaction_counts` message of a room in audience mode (instead of one `reaction` each):
 * reactions by emoji in the window [from, to) (server ms), at most 32 emoji; `total` counts all.
 */
export interface ReactionCountsView {
  counts: Record<string, number>;
  total: number;
  from: number;
  to: number;
}

/** The `comment_batch` message of a room in audience mode: the comments of the last second for everyone. */
export interface CommentBatchView {
  comments: CommentView[];
}

/**
 * `media` (member): the member plays its own file instead of the room's video (Syncplay, a local
 * copy): its name and length (0 = unknown). `{ name: "", duration_s: 0 }`: the room's video again.
 */
export const mediaMessage = z.strictObject({
  name: z.string().max(250),
  duration_s: position,
});
export type MediaMessage = z.infer<typeof mediaMessage>;

/** `ready` (member): the answer to a ready check. */
export const readyMessage = z.strictObject({ ready: z.boolean() });

export const controlMessage = z.strictObject({
  action: z.enum(["play", "pause", "seek"]),
  current_time: position,
});
export type ControlMessage = z.infer<typeof controlMessage>;

export const statusMessage = z.strictObject({
  current_time: position,
  is_playing: z.boolean(),
  buffering: z.boolean().optional(),
  /** the player reached the end of the episode (the host's report starts the auto-advance countdown) */
  ended: z.boolean().optional(),
});
export type StatusMessage = z.infer<typeof statusMessage>;

export const transferHostMessage = z.strictObject({ user_id: userId });
export type TransferHostMessage = z.infer<typeof transferHostMessage>;

export const commentId = z.string().regex(/^[1-9][0-9]{0,17}$/, "must be a comment id");

/** A comment's text is stored exactly as given (never trimmed, never interpreted as HTML). */
export const commentMessage = z.strictObject({
  message: z
    .string()
    .min(1)
    .max(1000)
    .refine((m) => m.trim().length > 0, "must not be blank")
    .refine((m) => !m.includes("\u0000"), "must not contain a NUL character"),
  video_timestamp: position.optional(),
  parent_id: commentId.optional(),
});
export type CommentMessage = z.infer<typeof commentMessage>;

/**
 * `PATCH /api/rooms/:room_id/members/:user_id`: the member's name or avatar, and/or its playback
 * status as the `status` message reports it (the original design's members-update-status):
 * `current_time` (or v1's member field `position`), `is_playing` (default: as the room plays),
 * `buffering` (or `sync_status: "buffering"`; the server derives every other sync_status).
 */
const memberUpdateFields = z.strictObject({
  username: text(1, 32).optional(),
  avatar_url: httpUrl.optional(),
  current_time: position.optional(),
  position: position.optional(),
  is_playing: z.boolean().optional(),
  buffering: z.boolean().optional(),
  sync_status: z.enum(["synced", "drifting", "buffering", "unknown"]).optional(),
});
export const memberUpdate = memberUpdateFields
  .refine((u) => Object.values(u).some((v) => v !== undefined), "give username, avatar_url or current_time")
  .refine(
    (u) => u.current_time === undefined || u.position === undefined,
    "position: give current_time or position, not both",
  )
  .refine(
    (u) =>
      u.current_time !== undefined ||
      u.position !== undefined ||
      (u.is_playing === undefined && u.buffering === undefined && u.sync_status === undefined),
    "current_time: required with is_playing, buffering or sync_status",
  );
export type MemberUpdate = z.infer<typeof memberUpdate>;

/** Whether a member update's body (unparsed) sets a name or an avatar. */
export function changesProfile(body: unknown): boolean {
  return typeof body === "object" && body !== null && ("username" in body || "avatar_url" in body);
}

/** A member update's profile part, if any. */
export function profileOf(u: MemberUpdate): { username?: string; avatar_url?: string } | undefined {
  if (u.username === undefined && u.avatar_url === undefined) return undefined;
  return {
    ...(u.username !== undefined && { username: u.username }),
    ...(u.avatar_url !== undefined && { avatar_url: u.avatar_url }),
  };
}

/** A member update's status report, if it has one (`roomPlaying` when it does not say `is_playing`). */
export function statusOf(u: MemberUpdate, roomPlaying: boolean): StatusMessage | undefined {
  const current_time = u.current_time ?? u.position;
  if (current_time === undefined) return undefined;
  const buffering = u.buffering ?? (u.sync_status === "buffering" ? true : undefined);
  return {
    current_time,
    is_playing: u.is_playing ?? roomPlaying,
    ...(buffering !== undefined && { buffering }),
  };
}

/** The `welcome` message, sent to each client once it has joined (and again after a reconnect). */
export interface WelcomeMessage {
  user_id: string;
  is_host: boolean;
  is_owner: boolean;
  /** authorises HTTP calls for this stay only (ends with leave, removal or the room's deletion) */
  member_token: string;
  /** a private room's key and invite secret: to its owner and its host */
  access_key?: string;
  invite?: string;
  /** a guest identity the server just issued to a client that presented none: keep it */
  identity_token?: string;
}

/** The `error` message. */
export interface ErrorMessage {
  code: string;
  message: string;
  type: string;
}

/** Turns a zod failure into one readable line that names the field (an unknown one too). */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid input";
  if (issue.code === "unrecognized_keys" && issue.keys[0] !== undefined) {
    return `${[...issue.path, issue.keys[0]].join(".")}: unknown field`;
  }
  const field = issue.path.length > 0 ? issue.path.join(".") : "payload";
  return `${field}: ${issue.message}`;
}

/**
 * The HTTP bodies as the original design shows them: they may restate what the server knows.
 * Each such field must equal it (src/rooms/stated-context.ts); these schemas describe the bodies
 * in the OpenAPI document and check their shape at the edge.
 */
const restated = {
  room_id: roomId.optional().describe("if given: the room of your member token"),
  anime_id: text(1, 100).optional().describe("if given: the room's current anime"),
  episode_number: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .optional()
    .describe("if given: the room's current episode"),
  user_id: userId.optional().describe("if given: your identity"),
};
export const commentBody = commentMessage.extend({
  ...restated,
  username: text(1, 32).optional().describe("if given: your name in the room"),
});
export const controlBody = controlMessage.extend({
  ...restated,
  host_user_id: userId.optional().describe("if given: your identity"),
});
export const memberUpdateBody = memberUpdateFields.extend(restated);
