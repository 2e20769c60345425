/**
 * What a video element should do on each tick of `attach` (pure). The DOM side takes a snapshot
 * of the element, asks these functions, and carries out the answer.
 *
 * - A member follows the room: play/pause as the host does, and corrects its position with
 *   `decideCorrection`. No corrections while the element is seeking or buffering, or within
 *   `seekCooldownMs` of its own last seek (the element needs time to settle after a seek).
 * - The host leads: its element is the truth. It only tells the room when the room disagrees with
 *   it for longer than a cooldown (a lost or refused `control`, or a host that buffered and fell
 *   behind its own announced position).
 * - Status reports go out on change and about every `statusIntervalMs`.
 */
import {
  DEFAULT_CORRECTION,
  decideCorrection,
  expectedPosition,
  type CorrectionOptions,
  type PlaybackClock,
} from "./correction.ts";

export interface ElementSnapshot {
  currentTime: number;
  paused: boolean;
  playbackRate: number;
  seeking: boolean;
  /** waiting for data while meant to be playing */
  buffering: boolean;
  ended: boolean;
  /** seconds; NaN or Infinity when unknown */
  duration: number;
}

export type ElementAction =
  { type: "seek"; to: number } | { type: "rate"; rate: number } | { type: "play" } | { type: "pause" };

export interface FollowOptions extends CorrectionOptions {
  /** No position correction this soon after the element's last programmatic seek. Default 500 ms. */
  seekCooldownMs: number;
  /** The host re-announces its position when it is this far from its announced one. Default 0.5 s. */
  hostResyncS: number;
  /** The host sends at most one corrective `control` per this interval. Default 2 000 ms. */
  hostCooldownMs: number;
  /**
   * After a playback change the host did not make, its element follows the room like a member's
   * for `hostCooldownMs`, and on while it is still closing a gap, at most this long. Default 10 000 ms.
   */
  hostFollowMaxMs: number;
}

export const DEFAULT_FOLLOW: Readonly<FollowOptions> = Object.freeze({
  ...DEFAULT_CORRECTION,
  seekCooldownMs: 500,
  hostResyncS: 0.5,
  hostCooldownMs: 2_000,
  hostFollowMaxMs: 10_000,
});

/**
 * Whether the host's element follows the room (pure), `sinceMs` after a change the host did not
 * make (a hold, a resume, a new speed): for `hostCooldownMs`, then on while it still plays at a
 * nudged rate, up to `hostFollowMaxMs`. A speed change re-anchors the room where the server
 * expected the host when the message arrived, while the host's element kept its old rate until the
 * change came back: following closes that gap (one trip × the change of rate), so that members,
 * who follow the room, see the host's picture.
 */
export function hostFollowsRoom(
  sinceMs: number | undefined,
  element: Pick<ElementSnapshot, "playbackRate">,
  baseRate: number,
  options: FollowOptions = DEFAULT_FOLLOW,
): boolean {
  if (sinceMs === undefined) return false;
  if (sinceMs < options.hostCooldownMs) return true;
  return sinceMs < options.hostFollowMaxMs && Math.abs(element.playbackRate - baseRate) > 1e-9;
}

/** A following host closes any gap above `stopBelowS` (a member waits for `startAboveS`). */
export function hostFollowOptions(options: FollowOptions): FollowOptions {
  return { ...options, startAboveS: options.stopBelowS };
}

export interface MemberTick {
  playback: PlaybackClock;
  /** server epoch ms now */
  serverNow: number;
  element: ElementSnapshot;
  /** local ms now (same clock as `lastSeekAt`) */
  now: number;
  /** local ms of this element's last programmatic seek */
  lastSeekAt?: number;
  /** the element started or seeked and has not been within `stopBelowS` since (CorrectionInput.closeGap) */
  closeGap?: boolean;
}

export interface MemberPlan {
  /** in the order to carry them out: seek, rate, play/pause */
  actions: ElementAction[];
  expected: number;
  drift: number;
  /** the drift was weighed (the element was not seeking, buffering or in its seek cooldown) */
  weighed: boolean;
}

/** Where the element should be: the expected position, no further than the end of the video. */
function target(pb: PlaybackClock, serverNow: number, duration: number): number {
  const expected = expectedPosition(pb, serverNow);
  return Number.isFinite(duration) && duration > 0 ? Math.min(expected, duration) : expected;
}

export function planMember(tick: MemberTick, options: FollowOptions = DEFAULT_FOLLOW): MemberPlan {
  const { playback: pb, element: el } = tick;
  const expected = target(pb, tick.serverNow, el.duration);
  const drift = el.currentTime - expected;
  const actions: ElementAction[] = [];

  const settling =
    el.seeking ||
    (pb.is_playing && el.buffering) ||
    (tick.lastSeekAt !== undefined && tick.now - tick.lastSeekAt < options.seekCooldownMs);
  if (!settling) {
    const c = decideCorrection(
      {
        currentTime: el.currentTime,
        expected,
        playbackRate: el.playbackRate,
        playing: pb.is_playing,
        baseRate: pb.rate,
        closeGap: tick.closeGap,
      },
      options,
    );
    if (c.action === "seek") actions.push({ type: "seek", to: c.to });
    if (c.action !== "none" && c.rate !== el.playbackRate) actions.push({ type: "rate", rate: c.rate });
  }

  const seeking = actions.some((a) => a.type === "seek");
  // play() on an ended element restarts it from 0: only play if there is something left to play
  const atEnd = el.ended && !seeking;
  if (pb.is_playing && el.paused && !atEnd) actions.push({ type: "play" });
  if (!pb.is_playing && !el.paused) actions.push({ type: "pause" });
  return { actions, expected, drift, weighed: !settling };
}

export interface HostTick {
  playback: PlaybackClock;
  serverNow: number;
  element: ElementSnapshot;
  now: number;
  /** local ms of the host's last `control` (or of its initial alignment) */
  lastControlAt?: number;
}

export interface HostPlan {
  actions: ElementAction[];
  control?: { action: "play" | "pause" | "seek"; current_time: number };
}

export function planHost(tick: HostTick, options: FollowOptions = DEFAULT_FOLLOW): HostPlan {
  const { playback: pb, element: el } = tick;
  const actions: ElementAction[] = [];
  // a member that was nudging when it became host plays at the room's rate again
  if (el.playbackRate !== pb.rate) actions.push({ type: "rate", rate: pb.rate });

  const quiet = tick.lastControlAt === undefined || tick.now - tick.lastControlAt >= options.hostCooldownMs;
  if (!quiet || el.seeking || el.buffering) return { actions };

  const current_time = el.currentTime;
  const playing = !el.paused;
  if (playing !== pb.is_playing)
    return { actions, control: { action: playing ? "play" : "pause", current_time } };
  const drift = current_time - target(pb, tick.serverNow, el.duration);
  if (Math.abs(drift) > options.hostResyncS) return { actions, control: { action: "seek", current_time } };
  return { actions };
}

export interface StatusReport {
  current_time: number;
  is_playing: boolean;
  buffering: boolean;
  /** the element played to its end (the host's report starts the queue's countdown) */
  ended?: boolean;
}

export interface SentStatus extends StatusReport {
  /** local ms it was sent */
  sentAt: number;
}

export interface StatusPolicy {
  /** Routine report interval. Default 3 000 ms. */
  statusIntervalMs: number;
  /** A position this far from where the last report predicts is a change (a seek). Default 1 s. */
  statusJumpS: number;
  /** Reports on change are at least this far apart. Default 200 ms. */
  statusMinGapMs: number;
}

export const DEFAULT_STATUS_POLICY: Readonly<StatusPolicy> = Object.freeze({
  statusIntervalMs: 3_000,
  statusJumpS: 1,
  statusMinGapMs: 200,
});

/** Whether to send a `status` report now. */
export function shouldSendStatus(
  last: SentStatus | undefined,
  next: StatusReport,
  now: number,
  policy: StatusPolicy = DEFAULT_STATUS_POLICY,
): boolean {
  if (!last) return true;
  const elapsed = now - last.sentAt;
  if (elapsed >= policy.statusIntervalMs) return true;
  if (elapsed < policy.statusMinGapMs) return false;
  if (next.is_playing !== last.is_playing || next.buffering !== last.buffering) return true;
  const predicted = last.current_time + (last.is_playing && !last.buffering ? elapsed / 1000 : 0);
  return Math.abs(next.current_time - predicted) > policy.statusJumpS;
}

/** HTMLMediaElement.HAVE_FUTURE_DATA: the element has data to play on from here. */
export const HAVE_FUTURE_DATA = 3;
/** HTMLMediaElement.NETWORK_LOADING: the element is downloading. */
export const NETWORK_LOADING = 2;

export interface StallInput {
  /** the element fired `waiting` (or `stalled` without data) and no `canplay` / `playing` since */
  waiting: boolean;
  paused: boolean;
  /** HTMLMediaElement.readyState */
  readyState: number;
  /** ms since the element's last seek (anyone's), if it ever seeked */
  sinceSeekMs: number | undefined;
  /** the room is held waiting for this member */
  heldFor: boolean;
  /**
   * new data arrived since the element last ran dry (a `progress` after its last `waiting`), or it
   * is not downloading at all; default true
   */
  loadedSinceStall?: boolean;
}

/**
 * Whether this member's status says `buffering` (pure). Normally: waiting for data while playing,
 * not right after a seek (every player buffers after one; `seekGraceMs`). While the room waits for
 * this member, its element is paused at the hold's position (maybe just seeked there): it is ready
 * only once it has data to play on, so paused or seeking, it reports buffering until then; else
 * the pause that the hold itself brings would end the hold at once. And it is ready only once new
 * data arrived since it ran dry: seeked a few frames back to the hold's position, it can show them
 * (`canplay`) but would run dry again at once.
 */
export function isStalled(input: StallInput, seekGraceMs: number): boolean {
  if (input.heldFor)
    return input.waiting || input.readyState < HAVE_FUTURE_DATA || input.loadedSinceStall === false;
  const settling = input.sinceSeekMs !== undefined && input.sinceSeekMs < seekGraceMs;
  return input.waiting && !input.paused && !settling;
}

/** `stalled` (no network data for a while) is buffering only if the element has nothing left to play. */
export function stallEventBuffers(readyState: number): boolean {
  return readyState < HAVE_FUTURE_DATA;
}

/**
 * The host's element reached its end on the item the room is playing: within this many seconds of
 * the room's position. An element that ends after the room has moved on (a queue that advanced on
 * the item's length first) would otherwise mark the new item as ended at its start.
 */
export const ENDED_NEAR_S = 5;

export function endedOnRoomTimeline(currentTime: number, expected: number): boolean {
  return Math.abs(currentTime - expected) <= ENDED_NEAR_S;
}
