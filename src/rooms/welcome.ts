/**
 * The `welcome` message (pure): who you are in this room, your member token for this stay, the
 * private room's key and invite if you are its owner or host, and a guest identity just issued.
 */
import type { WelcomeMessage } from "../../schema/messages.ts";
import { signMemberToken } from "../security/member-token.ts";
import type { RoomSecrets } from "./room-access.ts";

export interface WelcomeInput {
  room_id: string;
  user_id: string;
  stay: string;
  host_user_id: string;
  owner_user_id: string;
  secrets: RoomSecrets | undefined;
  token: { secret: string; ttlS: number; nowMs: number };
  identity_token?: string;
}

export function buildWelcome(w: WelcomeInput): WelcomeMessage {
  const claims = {
    room_id: w.room_id,
    user_id: w.user_id,
    stay: w.stay,
    exp: w.token.nowMs + w.token.ttlS * 1000,
  };
  const welcome: WelcomeMessage = {
    user_id: w.user_id,
    is_host: w.host_user_id === w.user_id,
    is_owner: w.owner_user_id === w.user_id,
    member_token: signMemberToken(w.token.secret, claims),
  };
  if (w.secrets && (welcome.is_host || welcome.is_owner)) {
    welcome.access_key = w.secrets.access_key;
    welcome.invite = w.secrets.invite_secret;
  }
  if (w.identity_token) welcome.identity_token = w.identity_token;
  return welcome;
}
