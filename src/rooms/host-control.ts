/**
 * A host action's way from the message to every member's patch: the body checked (the usual body
 * recognised by plain-control.ts, any other by schema/messages.ts), the sender's role
 * (src/sync/permissions.ts) and the room's control rate limit, the playback changed
 * (src/sync/playback.ts) and flushed at once, then stored.
 *
 * A host who keeps within the control limit has the limit's answer in hand (counted-ahead.ts):
 * from the host's message to the members' patch nothing waits. On a quiet server this code runs
 * cold (caches and branch predictors taken by whatever ran in the 50 ms before), and every step
 * and every promise turn on it costs tens of microseconds that every member waits
 * (docs/performance.md, "The host's path, cold").
 */
import type { Playback, WatchPartyState } from "../../schema/state.ts";
import { controlMessage } from "../../schema/messages.ts";
import { AppError } from "../errors.ts";
import { metrics } from "../ops/metrics.ts";
import type { CountedAhead } from "../security/counted-ahead.ts";
import type { RateLimits } from "../security/rate-limits.ts";
import { applyHostCommand, type HostCommand, type PlaybackSnapshot } from "../sync/playback.ts";
import { allowed, type Permission } from "../sync/permissions.ts";
import { parseOrThrow } from "../validate.ts";
import { plainControl } from "./plain-control.ts";
import type { RoomStore } from "./room-store.ts";
import type { Roster } from "./roster.ts";
import { acceptStatedContext, type ContextField, type KnownContext } from "./stated-context.ts";

export interface HostControlParts {
  state: WatchPartyState;
  roster: Roster;
  /** the room's own message limits (in memory: a room lives in one process) */
  limits: RateLimits;
  store: RoomStore;
  /** send the state's changes to every member now */
  flush(): void;
  /** the host played, paused or seeked: a hold or a ready check ends (group-playback.ts) */
  tookOver(): void;
  /** what the server knows of `fields` for a request by `userId` (stated-context.ts) */
  known(userId: string, fields: readonly ContextField[]): KnownContext;
}

/** The playback as plain numbers, for the pure rules of src/sync/playback.ts. */
export function snapshotOf(pb: Playback): PlaybackSnapshot {
  const { is_playing, position, updated_at, rate, seq } = pb;
  return { is_playing, position, updated_at, rate, seq };
}

export class HostControl {
  private readonly parts: HostControlParts;
  /** the control limit, each user's next request counted ahead */
  private readonly limit: CountedAhead;

  constructor(parts: HostControlParts) {
    this.parts = parts;
    this.limit = parts.limits.countedAhead("control");
  }

  /**
   * play, pause or seek: checked, rate-limited, applied, flushed, then stored (`stored`). Not an
   * async function: a refused body or role throws here, and with the limit's answer in hand the
   * members' patch is sent before this returns.
   */
  control(userId: string, payload: unknown): Promise<{ stored: Promise<void> }> {
    const cmd =
      plainControl(payload) ??
      parseOrThrow(
        controlMessage,
        acceptStatedContext(payload, () =>
          this.parts.known(userId, ["room_id", "anime_id", "episode_number", "user_id", "host_user_id"]),
        ),
      );
    const allowedNow = this.authorize(userId, "control");
    if (allowedNow === true) return Promise.resolve(this.perform(cmd));
    return allowedNow.then(() => this.perform(cmd));
  }

  /**
   * The sender's role allows it (src/sync/permissions.ts; NOT_HOST thrown here), within the
   * control rate limit: true when its answer was in hand, else the count's promise.
   */
  authorize(userId: string, permission: Permission): true | Promise<void> {
    const { state, roster } = this.parts;
    const who = {
      is_host: userId === state.host_user_id,
      is_cohost: roster.get(userId)?.is_cohost === true,
      is_owner: userId === state.owner_user_id,
    };
    if (!allowed(permission, who, state.settings.control_open)) throw new AppError("NOT_HOST");
    return this.limit.take(userId);
  }

  private perform(cmd: HostCommand): { stored: Promise<void> } {
    this.parts.tookOver();
    return { stored: this.apply(cmd, true) };
  }

  /** A playback change (seq bumps): flushed at once unless on the room clock, then stored. */
  apply(cmd: HostCommand, flush: boolean): Promise<void> {
    const { state, store } = this.parts;
    const started = performance.now();
    state.playback.assign(applyHostCommand(snapshotOf(state.playback), cmd, Date.now()));
    if (flush) {
      this.parts.flush();
      metrics.hostActionFanout.observe((performance.now() - started) / 1000);
      metrics.messagesOut.inc({ type: "patch" });
    }
    return store.hostState(snapshotOf(state.playback), state.host_user_id, true);
  }
}
