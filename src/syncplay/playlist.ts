/**
 * The room's queue for a Syncplay member. Syncplay's shared playlist is not used: the real client
 * (1.6.9), given a playlist of entries it has no file for, stopped following the room (tested), and a
 * viewer's own copy of an episode has a name AniSync cannot know. So an item change is announced in
 * chat (which episode, where to get it) and reaches the player as a seek to the new item's start;
 * and a member's file (`Set file`) is checked against the episode's length.
 */
import type { FileIn } from "./codec.ts";

export interface QueueEntry {
  item_id: string;
  anime_title: string;
  episode_number: number;
  title: string;
  video_url: string;
  duration_s: number;
}

/** A file whose length differs from the episode's by more than this is "a different file". */
export const DURATION_TOLERANCE_S = 5;

export function episodeLabel(e: QueueEntry): string {
  return `${e.anime_title} episode ${e.episode_number}${e.title ? ` (${e.title})` : ""}`;
}

/** The chat line for a switch to another item (nothing on the first look or without a switch). */
export function itemChange(
  before: string | undefined,
  queue: readonly QueueEntry[],
  current: string,
): string | undefined {
  if (before === undefined || before === current) return undefined;
  const item = queue.find((q) => q.item_id === current);
  if (!item) return undefined;
  const at = queue.indexOf(item) + 1;
  return `Now playing ${at}/${queue.length}: ${episodeLabel(item)}. Load your copy (or ${item.video_url}); the room starts it from the beginning.`;
}

/** A line for the member when their file's length is not the episode's (unknown lengths say nothing). */
export function durationNote(file: FileIn, episode: QueueEntry | undefined): string | undefined {
  if (!episode || !(episode.duration_s > 0) || file.duration === undefined || !(file.duration > 0))
    return undefined;
  const diff = file.duration - episode.duration_s;
  if (Math.abs(diff) <= DURATION_TOLERANCE_S) return undefined;
  return `Your file "${file.name.slice(0, 80)}" is ${clock(file.duration)} long; this episode is ${clock(episode.duration_s)}: a different file or cut? Positions may not match.`;
}

function clock(s: number): string {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}
