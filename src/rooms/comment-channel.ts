/**
 * Stored comments reach a live room through Colyseus presence pub/sub, whichever process
 * stored them: the room subscribes to its channel, writers publish the stored row.
 */
import { matchMaker } from "@colyseus/core";
import type { CommentView } from "../db/comments-repo.ts";

export function commentsChannel(roomId: string): string {
  return `anisync:comments:${roomId}`;
}

export function publishComment(roomId: string, comment: CommentView): Promise<void> {
  return Promise.resolve(matchMaker.presence.publish(commentsChannel(roomId), comment));
}
