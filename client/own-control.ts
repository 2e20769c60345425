/**
 * Tells the host's own `control` coming back from the room apart from a change someone else
 * made meanwhile (the queue advanced, a co-host acted, the server held or resumed the room).
 * Timing alone cannot: a switch to the next episode can land a second after the host's player
 * paused at the end of the last one. The echo is the playback the host asked for: `play` and
 * `pause` set `is_playing` and take the host's position; `seek` takes the position.
 */
import type { ControlAction } from "./party-types.ts";

export interface OwnControl {
  action: ControlAction;
  position: number;
  /** local clock when it was sent */
  at: number;
}

/** how far the echo's position may sit from the position sent (the server stores what it got) */
export const ECHO_POSITION_TOLERANCE_S = 0.05;

export function isOwnEcho(
  playback: { is_playing: boolean; position: number },
  own: OwnControl | undefined,
  now: number,
  cooldownMs: number,
): boolean {
  if (!own || now - own.at > cooldownMs) return false;
  if (Math.abs(playback.position - own.position) > ECHO_POSITION_TOLERANCE_S) return false;
  if (own.action === "play") return playback.is_playing;
  if (own.action === "pause") return !playback.is_playing;
  return true;
}
