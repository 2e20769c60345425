/**
 * What a Syncplay viewer types, as AniSync join options, and what a refused join tells them.
 * - Room name: the AniSync room id, optionally `<room id>:<key or invite>` for a private room.
 * - Password: the room's 6-digit key. The real client sends only the MD5 of its password, which
 *   hashed-key.ts turns back into the key; a client that sends it in clear may also put, separated
 *   by spaces, an invite and `token:<jwt>` (an identity token) there.
 * The Syncplay username is the display name (trimmed to AniSync's 32 characters).
 */
import { parseCodedMessage } from "../../schema/protocol.ts";
import { isMd5Hex, keyFromMd5 } from "./hashed-key.ts";

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

/** The room field: `<room id>` or `<room id>:<key or invite>`. */
export function parseRoomField(field: string): { room: string; credentials: Credentials } {
  const at = field.indexOf(":");
  if (at < 0) return { room: field.trim(), credentials: {} };
  return { room: field.slice(0, at).trim(), credentials: parsePassword(field.slice(at + 1)) };
}

/** Everything the viewer typed, as credentials (the room field's win over the password's). */
export async function credentialsOf(
  field: string,
  password: string | undefined,
): Promise<{ room: string; credentials: Credentials }> {
  const { room, credentials } = parseRoomField(field);
  let fromPassword: Credentials = {};
  if (password && isMd5Hex(password)) {
    const key = await keyFromMd5(password);
    if (key) fromPassword = { access_key: key };
  } else fromPassword = parsePassword(password);
  return { room, credentials: { ...fromPassword, ...credentials } };
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
      return `This server admits signed-in viewers only (${coded.message}). The Syncplay client sends only a hash of its password, so it cannot carry a sign-in token: join from the web page.`;
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
