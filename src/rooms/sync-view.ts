/**
 * Each member's private sync view: its latest status report and what the shared state
 * currently shows for it. No framework imports.
 */
import type { SyncStatus } from "../../schema/state.ts";
import type { ShownStatus } from "../sync/status-fold.ts";

export interface MemberSyncView {
  /** latest report, as received */
  position: number;
  drift: number;
  sync_status: SyncStatus;
  reported_at: number;
  /** what the state shows now */
  shown: ShownStatus;
  last_sample_at: number;
  last_sample_status: SyncStatus | "none";
  /** reported since the last fold (src/rooms/status-board.ts) */
  fold_pending: boolean;
}

export function freshSyncView(nowMs: number): MemberSyncView {
  return {
    position: 0,
    drift: 0,
    sync_status: "unknown",
    reported_at: 0,
    shown: { sync_status: "unknown", drift: 0, refreshed_at: nowMs },
    last_sample_at: 0,
    last_sample_status: "none",
    fold_pending: false,
  };
}
