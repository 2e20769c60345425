/**
 * What a live room sends to many members at once, shaped by its size: comments (slow mode in
 * audience mode or when the host turns it on; batched a second in audience mode), reactions (one
 * by one in a small room, counts a second in audience mode) and the folded sync summary (about
 * once a second). In audience mode the room sends the state patch in the same turn, and both
 * leave in one socket write per member (WatchPartyRoom.patchTick, src/ops/corked-sends.ts).
 */
import type { ReactionView } from "../../schema/messages.ts";
import type { WatchPartyState } from "../../schema/state.ts";
import type { CommentView } from "../db/comments-repo.ts";
import { metrics } from "../ops/metrics.ts";
import { summarize } from "../sync/sync-summary.ts";
import { ChatGate, ReactionTally } from "./crowd-chat.ts";
import type { Roster } from "./roster.ts";

const SUMMARY_EVERY_MS = 1000;

export interface CrowdHooks {
  /** to every member; answers how many */
  broadcast(type: string, message: unknown): number;
  /** to one member if connected here; answers whether it was sent */
  sendTo(userId: string, type: string, message: unknown): boolean;
}

export class Crowd {
  private readonly state: WatchPartyState;
  private readonly roster: Roster;
  private readonly hooks: CrowdHooks;
  private readonly gate: ChatGate;
  private readonly tally: ReactionTally;
  private summarizedAt = 0;
  /** audience mode: comments for everyone, sent on the next tick */
  private batch: CommentView[] = [];

  constructor(state: WatchPartyState, roster: Roster, chatPerS: number, hooks: CrowdHooks) {
    this.state = state;
    this.roster = roster;
    this.hooks = hooks;
    this.gate = new ChatGate(chatPerS);
    this.tally = new ReactionTally(Date.now());
  }

  get slowMode(): boolean {
    return this.state.audience || this.state.settings.slow_mode;
  }

  /**
   * A stored comment (from any process): to everyone, or in slow mode past the cap to its author
   * only. In audience mode the comments for everyone go out once a second as one `comment_batch`
   * (one frame per member a second, not one per comment).
   */
  comment(comment: CommentView, nowMs: number): void {
    if (!this.slowMode || this.gate.admit(nowMs)) {
      this.roster.chatted(comment.user_id);
      if (this.state.audience) this.batch.push(comment);
      else metrics.messagesOut.inc({ type: "comment" }, this.hooks.broadcast("comment", comment));
    } else if (this.hooks.sendTo(comment.user_id, "comment", comment)) {
      metrics.messagesOut.inc({ type: "comment" });
    }
  }

  reaction(view: ReactionView): void {
    if (this.state.audience) this.tally.add(view.emoji);
    else metrics.messagesOut.inc({ type: "reaction" }, this.hooks.broadcast("reaction", view));
  }

  /** Whether `tick` would refresh the counts and send what waits (a second since the last). */
  due(nowMs: number): boolean {
    return nowMs - this.summarizedAt >= SUMMARY_EVERY_MS;
  }

  /** On the patch tick: the summary and the reaction counts, at most once a second. */
  tick(nowMs: number): void {
    if (!this.due(nowMs)) return;
    this.summarizedAt = nowMs;
    this.roster.refresh();
    const summary = summarize(this.roster.values());
    const shown = this.state.sync_summary;
    // assigned field by field: an unchanged field sends nothing
    for (const k of Object.keys(summary) as (keyof typeof summary)[])
      if (shown[k] !== summary[k]) shown[k] = summary[k];
    if (this.batch.length > 0) {
      const comments = this.batch;
      this.batch = [];
      metrics.messagesOut.inc({ type: "comment_batch" }, this.hooks.broadcast("comment_batch", { comments }));
    }
    const counts = this.tally.drain(nowMs);
    if (counts)
      metrics.messagesOut.inc({ type: "reaction_counts" }, this.hooks.broadcast("reaction_counts", counts));
  }
}
