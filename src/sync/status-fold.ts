/**
 * Folding routine status reports into the replicated state (pure). A report always updates
 * the server's private view of a member; the shared state only changes when something a
 * viewer would notice changes: the sync status, drift moving by a visible step, or the
 * shown values growing stale. So a room's patch traffic does not grow with its report rate.
 */
import type { SyncStatus } from "../../schema/state.ts";

export interface ShownStatus {
  sync_status: string;
  drift: number;
  /** server time (ms) when these values were last written to the state */
  refreshed_at: number;
}

export interface FoldOptions {
  driftStepS: number;
  refreshS: number;
}

export function isVisibleChange(
  shown: ShownStatus,
  next: { sync_status: SyncStatus; drift: number },
  nowMs: number,
  opts: FoldOptions,
): boolean {
  if (shown.sync_status !== next.sync_status) return true;
  // a hair of tolerance: 0.35 - 0.1 is 0.24999999999999997 in floating point
  if (Math.abs(next.drift - shown.drift) >= opts.driftStepS - 1e-9) return true;
  return nowMs - shown.refreshed_at >= opts.refreshS * 1000;
}

/** Drift is shown rounded to milliseconds: finer digits are noise and cost bytes. */
export function roundDrift(driftS: number): number {
  return Math.round(driftS * 1000) / 1000;
}
