/**
 * What a Syncplay viewer types, as AniSync join options, and what a refused join tells them.
 * Syncplay has one password field; it carries, separated by spaces, any of:
 * - the room's 6-digit access key, or its invite secret (a private room);
 * - `token:<jwt>`: the viewer's identity token (AUTH_MODE=jwt; also a guest token in guest mode).
 * The Syncplay username is the display name (trimmed to AniSync's 32 characters).
 */
import { parseCodedMessage } from "../../schema/protocol.ts";

export interface Credentials {
  token?: string;
  access_key?: string;
  invite?: string;
}

const KEY = /^\d{6}$/;
const TOKEN_PREFIX = "token:";

export function parsePassword(password: string | undefined): Credentials {
  const out: Credentials = {};
  for (const part of (password ?? "").split(/\s+/).filter(Boolean)) {
    if (part.startsWith(TOKEN_PREFIX)) out.token = part.slice(TOKEN_PREFIX.length);
    else if (KEY.test(part)) out.access_key = part;
    else out.invite = part.slice(0, 128);
  }
  return out;
}

/** AniSync's display name for a Syncplay username: trimmed, at most 32 characters, never empty. */
export function displayName(username: string): string {
  const name = username.replace(/\s+/g, " ").trim().slice(0, 32).trim();
  return name || "viewer";
}

/** A room id as AniSync makes them (the Syncplay room name must be one). */
export function isRoomId(name: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(name);
}

const HOW_TO_JOIN =
  "Use the room id shown on the party's web page as the Syncplay room name (and, for a private room, its 6-digit key or invite as the password).";

/** The Syncplay `Error` text for a join the room refused (the SDK's "CODE: message" error). */
export function refusalText(room: string, err: unknown): string {
  const raw = (err as { message?: unknown })?.message;
  const coded = typeof raw === "string" ? parseCodedMessage(raw) : undefined;
  switch (coded?.code) {
    case "ROOM_NOT_FOUND":
      return `There is no AniSync room "${room}". ${HOW_TO_JOIN}`;
    case "INVALID_ACCESS_KEY":
      return `Wrong access key or invite for room "${room}": put the room's 6-digit key or its invite in the password field.`;
    case "TOO_MANY_ATTEMPTS":
      return `Too many wrong access keys for room "${room}" from your address; wait a minute and try again.`;
    case "BANNED":
      return `You are banned from room "${room}".`;
    case "ROOM_FULL":
      return `Room "${room}" is full.`;
    case "UNAUTHORIZED":
      return `This server needs an identity: put token:<your token> in the password field (${coded.message}).`;
    case "RATE_LIMITED":
      return "Too many joins; wait a minute and try again.";
    default:
      return coded
        ? `Could not join room "${room}": ${coded.code}: ${coded.message}`
        : `Could not join room "${room}"; try again later.`;
  }
}

/** The Syncplay `Error` text when the room closes this member's connection (its WebSocket close reason). */
export function closedText(code: number, reason: string | undefined): string {
  const coded = reason ? parseCodedMessage(reason) : undefined;
  if (coded?.code === "REMOVED") return `You were removed from the room${suffix(coded.message)}.`;
  if (coded?.code === "BANNED") return `You were banned from the room${suffix(coded.message)}.`;
  if (code === 4001) return "The server is restarting; connect again in a moment.";
  return `The room closed your connection (${code}${reason ? `: ${reason}` : ""}).`;
}

function suffix(message: string): string {
  return message ? `: ${message}` : "";
}
