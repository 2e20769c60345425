/**
 * Who holds a seat in a room beyond what the replicated state shows: admitted users whose
 * seat reservation is not consumed yet, and each member's private sync view (its latest
 * report and what the shared state currently shows for it). No framework imports.
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
}

export class PendingSeats {
  private readonly until = new Map<string, number>();

  admit(userId: string, untilMs: number): void {
    this.until.set(userId, untilMs);
  }

  holds(userId: string, nowMs: number): boolean {
    const t = this.until.get(userId);
    if (t === undefined) return false;
    if (t > nowMs) return true;
    this.until.delete(userId);
    return false;
  }

  release(userId: string): void {
    this.until.delete(userId);
  }

  count(nowMs: number): number {
    let n = 0;
    for (const [userId, t] of this.until) {
      if (t > nowMs) n++;
      else this.until.delete(userId);
    }
    return n;
  }
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
  };
}
