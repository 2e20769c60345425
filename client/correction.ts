/**
 * Drift correction policy (pure). Given where a member's video is, where the host is expected to
 * be, and the member's current playbackRate, decide: leave it, nudge the rate, settle back to the
 * normal rate, or seek.
 *
 * - drift = currentTime − expected (seconds; positive = ahead), as in the wire contract.
 * - Small drift is closed by playing slightly slower or faster: rate = base × (1 − drift/catchUpS),
 *   bounded to base × (1 ± maxRateDelta) and rounded to `rateStep`, so the gap closes with a time
 *   constant of about `catchUpS` and never with a jump of the rate (never 2–4×).
 * - Hysteresis: a member starts correcting when |drift| > startAboveS and keeps correcting until
 *   |drift| < stopBelowS. Whether it is correcting is read from the rate itself (a rate other than
 *   the base rate means "correcting"), so the policy keeps no state of its own; a nudge therefore
 *   always differs from the base rate by at least one `rateStep`.
 * - Large drift (|drift| > seekAboveS) is a seek. While the host is paused, rate does nothing, so
 *   any drift above `pausedToleranceS` is a seek.
 */

export interface CorrectionOptions {
  /**
   * Start nudging above this |drift|. Default 0.010 s: a member resting anywhere under it counts as
   * that far from the host's picture (docs/performance.md "Members' pictures against the host's").
   */
  startAboveS: number;
  /**
   * Stop nudging (back to the base rate) below this |drift|. Default 0.004 s. A correction ends at the
   * edge it comes from, so members rest just under this, on the side they started (behind, after a
   * start that heard of the play late): it was 15 ms, and so was their bias. One tick at the smallest
   * nudge moves 2.5 ms (1% of 250 ms), so 4 ms is reached without going past the expected position.
   */
  stopBelowS: number;
  /** Seek above this |drift| while playing. Default 1 s. */
  seekAboveS: number;
  /** Seek above this |drift| while the host is paused. Default 0.015 s: a paused member shows the
   * host's paused frame (one frame at 50 fps is 20 ms), also when the pause reached it late. */
  pausedToleranceS: number;
  /** The rate stays within base × (1 ± maxRateDelta). Default 0.05 (0.95–1.05 at rate 1). */
  maxRateDelta: number;
  /**
   * Proportional gain: the rate is off by drift / catchUpS. Default 0.5 s: a member that hears of a
   * play 50–60 ms late (a slow path) starts that far behind, and at 2 s it was still 20–30 ms behind
   * 2 s later; at 0.5 s the gap is under 10 ms within about a second (the rate still within
   * `maxRateDelta`). A 250 ms tick closes at most half the gap plus 1.25 ms (the rounding to
   * `rateStep`), so with `stopBelowS` at 4 ms it does not go past the expected position.
   */
  catchUpS: number;
  /** Rates are multiples of this fraction of the base rate. Default 0.01. */
  rateStep: number;
}

export const DEFAULT_CORRECTION: Readonly<CorrectionOptions> = Object.freeze({
  startAboveS: 0.01,
  stopBelowS: 0.004,
  seekAboveS: 1,
  pausedToleranceS: 0.015,
  maxRateDelta: 0.05,
  catchUpS: 0.5,
  rateStep: 0.01,
});

export interface CorrectionInput {
  /** the member's video position, seconds */
  currentTime: number;
  /** the host's expected position now, seconds (see `expectedPosition`) */
  expected: number;
  /** the member's current playbackRate */
  playbackRate: number;
  /** the host is playing */
  playing: boolean;
  /** the room's rate (`playback.rate`); default 1 */
  baseRate?: number;
  /**
   * Close any gap above `stopBelowS`, not only above `startAboveS`: the element has just started
   * playing or seeked and has not been within `stopBelowS` since (a start or a seek lands a few tens
   * of ms off, more with MSE players such as hls.js, and would otherwise stay off inside the band).
   */
  closeGap?: boolean;
}

export type Correction =
  /** nothing to do */
  | { action: "none"; drift: number }
  /** set playbackRate to `rate` (within the bounds, never the base rate) */
  | { action: "nudge"; drift: number; rate: number }
  /** close enough: set playbackRate back to the base rate */
  | { action: "settle"; drift: number; rate: number }
  /** set currentTime to `to` and playbackRate to the base rate */
  | { action: "seek"; drift: number; to: number; rate: number };

export interface PlaybackClock {
  is_playing: boolean;
  position: number;
  updated_at: number;
  rate: number;
}

/**
 * The host's expected position (seconds) at server time `serverNowMs`, as the contract defines it:
 * `position + (is_playing ? (T − updated_at) / 1000 × rate : 0)`, never below 0.
 */
export function expectedPosition(pb: PlaybackClock, serverNowMs: number): number {
  const at = pb.is_playing ? pb.position + ((serverNowMs - pb.updated_at) / 1000) * pb.rate : pb.position;
  return Math.max(0, at);
}

/** Rounds away float noise (1 − 3 × 0.01 is 0.97, not 0.9700000000000001). */
function clean(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

export function decideCorrection(
  input: CorrectionInput,
  options: CorrectionOptions = DEFAULT_CORRECTION,
): Correction {
  const base = input.baseRate ?? 1;
  const drift = clean(input.currentTime - input.expected);
  const size = Math.abs(drift);
  const correcting = Math.abs(input.playbackRate - base) > 1e-9 || input.closeGap === true;

  if (!input.playing) {
    if (size > options.pausedToleranceS) return { action: "seek", drift, to: input.expected, rate: base };
    return correcting ? { action: "settle", drift, rate: base } : { action: "none", drift };
  }
  if (size > options.seekAboveS) return { action: "seek", drift, to: input.expected, rate: base };
  if (!correcting && size <= options.startAboveS) return { action: "none", drift };
  if (correcting && size < options.stopBelowS) return { action: "settle", drift, rate: base };

  const wanted = Math.min(options.maxRateDelta, size / options.catchUpS);
  const maxSteps = Math.floor(clean(options.maxRateDelta / options.rateStep));
  const steps = Math.max(1, Math.min(maxSteps, Math.round(clean(wanted / options.rateStep))));
  // ahead (drift > 0): play slower; behind: faster
  const rate = clean(base * (1 - Math.sign(drift) * steps * options.rateStep));
  return { action: "nudge", drift, rate };
}
