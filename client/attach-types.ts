/** What `attach()` (attach-video.ts) takes: the party it follows and its options. */
import type { PlaybackClock } from "./correction.ts";
import type { FollowOptions, StatusPolicy, StatusReport } from "./follow.ts";
import type { ControlAction } from "./watch-party.ts";

/** What `attach` needs from a party (a `WatchParty` has it all). */
export interface PartyLike {
  readonly state:
    | {
        playback: PlaybackClock & { seq: number };
        /** a buffering hold: whom the room waits for */
        hold?: { active: boolean; waiting_for: Iterable<string> };
      }
    | undefined;
  readonly isHost: boolean;
  /** this member's user id (to know when the room waits for it) */
  readonly userId?: string;
  /** may play, pause and seek (host, co-host, or a room with control open); default: isHost */
  readonly canControl?: boolean;
  /** false until the server clock was sampled once: no following before that */
  readonly clockSynced: boolean;
  serverNow(): number;
  control(action: ControlAction, currentTime: number): void;
  status(report: StatusReport): void;
  on(event: "state", listener: () => void): () => void;
}

export interface AttachOptions extends Partial<FollowOptions>, Partial<StatusPolicy> {
  /** Buffering this soon after a seek is the seek, not a stall, and holds nobody. Default 1 500 ms. */
  seekGraceMs?: number;
  /** How often the element is checked against the room. Default 250 ms. */
  tickMs?: number;
  /** The host's seeks are sent once it has stopped seeking for this long. Default 300 ms. */
  seekDebounceMs?: number;
  /** After the browser refused to autoplay, try again this often. Default 3 000 ms. */
  autoplayRetryMs?: number;
  /** The browser refused `play()` (autoplay policy): show a "click to play" control. */
  onAutoplayBlocked?: (error: unknown) => void;
  /** Local clock for the cooldowns. Default `performance.now()`. */
  now?: () => number;
}

/** The options of `defaults`' keys that were given (so `{ tickMs: undefined }` keeps a default). */
export function definedOnly<T extends object>(given: object, defaults: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(defaults) as (keyof T)[]) {
    const value = (given as Partial<T>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
