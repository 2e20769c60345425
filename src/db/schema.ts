/**
 * Tables (drizzle-orm). Migrations in migrations/ are generated from this file with
 * `npm run db:generate`; the same SQL runs on PostgreSQL and on embedded PGlite.
 */
import type { QueueItem } from "../sync/queue.ts";
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  sql,
  text,
  timestamp,
  uniqueIndex,
} from "./drizzle.ts";

export const rooms = pgTable(
  "rooms",
  {
    room_id: text("room_id").primaryKey(),
    title: text("title").notNull(),
    anime_id: text("anime_id").notNull(),
    anime_title: text("anime_title").notNull(),
    episode_number: integer("episode_number").notNull(),
    video_url: text("video_url").notNull(),
    is_public: boolean("is_public").notNull(),
    /** six digits for private rooms; never logged, never in state or listing */
    access_key: text("access_key"),
    /** the current controller; moves by transfer, succession and the owner's return */
    host_user_id: text("host_user_id").notNull(),
    /** the verified creator: deletes the room, rotates its key, gets the host role back on return */
    owner_user_id: text("owner_user_id").notNull(),
    /** private rooms: ≥ 128-bit invite secret; never logged, never in state or listing */
    invite_secret: text("invite_secret"),
    is_playing: boolean("is_playing").notNull().default(false),
    position: doublePrecision("position").notNull().default(0),
    /** server epoch ms of the last playback change */
    updated_at: doublePrecision("updated_at").notNull(),
    rate: doublePrecision("rate").notNull().default(1),
    seq: integer("seq").notNull().default(0),
    host_actions: integer("host_actions").notNull().default(0),
    peak_members: integer("peak_members").notNull().default(0),
    /** the episode's intro/outro/recap: [{ kind, start_s, end_s }] */
    segments: jsonb("segments")
      .$type<Array<{ kind: "intro" | "outro" | "recap"; start_s: number; end_s: number }>>()
      .notNull()
      .default([]),
    /** the episode queue (items as in schema/state.ts QueueItem) and the current item's id */
    queue: jsonb("queue").$type<QueueItem[]>().notNull().default([]),
    current_item: text("current_item").notNull().default(""),
    autoplay_next: boolean("autoplay_next").notNull().default(true),
    control_open: boolean("control_open").notNull().default(false),
    /** slow mode for comments (the host's; audience mode has it on whatever this says) */
    slow_mode: boolean("slow_mode").notNull().default(false),
    /** room settings (the host's) */
    wait_for_buffering: boolean("wait_for_buffering").notNull().default(true),
    auto_skip: boolean("auto_skip").notNull().default(false),
    /** comments posted in the room (private rooms' comments are stored without their room id) */
    comment_count: integer("comment_count").notNull().default(0),
    /** "live" while a process hosts it, "dormant" otherwise */
    status: text("status").notNull().default("live"),
    /**
     * the version of the room's last stored write (a hybrid clock, µs): a room write stores only
     * if its version is newer, so a write that arrives late (after a retry and later writes) changes nothing
     */
    write_version: bigint("write_version", { mode: "number" }).notNull().default(0),
    /**
     * The room's generation: bumped each time a process takes the room (restore). Every write of
     * a live room names the generation it holds; a write of an older one is refused (fencing).
     */
    epoch: integer("epoch").notNull().default(0),
    /** the Colyseus process id that took the room last (a hint: whether its holder still runs) */
    process_id: text("process_id"),
    created_at: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    last_active_at: timestamp("last_active_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    index("rooms_public_created_idx")
      .on(t.created_at.desc(), t.room_id.desc())
      .where(sql`${t.is_public}`),
    index("rooms_anime_idx").on(t.anime_id, t.created_at.desc(), t.room_id.desc()),
    index("rooms_last_active_idx").on(t.last_active_at),
  ],
);

export const members = pgTable(
  "members",
  {
    room_id: text("room_id")
      .notNull()
      .references(() => rooms.room_id, { onDelete: "cascade" }),
    user_id: text("user_id").notNull(),
    username: text("username").notNull(),
    avatar_url: text("avatar_url"),
    /** epoch ms of the current (or last) stay */
    joined_at: doublePrecision("joined_at").notNull(),
    left_at: doublePrecision("left_at"),
    /** id of the current (or last) stay; member tokens of other stays are refused */
    stay: text("stay"),
    /** named co-host by the host; kept across stays, dormancy and restarts until demoted */
    is_cohost: boolean("is_cohost").notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.room_id, t.user_id] })],
);

export const syncSamples = pgTable(
  "sync_samples",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    room_id: text("room_id")
      .notNull()
      .references(() => rooms.room_id, { onDelete: "cascade" }),
    user_id: text("user_id").notNull(),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull(),
    drift: doublePrecision("drift").notNull(),
    sync_status: text("sync_status").notNull(),
  },
  (t) => [index("sync_samples_room_at_idx").on(t.room_id, t.at), index("sync_samples_at_idx").on(t.at)],
);

export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/**
 * Episode discussions. Each (anime_id, episode_number) has one anchor row (kind "anchor",
 * created on first use) that roots the thread; top-level comments hang under the anchor and
 * replies under their parent. Comments outlive rooms: room_id is a plain column, no foreign key.
 */
export const comments = pgTable(
  "comments",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    kind: text("kind").notNull().default("comment"),
    anime_id: text("anime_id").notNull(),
    episode_number: integer("episode_number").notNull(),
    parent_id: bigint("parent_id", { mode: "number" }),
    /** 0 for the anchor, 1 for top-level comments, 2+ for replies */
    depth: integer("depth").notNull(),
    user_id: text("user_id"),
    username: text("username"),
    message: text("message").notNull(),
    room_id: text("room_id"),
    video_timestamp: doublePrecision("video_timestamp"),
    created_at: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("comments_one_anchor_per_episode")
      .on(t.anime_id, t.episode_number)
      .where(sql`${t.kind} = 'anchor'`),
    index("comments_thread_idx").on(t.anime_id, t.episode_number, t.parent_id, t.id),
    index("comments_parent_idx").on(t.parent_id, t.id),
    index("comments_room_idx").on(t.room_id),
    index("comments_episode_user_idx").on(t.anime_id, t.episode_number, t.user_id),
  ],
);

/** Users banned from a room (by verified identity): refused at admission, whatever key or invite. */
export const roomBans = pgTable(
  "room_bans",
  {
    room_id: text("room_id")
      .notNull()
      .references(() => rooms.room_id, { onDelete: "cascade" }),
    user_id: text("user_id").notNull(),
    reason: text("reason").notNull().default(""),
    banned_by: text("banned_by").notNull(),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.room_id, t.user_id] })],
);

/** Every moderation action (remove, ban, unban, mute, unmute), for the room's stats and review. */
export const moderationActions = pgTable(
  "moderation_actions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    room_id: text("room_id")
      .notNull()
      .references(() => rooms.room_id, { onDelete: "cascade" }),
    action: text("action").notNull(),
    target_user_id: text("target_user_id").notNull(),
    by_user_id: text("by_user_id").notNull(),
    reason: text("reason").notNull().default(""),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [index("moderation_actions_room_idx").on(t.room_id)],
);

/**
 * Timeline reactions, not stored one by one: counted per episode and 30 s bucket of the video
 * (bucket_start_s = floor(video_timestamp / 30) * 30), so the history's hot moments include them.
 */
export const reactionBuckets = pgTable(
  "reaction_buckets",
  {
    anime_id: text("anime_id").notNull(),
    episode_number: integer("episode_number").notNull(),
    bucket_start_s: doublePrecision("bucket_start_s").notNull(),
    reactions: integer("reactions").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.anime_id, t.episode_number, t.bucket_start_s] })],
);
