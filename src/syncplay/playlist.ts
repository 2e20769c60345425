/**
 * The room's queue as a Syncplay member's shared playlist. Each item is an entry named after its
 * video's file name (the last part of `video_url`, never a URL: the real 1.6.9 client, given URL
 * entries, put the viewer's own file into the playlist instead of opening it and stopped following
 * the room — tested). A client that finds a file of that name in its media directories switches to
 * it when the room moves to that item; one that does not shows Syncplay's "could not find file"
 * and keeps its file, and the chat line says which episode to load. A member's file (`Set file`) is
 * checked against the episode's length.
 */
import { isDifferentFile } from "../sync/media-file.ts";
import type { FileIn } from "./codec.ts";

export interface QueueEntry {
  item_id: string;
  anime_title: string;
  episode_number: number;
  title: string;
  video_url: string;
  duration_s: number;
}

/** Longest playlist entry (the Hello answer's maxFilenameLength). */
export const MAX_ENTRY_LENGTH = 250;

/** An item's playlist entry: its video's file name, or "<anime title> <episode>" when the URL has none. */
export function entryName(e: QueueEntry): string {
  let name = "";
  try {
    const last = new URL(e.video_url).pathname.split("/").pop() ?? "";
    name = decodeURIComponent(last);
  } catch {
    /* not a URL, or a malformed escape: the fallback */
  }
  // no control characters or backslashes (a path separator on the viewer's system)
  name = [...name]
    .filter((c) => c >= " " && c !== "\\")
    .join("")
    .trim();
  if (!name) name = `${e.anime_title} ${e.episode_number}`;
  return name.slice(0, MAX_ENTRY_LENGTH);
}

/** The playlist: one entry per item, in queue order; a repeated name gets " (2)" before its extension. */
export function playlistOf(queue: readonly QueueEntry[]): string[] {
  const taken = new Set<string>();
  return queue.map((item) => {
    const name = entryName(item);
    const dot = name.lastIndexOf(".");
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
    let entry = name;
    for (let n = 2; taken.has(entry); n++) entry = `${stem} (${n})${ext}`;
    taken.add(entry);
    return entry;
  });
}

/** The playlist index of the current item (null when it is not in the queue). */
export function playlistIndex(queue: readonly QueueEntry[], current: string): number | null {
  const at = queue.findIndex((q) => q.item_id === current);
  return at < 0 ? null : at;
}

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
  if (!episode || file.duration === undefined || !isDifferentFile(file.duration, episode.duration_s))
    return undefined;
  return `Your file "${file.name.slice(0, 80)}" is ${clock(file.duration)} long; this episode is ${clock(episode.duration_s)}: a different file or cut? Positions may not match.`;
}

function clock(s: number): string {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}
