/**
 * The room's matchmaking metadata: what the Colyseus monitor (/monitor) shows per room through its
 * `{ metadata: "…" }` columns (src/http/ops-routes.ts). Metadata travels with the room's listing
 * (the matchmaker driver, Redis in a cluster), so it carries only what an operator may read:
 * never a private room's access key or invite, never a member token.
 */

/** The part of the room state the metadata is made from (WatchPartyState satisfies it). */
export interface MetadataSource {
  title: string;
  anime_title: string;
  episode_number: number;
  is_public: boolean;
  host_user_id: string;
  /** the members shown (the host always is) */
  members: {
    get(user_id: string): { username: string } | undefined;
  };
  member_count: number;
}

export interface RoomMetadata {
  title: string;
  anime_title: string;
  episode_number: number;
  is_public: boolean;
  /** "public" or "private", for the monitor's column */
  visibility: "public" | "private";
  host_user_id: string;
  /** the host's display name; "" while the host holds no member entry (a creator not yet joined) */
  host_username: string;
  /** members in the room, connected or within their reconnection window (Colyseus's `clients`: connected only) */
  members: number;
}

/** The metadata object for `this.setMetadata(...)`: a fresh plain object, from named fields only. */
export function roomMetadata(state: MetadataSource): RoomMetadata {
  return {
    title: state.title,
    anime_title: state.anime_title,
    episode_number: state.episode_number,
    is_public: state.is_public,
    visibility: state.is_public ? "public" : "private",
    host_user_id: state.host_user_id,
    host_username: state.members.get(state.host_user_id)?.username ?? "",
    members: state.member_count,
  };
}

/** True when `next` differs from the metadata the room has now (so a periodic refresh persists only changes). */
export function metadataChanged(current: unknown, next: RoomMetadata): boolean {
  if (!current || typeof current !== "object") return true;
  const cur = current as Record<string, unknown>;
  return (Object.keys(next) as (keyof RoomMetadata)[]).some((k) => cur[k] !== next[k]);
}
