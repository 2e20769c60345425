/**
 * The episode queue (pure): an ordered list of items, one of them current. The room's anime,
 * episode and video are the current item's. Auto-advance: when the current episode ends (the
 * host's player says so, or the expected position reaches the item's duration) and a next item
 * exists, a countdown starts; at its end the room switches to the next item at 0.
 */
import type { SegmentInput } from "../../schema/messages.ts";

export interface QueueItem {
  item_id: string;
  anime_id: string;
  anime_title: string;
  episode_number: number;
  video_url: string;
  title: string;
  /** seconds; 0 = unknown (then only the host's `ended` report advances) */
  duration_s: number;
  segments: SegmentInput[];
}

export function indexOf(items: readonly QueueItem[], itemId: string): number {
  return items.findIndex((i) => i.item_id === itemId);
}

/** The item after the current one, if any. */
export function nextItem(items: readonly QueueItem[], currentId: string): QueueItem | undefined {
  const i = indexOf(items, currentId);
  return i >= 0 ? items[i + 1] : undefined;
}

/** `items` with `itemId` moved to `index` (clamped). */
export function moved(items: readonly QueueItem[], itemId: string, index: number): QueueItem[] {
  const i = indexOf(items, itemId);
  if (i < 0) return [...items];
  const rest = items.filter((_, k) => k !== i);
  const to = Math.max(0, Math.min(rest.length, index));
  return [...rest.slice(0, to), items[i]!, ...rest.slice(to)];
}

/** Whether the current episode has ended: reported by the host, or played to its duration. */
export function episodeEnded(
  item: QueueItem | undefined,
  expectedS: number,
  reportedEnded: boolean,
): boolean {
  if (!item) return false;
  return reportedEnded || (item.duration_s > 0 && expectedS >= item.duration_s - 0.05);
}
