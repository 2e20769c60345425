/**
 * What a member writes into the room: a comment (stored, then shown to every member through
 * presence: comment-channel.ts) and their own name or avatar (stored; a status report in the same
 * body counts as the member's `status` message). Both bodies may restate what the server knows
 * (stated-context.ts); a comment also counts against the comment rate limit, per user and address.
 */
import type { WatchPartyState } from "../../schema/state.ts";
import {
  commentMessage,
  memberUpdate,
  profileOf,
  statusOf,
  type StatusMessage,
} from "../../schema/messages.ts";
import type { CommentView } from "../db/comments-repo.ts";
import { AppError } from "../errors.ts";
import type { RateLimits } from "../security/rate-limits.ts";
import { parseOrThrow } from "../validate.ts";
import { postComment } from "./room-comments.ts";
import type { RoomStore } from "./room-store.ts";
import type { Roster } from "./roster.ts";
import { acceptStatedContext, type ContextField, type KnownContext } from "./stated-context.ts";
import type { WriteWaits } from "./write-waits.ts";

export interface MemberPostsParts {
  state: WatchPartyState;
  roster: Roster;
  limits: RateLimits;
  store: RoomStore;
  writeWaits: WriteWaits;
  roomId: () => string;
  isPublic: () => boolean;
  /** the member's address, for the comment limit's count per address */
  addressOf: (userId: string) => string | undefined;
  /** what the server knows of `fields` for a request by `userId` (stated-context.ts) */
  known: (userId: string, fields: readonly ContextField[]) => KnownContext;
}

export class MemberPosts {
  private readonly parts: MemberPostsParts;

  constructor(parts: MemberPostsParts) {
    this.parts = parts;
  }

  /** A comment by a member who is not muted, within the comment limit; answered once stored. */
  async comment(userId: string, payload: unknown): Promise<CommentView> {
    const { state, roster, limits, store, roomId, isPublic, addressOf, known } = this.parts;
    const member = roster.get(userId);
    if (!member) throw new AppError("MEMBER_NOT_FOUND");
    const c = parseOrThrow(
      commentMessage,
      acceptStatedContext(payload, () =>
        known(userId, ["room_id", "anime_id", "episode_number", "user_id", "username"]),
      ),
    );
    if (member.muted) throw new AppError("MUTED");
    await limits.consume("comment", { user_id: userId, ip: addressOf(userId) });
    const place = {
      room_id: roomId(),
      is_public: isPublic(),
      anime_id: state.anime_id,
      episode_number: state.episode_number,
    };
    const by = { user_id: userId, username: member.username };
    return store.direct("comment", (db) => postComment(db, place, by, c));
  }

  /**
   * A name or avatar (stored: answered as the member once stored, or as pending), and/or a status
   * report, handed to `status` as the member's `status` message would be.
   */
  async update(userId: string, payload: unknown, status: (report: StatusMessage) => unknown) {
    const { state, roster, store, writeWaits, known } = this.parts;
    const update = parseOrThrow(
      memberUpdate,
      acceptStatedContext(payload, () => known(userId, ["room_id", "anime_id", "episode_number", "user_id"])),
    );
    const member = roster.get(userId);
    if (!member) throw new AppError("MEMBER_NOT_FOUND");
    const report = statusOf(update, state.playback.is_playing);
    if (report) await status(report);
    const profile = profileOf(update);
    if (!profile) return member.toJSON();
    if (profile.username !== undefined) member.username = profile.username;
    if (profile.avatar_url !== undefined) member.avatar_url = profile.avatar_url;
    const view = () => member.toJSON();
    return writeWaits.within(store.memberUpdated(userId, profile).then(view), view);
  }
}
