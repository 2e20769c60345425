/**
 * The replicated room state (the contract's "State" section). Positions and times are float64:
 * Colyseus' plain number type would encode float32.
 */
import { schema, t, type SchemaType } from "@colyseus/schema";

export const SYNC_STATUSES = ["synced", "drifting", "buffering", "unknown"] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

export const Member = schema(
  {
    user_id: t.string(),
    username: t.string(),
    avatar_url: t.string(),
    is_host: t.boolean(),
    connected: t.boolean(),
    joined_at: t.float64(),
    position: t.float64(),
    drift: t.float64(),
    sync_status: t.string(),
    last_heartbeat: t.float64(),
    /** ready check answer: "" (none asked or not answered), "ready" or "not_ready" */
    ready: t.string(),
    /** the room stopped waiting for this member's buffering (hold timed out); it catches up */
    lagging: t.boolean(),
    /** a co-host controls playback and the queue with the host */
    is_cohost: t.boolean(),
    /** the host or owner muted this member's comments */
    muted: t.boolean(),
    /** the file this member plays instead of the room's video (`media` message): its name, "" = the room's video */
    media_name: t.string(),
    /** that file's length in seconds; 0 = unknown or the room's video */
    media_duration_s: t.float64(),
    /** that file's length is not the current item's (more than 5 s apart, both known): another cut or file */
    different_file: t.boolean(),
  },
  "Member",
);
export type Member = SchemaType<typeof Member>;

export const Playback = schema(
  {
    is_playing: t.boolean(),
    position: t.float64(),
    updated_at: t.float64(),
    rate: t.float64(),
    seq: t.uint32(),
  },
  "Playback",
);
export type Playback = SchemaType<typeof Playback>;

/** An intro, outro or recap, [start_s, end_s). */
export const Segment = schema({ kind: t.string(), start_s: t.float64(), end_s: t.float64() }, "Segment");
export type Segment = SchemaType<typeof Segment>;

/** The host's room settings. */
export const RoomSettings = schema(
  {
    wait_for_buffering: t.boolean(),
    auto_skip: t.boolean(),
    autoplay_next: t.boolean(),
    control_open: t.boolean(),
    /** slow mode: at most ROOM_CHAT_PER_S comments a second reach everyone (always on in audience mode) */
    slow_mode: t.boolean(),
  },
  "RoomSettings",
);
export type RoomSettings = SchemaType<typeof RoomSettings>;

/** A buffering hold: the room paused at `position` since `since`, waiting for these members. */
export const Hold = schema(
  { active: t.boolean(), since: t.float64(), position: t.float64(), waiting_for: t.array("string") },
  "Hold",
);
export type Hold = SchemaType<typeof Hold>;

/** A ready check: playback starts when every connected member is ready, or at `deadline`. */
export const ReadyCheck = schema({ active: t.boolean(), deadline: t.float64() }, "ReadyCheck");
export type ReadyCheck = SchemaType<typeof ReadyCheck>;

/** An episode of the queue. */
export const QueueItem = schema(
  {
    item_id: t.string(),
    anime_id: t.string(),
    anime_title: t.string(),
    episode_number: t.uint32(),
    video_url: t.string(),
    title: t.string(),
    duration_s: t.float64(),
    segments: t.array(Segment),
  },
  "QueueItem",
);
export type QueueItem = SchemaType<typeof QueueItem>;

/**
 * Members' status reports folded for the room (connected members): how many are in each sync
 * status, and the |drift| percentiles of those reporting (ms). Refreshed about once a second.
 */
export const SyncSummary = schema(
  {
    synced: t.uint32().default(0),
    drifting: t.uint32().default(0),
    buffering: t.uint32().default(0),
    unknown: t.uint32().default(0),
    drift_p50_ms: t.float64().default(0),
    drift_p95_ms: t.float64().default(0),
  },
  "SyncSummary",
);
export type SyncSummary = SchemaType<typeof SyncSummary>;

export const WatchPartyState = schema(
  {
    room_id: t.string(),
    title: t.string(),
    anime_id: t.string(),
    anime_title: t.string(),
    episode_number: t.uint32(),
    video_url: t.string(),
    is_public: t.boolean(),
    created_at: t.float64(),
    host_user_id: t.string(),
    owner_user_id: t.string(),
    playback: Playback,
    /**
     * The members shown: everyone in a small room; in audience mode (`audience`, more than
     * AUDIENCE_MODE_ABOVE members) the host, co-hosts and recent chatters only, at most
     * AUDIENCE_VISIBLE_MAX (GET /api/rooms/:id/members pages through all of them).
     */
    members: t.map(Member),
    /** every member with a seat in the room (connected or reconnecting), in either mode */
    member_count: t.uint32().default(0),
    /** audience mode: a big room (see `members`); comments in slow mode, reactions as counts */
    audience: t.boolean().default(false),
    sync_summary: SyncSummary,
    settings: RoomSettings,
    hold: Hold,
    ready_check: ReadyCheck,
    segments: t.array(Segment),
    queue: t.array(QueueItem),
    current_item: t.string(),
    /** server time (ms) of the coming switch to the next item; 0 = no countdown */
    advance_at: t.float64(),
  },
  "WatchPartyState",
);
export type WatchPartyState = SchemaType<typeof WatchPartyState>;
