/** A room member as the state holds it, for unit tests: connected, not yet reported, no role. */
import { Member } from "../../schema/state.ts";

export function memberOf(user_id: string, fields: Partial<Omit<Member, "user_id">> = {}): Member {
  return new Member({
    user_id,
    username: user_id,
    avatar_url: "",
    is_host: false,
    connected: true,
    joined_at: 1,
    position: 0,
    drift: 0,
    sync_status: "unknown",
    last_heartbeat: 0,
    ready: "",
    lagging: false,
    is_cohost: false,
    muted: false,
    media_name: "",
    media_duration_s: 0,
    different_file: false,
    ...fields,
  });
}
