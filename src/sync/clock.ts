/**
 * Playback clock math (pure). Positions are seconds, times are server epoch milliseconds.
 */
import type { SyncStatus } from "../../schema/state.ts";

export interface PlaybackClock {
  is_playing: boolean;
  position: number;
  updated_at: number;
  rate: number;
}

/** The host's expected position at server time `atMs`. */
export function expectedPosition(clock: PlaybackClock, atMs: number): number {
  if (!clock.is_playing) return clock.position;
  return clock.position + ((atMs - clock.updated_at) / 1000) * clock.rate;
}

/** Member position minus expected host position at the report's time; positive = ahead. */
export function computeDrift(memberPosition: number, clock: PlaybackClock, atMs: number): number {
  return memberPosition - expectedPosition(clock, atMs);
}

export interface StatusReport {
  drift: number;
  buffering: boolean;
}

/** `buffering` wins; otherwise synced within the tolerance (inclusive), else drifting. */
export function classifySync(report: StatusReport, toleranceS: number): SyncStatus {
  if (report.buffering) return "buffering";
  return Math.abs(report.drift) <= toleranceS ? "synced" : "drifting";
}
