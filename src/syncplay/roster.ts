/**
 * The room's members as Syncplay sees them: one name per member (a second "Hana" becomes
 * "Hana (2)"), the `List` answer, the `Set user` join/leave events, and the Hello answer's features.
 */
import type { FileIn } from "./codec.ts";

export interface RosterMember {
  user_id: string;
  username: string;
  connected: boolean;
  joined_at: number;
  ready: string;
}

/** user_id → the name Syncplay shows, unique within the room, oldest member first. */
export function syncplayNames(members: Iterable<RosterMember>): Map<string, string> {
  const sorted = [...members].sort((a, b) => a.joined_at - b.joined_at || (a.user_id < b.user_id ? -1 : 1));
  const taken = new Set<string>();
  const names = new Map<string, string>();
  for (const m of sorted) {
    let name = m.username || "viewer";
    for (let n = 2; taken.has(name); n++) name = `${m.username} (${n})`;
    taken.add(name);
    names.set(m.user_id, name);
  }
  return names;
}

/**
 * The `List` answer. `files` are the Syncplay members' files this process knows; everyone else
 * shows no file, which Syncplay's "unpause when others are ready" never waits for.
 */
export function listAnswer(
  room: string,
  members: Iterable<RosterMember>,
  files: ReadonlyMap<string, FileIn>,
  readyCheckActive: boolean,
): Record<string, Record<string, unknown>> {
  const list = [...members].filter((m) => m.connected);
  const names = syncplayNames(list);
  const users: Record<string, unknown> = {};
  for (const m of list) {
    const file = files.get(m.user_id);
    users[names.get(m.user_id)!] = {
      position: 0,
      file: file ?? {},
      controller: false,
      isReady: readyCheckActive ? m.ready === "ready" : true,
      features: {},
    };
  }
  return { [room]: users };
}

/** `Set user` for a member who joined or left. */
export function userEvent(room: string, name: string, event: "joined" | "left"): Record<string, unknown> {
  return { Set: { user: { [name]: { room: { name: room }, event: { [event]: true } } } } };
}

/** Longest chat line a Syncplay member may send (a comment is at most 1000 characters). */
export const MAX_CHAT_LENGTH = 1000;

/** The server's `Hello` answer. */
export function helloAnswer(username: string, room: string, clientVersion: string, motd: string) {
  return {
    Hello: {
      username,
      room: { name: room },
      version: clientVersion,
      realversion: "1.6.9",
      motd,
      features: {
        isolateRooms: true,
        readiness: true,
        managedRooms: false,
        chat: true,
        maxChatMessageLength: MAX_CHAT_LENGTH,
        maxUsernameLength: 32,
        maxRoomNameLength: 64,
        maxFilenameLength: 250,
      },
    },
  };
}
