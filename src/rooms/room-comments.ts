/**
 * A comment posted in a room, by message or over HTTP (one path): stored under the room's
 * current episode thread, counted in the room's stats, then delivered to the room through
 * presence. A private room's comments are stored without its room id, so no public view of
 * the thread can reveal it.
 */
import { commentMessage } from "../../schema/messages.ts";
import { insertComment, viewOf, type CommentView } from "../db/comments-repo.ts";
import { countComment } from "../db/rooms-repo.ts";
import type { Db } from "../db/connect.ts";
import { parseOrThrow } from "../validate.ts";
import { publishComment } from "./comment-channel.ts";

export interface CommentPlace {
  room_id: string;
  is_public: boolean;
  anime_id: string;
  episode_number: number;
}

export async function postComment(
  db: Db,
  place: CommentPlace,
  author: { user_id: string; username: string },
  payload: unknown,
): Promise<CommentView> {
  const c = parseOrThrow(commentMessage, payload);
  const row = await insertComment(db, {
    anime_id: place.anime_id,
    episode_number: place.episode_number,
    parent_id: c.parent_id === undefined ? undefined : Number(c.parent_id),
    user_id: author.user_id,
    username: author.username,
    message: c.message,
    room_id: place.is_public ? place.room_id : undefined,
    video_timestamp: c.video_timestamp,
  });
  await countComment(db, place.room_id);
  const view = viewOf(row);
  await publishComment(place.room_id, view);
  return view;
}
