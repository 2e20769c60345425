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
    members: t.map(Member),
  },
  "WatchPartyState",
);
export type WatchPartyState = SchemaType<typeof WatchPartyState>;
