/**
 * Members' status reports in a live room: each report updates the member's private sync view
 * at once and queues a stored sample when due (on a status change, or every SAMPLE_INTERVAL_S;
 * never more than one a second per member, however often its status flips); on the room clock,
 * only members whose shown status visibly changed are written to the replicated state
 * (src/sync/status-fold.ts).
 */
import type { Member } from "../../schema/state.ts";
import type { StatusMessage } from "../../schema/messages.ts";
import type { Config } from "../config.ts";
import type { SampleWriter } from "../jobs/sample-writer.ts";
import { metrics } from "../ops/metrics.ts";
import { classifySync, computeDrift, type PlaybackClock } from "../sync/clock.ts";
import { isVisibleChange, roundDrift } from "../sync/status-fold.ts";
import type { MemberSyncView } from "./sync-view.ts";

/** A member's stored samples are at least this far apart, whatever its reports say. */
const MIN_SAMPLE_GAP_MS = 1000;

type BoardConfig = Pick<
  Config,
  "SYNC_TOLERANCE_S" | "SAMPLE_INTERVAL_S" | "DRIFT_DISPLAY_STEP_S" | "MEMBER_REFRESH_S"
>;

export class StatusBoard {
  private readonly dirty = new Map<string, MemberSyncView>();
  private readonly config: BoardConfig;
  private readonly samples: SampleWriter;
  private readonly roomId: () => string;

  constructor(config: BoardConfig, samples: SampleWriter, roomId: () => string) {
    this.config = config;
    this.samples = samples;
    this.roomId = roomId;
  }

  report(userId: string, view: MemberSyncView, report: StatusMessage, playback: PlaybackClock): void {
    const now = Date.now();
    const drift = computeDrift(report.current_time, playback, now);
    const status = classifySync(
      { drift, buffering: report.buffering === true },
      this.config.SYNC_TOLERANCE_S,
    );
    if (status !== "buffering") metrics.memberDrift.observe(Math.abs(drift));
    view.position = report.current_time;
    view.drift = drift;
    view.sync_status = status;
    view.reported_at = now;
    this.dirty.set(userId, view);
    const gapMs = now - view.last_sample_at;
    const due =
      gapMs >= MIN_SAMPLE_GAP_MS &&
      (status !== view.last_sample_status || gapMs >= this.config.SAMPLE_INTERVAL_S * 1000);
    if (!due) return;
    view.last_sample_at = now;
    view.last_sample_status = status;
    this.samples.add({
      room_id: this.roomId(),
      user_id: userId,
      at: new Date(now),
      drift,
      sync_status: status,
    });
  }

  forget(userId: string): void {
    this.dirty.delete(userId);
  }

  /** Writes visible changes of reported members into the state (on the room clock). */
  fold(members: { get(userId: string): Member | undefined }): void {
    if (this.dirty.size === 0) return;
    const now = Date.now();
    const opts = { driftStepS: this.config.DRIFT_DISPLAY_STEP_S, refreshS: this.config.MEMBER_REFRESH_S };
    for (const [userId, view] of this.dirty) {
      const member = members.get(userId);
      if (!member || !isVisibleChange(view.shown, view, now, opts)) continue;
      const drift = roundDrift(view.drift);
      member.position = view.position;
      member.drift = drift;
      member.sync_status = view.sync_status;
      member.last_heartbeat = view.reported_at;
      view.shown = { sync_status: view.sync_status, drift, refreshed_at: now };
    }
    this.dirty.clear();
  }
}
