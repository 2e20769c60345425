/**
 * Members' status reports folded into what a big room shows (schema/state.ts SyncSummary): how
 * many connected members are in each sync status, and the |drift| percentiles (ms) of those
 * that report a position (buffering and not-yet-reported members excluded). Pure.
 */
import type { SyncStatus } from "../../schema/state.ts";

export interface ReportedMember {
  connected: boolean;
  sync_status: string;
  /** seconds */
  drift: number;
}

export interface SyncSummaryView {
  synced: number;
  drifting: number;
  buffering: number;
  unknown: number;
  drift_p50_ms: number;
  drift_p95_ms: number;
}

const COUNTED: readonly SyncStatus[] = ["synced", "drifting", "buffering"];

export function summarize(members: Iterable<ReportedMember>): SyncSummaryView {
  const out: SyncSummaryView = {
    synced: 0,
    drifting: 0,
    buffering: 0,
    unknown: 0,
    drift_p50_ms: 0,
    drift_p95_ms: 0,
  };
  const drifts: number[] = [];
  for (const m of members) {
    if (!m.connected) continue;
    const status = COUNTED.includes(m.sync_status as SyncStatus) ? (m.sync_status as SyncStatus) : "unknown";
    out[status]++;
    if (status === "synced" || status === "drifting") drifts.push(Math.abs(m.drift) * 1000);
  }
  if (drifts.length > 0) {
    drifts.sort((a, b) => a - b);
    out.drift_p50_ms = round1(percentile(drifts, 0.5));
    out.drift_p95_ms = round1(percentile(drifts, 0.95));
  }
  return out;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
