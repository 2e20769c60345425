/**
 * The episode queue of a live room (rules in src/sync/queue.ts): add, remove, move, jump, and the
 * auto-advance countdown. A switch makes the next item the room's anime, episode and video (so the
 * listing, the comment thread and analytics follow), sets its segments, and starts it at 0,
 * playing or paused as `settings.autoplay_next` says. No Colyseus imports.
 */
import { randomBytes } from "node:crypto";
import { ArraySchema } from "@colyseus/schema";
import {
  QueueItem as QueueItemState,
  Segment as SegmentState,
  type WatchPartyState,
} from "../../schema/state.ts";
import type { QueueItemInput } from "../../schema/messages.ts";
import { AppError } from "../errors.ts";
import { episodeEnded, moved, nextItem, indexOf, type QueueItem } from "../sync/queue.ts";
import type { HostCommand } from "../sync/playback.ts";

export const MAX_QUEUE_ITEMS = 200;

export interface QueueHooks {
  apply(cmd: HostCommand, flush: boolean): void;
  /** the host took over playback (a switch ends holds and ready checks) */
  hostTookOver(): void;
  store(queue: QueueItem[], current: QueueItem): void;
  log(msg: string, fields: Record<string, unknown>): void;
  /** the queue or the current item changed (after the state shows it) */
  changed(): void;
}

export class RoomQueue {
  private readonly state: WatchPartyState;
  private readonly hooks: QueueHooks;
  private readonly countdownS: number;
  private items: QueueItem[] = [];
  /** the item whose countdown the host cancelled (it does not start again for that item) */
  private cancelledFor = "";
  private endedReported = false;

  constructor(state: WatchPartyState, countdownS: number, hooks: QueueHooks) {
    this.state = state;
    this.countdownS = countdownS;
    this.hooks = hooks;
  }

  /** At create or restore: the stored queue, or the room's own episode as its only item. */
  load(items: QueueItem[], currentId: string, ownSegments: QueueItem["segments"]): void {
    this.items = items.length > 0 ? items : [this.itemFromState(ownSegments)];
    const current = this.items.find((i) => i.item_id === currentId) ?? this.items[0]!;
    this.show(current);
  }

  add(inputs: QueueItemInput[]): void {
    if (this.items.length + inputs.length > MAX_QUEUE_ITEMS) {
      throw new AppError("INVALID_INPUT", `items: a queue holds at most ${MAX_QUEUE_ITEMS} items`);
    }
    this.items.push(...inputs.map((i) => toItem(i)));
    this.changed();
  }

  remove(itemId: string): void {
    if (itemId === this.state.current_item)
      throw new AppError("INVALID_INPUT", "item_id: the current item cannot be removed");
    if (indexOf(this.items, itemId) < 0) throw new AppError("INVALID_INPUT", "item_id: not in the queue");
    this.items = this.items.filter((i) => i.item_id !== itemId);
    this.changed();
  }

  move(itemId: string, index: number): void {
    if (indexOf(this.items, itemId) < 0) throw new AppError("INVALID_INPUT", "item_id: not in the queue");
    this.items = moved(this.items, itemId, index);
    this.changed();
  }

  jump(itemId: string): void {
    const item = this.items.find((i) => i.item_id === itemId);
    if (!item) throw new AppError("INVALID_INPUT", "item_id: not in the queue");
    this.switchTo(item, true, "jump");
  }

  /** The current episode's segments (set by the host). */
  setSegments(segments: QueueItem["segments"]): void {
    const current = this.items.find((i) => i.item_id === this.state.current_item)!;
    current.segments = [...segments];
    this.state.segments = segmentsState(segments);
    this.changed();
  }

  /** The host's player reached the end of the episode. */
  reportEnded(): void {
    this.endedReported = true;
  }

  cancelCountdown(): void {
    if (this.state.advance_at === 0) throw new AppError("INVALID_INPUT", "no countdown is running");
    this.state.advance_at = 0;
    this.cancelledFor = this.state.current_item;
  }

  advanceNow(flush: boolean): void {
    const next = nextItem(this.items, this.state.current_item);
    if (!next) throw new AppError("INVALID_INPUT", "the queue has no next item");
    this.switchTo(next, flush, "next");
  }

  /** On the room clock: start the countdown when the episode ends; switch when it runs out. */
  tick(nowMs: number, expectedS: number): void {
    const current = this.items.find((i) => i.item_id === this.state.current_item);
    if (this.state.advance_at > 0) {
      if (nowMs >= this.state.advance_at && nextItem(this.items, this.state.current_item))
        this.advanceNow(false);
      return;
    }
    if (this.cancelledFor === this.state.current_item) return;
    if (!nextItem(this.items, this.state.current_item)) return;
    if (!episodeEnded(current, expectedS, this.endedReported)) return;
    this.state.advance_at = nowMs + this.countdownS * 1000;
    this.hooks.log("queue countdown", {
      item_id: this.state.current_item,
      advance_at: this.state.advance_at,
    });
  }

  private switchTo(item: QueueItem, flush: boolean, why: string): void {
    this.hooks.hostTookOver();
    this.show(item);
    this.hooks.apply(
      { action: this.state.settings.autoplay_next ? "play" : "pause", current_time: 0 },
      flush,
    );
    this.hooks.store(this.items, item);
    this.hooks.log(`queue ${why}: episode ${item.episode_number} of ${item.anime_id}`, {
      item_id: item.item_id,
    });
  }

  /** The current item becomes the room's anime, episode, video and segments. */
  private show(current: QueueItem): void {
    const s = this.state;
    s.anime_id = current.anime_id;
    s.anime_title = current.anime_title;
    s.episode_number = current.episode_number;
    s.video_url = current.video_url;
    s.current_item = current.item_id;
    s.advance_at = 0;
    s.segments = segmentsState(current.segments);
    this.endedReported = false;
    this.cancelledFor = "";
    this.sync();
  }

  private changed(): void {
    this.sync();
    const current = this.items.find((i) => i.item_id === this.state.current_item)!;
    this.hooks.store(this.items, current);
  }

  private sync(): void {
    this.state.queue = new ArraySchema(
      ...this.items.map(
        (i) =>
          new QueueItemState({
            ...i,
            segments: segmentsState(i.segments),
          }),
      ),
    );
    this.hooks.changed();
  }

  private itemFromState(segments: QueueItem["segments"]): QueueItem {
    const s = this.state;
    return {
      item_id: newItemId(),
      anime_id: s.anime_id,
      anime_title: s.anime_title,
      episode_number: s.episode_number,
      video_url: s.video_url,
      title: s.title,
      duration_s: 0,
      segments: [...segments],
    };
  }
}

function segmentsState(segments: QueueItem["segments"]): ArraySchema<SegmentState> {
  return new ArraySchema(...segments.map((seg) => new SegmentState({ ...seg })));
}

function newItemId(): string {
  return randomBytes(6).toString("base64url");
}

function toItem(i: QueueItemInput): QueueItem {
  return {
    item_id: newItemId(),
    anime_id: i.anime_id,
    anime_title: i.anime_title,
    episode_number: i.episode_number,
    video_url: i.video_url,
    title: i.title ?? `${i.anime_title} ${i.episode_number}`,
    duration_s: i.duration_s ?? 0,
    segments: i.segments ?? [],
  };
}
