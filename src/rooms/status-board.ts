/**
 * Members' status reports in a live room: each report updates the member's private sync view
 * at once and queues a stored sample when due (on a status change, or every SAMPLE_INTERVAL_S;
 * never more than one a second per member, however often its status flips); on the room clock,
 * only members whose shown status visibly changed are written to the replicated state
 * (src/sync/status-fold.ts).
 *
 * Reports come in at 6,000 a second at 18,000 members, so this path keeps what it allocates
 * short-lived: the board's map holds every reporting member's view until the member leaves (a
 * report marks the view, a fold clears the mark) rather than being emptied and regrown on every
 * fold, and the shown status is updated in place. Tables and objects that live from one fold to
 * the next (500 ms) outlive a young-generation collection and end as old-generation garbage:
 * longer garbage-collection pauses (issue 13).
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
  /** every member that reported since it joined; `fold_pending` marks those to fold */
  private readonly views = new Map<string, MemberSyncView>();
  private pending = 0;
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
    if (!view.fold_pending) {
      view.fold_pending = true;
      this.pending++;
      if (this.views.get(userId) !== view) this.views.set(userId, view);
    }
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
    const view = this.views.get(userId);
    if (view?.fold_pending) this.pending--;
    this.views.delete(userId);
  }

  /** Writes visible changes of reported members into the state (on the room clock). */
  fold(members: { get(userId: string): Member | undefined }): void {
    if (this.pending === 0) return;
    this.pending = 0;
    const now = Date.now();
    const opts = { driftStepS: this.config.DRIFT_DISPLAY_STEP_S, refreshS: this.config.MEMBER_REFRESH_S };
    // forEach, not for…of: no entry array per member
    this.views.forEach((view, userId) => {
      if (!view.fold_pending) return;
      view.fold_pending = false;
      const member = members.get(userId);
      if (!member || !isVisibleChange(view.shown, view, now, opts)) return;
      const drift = roundDrift(view.drift);
      member.position = view.position;
      member.drift = drift;
      member.sync_status = view.sync_status;
      member.last_heartbeat = view.reported_at;
      view.shown.sync_status = view.sync_status;
      view.shown.drift = drift;
      view.shown.refreshed_at = now;
    });
  }
}
