/**
 * The room messages beyond play/pause/seek, wired to their handlers: shared speed, segments,
 * settings, ready checks and reactions (group-playback.ts), the episode queue and co-hosts
 * (room-queue.ts). Each is parsed (strict), then checked against the sender's role
 * (src/sync/permissions.ts) and the control rate limit, then applied.
 */
import type { z } from "zod";
import {
  advanceMessage,
  queueAddMessage,
  queueJumpMessage,
  queueMoveMessage,
  queueRemoveMessage,
  reactionMessage,
  readyCheckMessage,
  readyMessage,
  setCohostMessage,
  removeMemberMessage,
  banMessage,
  unbanMessage,
  muteMessage,
  setRateMessage,
  setSegmentsMessage,
  settingsMessage,
  skipMessage,
  type ReactionView,
} from "../../schema/messages.ts";
import type { WatchPartyState } from "../../schema/state.ts";
import type { ReactionCounter } from "../jobs/reaction-counter.ts";
import type { RateLimits } from "../security/rate-limits.ts";
import type { Permission } from "../sync/permissions.ts";
import type { HostCommand } from "../sync/playback.ts";
import { parseOrThrow } from "../validate.ts";
import type { GroupPlayback } from "./group-playback.ts";
import type { RoomQueue } from "./room-queue.ts";
import type { RoomStore } from "./room-store.ts";

export interface PartyContext {
  moderation: {
    remove(by: string, target: string, reason: string | undefined, ban: boolean): Promise<void>;
    unban(by: string, target: string): Promise<void>;
    mute(by: string, target: string, muted: boolean): Promise<void>;
  };
  state: WatchPartyState;
  /** promote or demote a co-host (stored: the role outlives stays and restarts) */
  setCohost(userId: string, on: boolean): void;
  group: GroupPlayback;
  queue: RoomQueue;
  store: RoomStore;
  limits: RateLimits;
  reactions: ReactionCounter;
  /** throws NOT_HOST unless the sender may; counts the control rate limit (true: allowed at once) */
  authorize(userId: string, permission: Permission): true | Promise<void>;
  /** the commit, as RoomStore returns it: a message over HTTP waits for it, nobody has to */
  apply(cmd: HostCommand, flush: boolean): Promise<void>;
  /** to everyone: one by one, or as counts in audience mode (crowd.ts) */
  reaction(view: ReactionView): void;
}

type Sender = { user_id: string; address?: string };
type On = (type: string, fn: (seat: Sender, payload: unknown) => unknown) => void;

export function wirePartyMessages(ctx: PartyContext, on: On): void {
  const as =
    (permission: Permission) =>
    <T>(type: string, schema: z.ZodType<T>, fn: (input: T, seat: Sender) => unknown) =>
      on(type, async (seat, payload) => {
        const input = parseOrThrow(schema, payload);
        await ctx.authorize(seat.user_id, permission);
        await fn(input, seat);
      });
  const control = as("control");
  const manage = as("manage");
  const host = as("host");
  const moderate = as("moderate");
  moderate("remove_member", removeMemberMessage, ({ user_id, reason }, by) =>
    ctx.moderation.remove(by.user_id, user_id, reason, false),
  );
  moderate("ban", banMessage, ({ user_id, reason }, by) =>
    ctx.moderation.remove(by.user_id, user_id, reason, true),
  );
  moderate("unban", unbanMessage, ({ user_id }, by) => ctx.moderation.unban(by.user_id, user_id));
  moderate("mute", muteMessage, ({ user_id, muted }, by) => ctx.moderation.mute(by.user_id, user_id, muted));

  control("set_rate", setRateMessage, ({ rate }) => ctx.apply({ action: "rate", rate }, true));
  control("skip", skipMessage, () => ctx.group.skip(Date.now()));
  manage("set_segments", setSegmentsMessage, ({ segments }) => ctx.queue.setSegments(segments));
  manage("settings", settingsMessage, (patch) => {
    ctx.group.settings(patch);
    if (patch.autoplay_next !== undefined) ctx.state.settings.autoplay_next = patch.autoplay_next;
    if (patch.control_open !== undefined) ctx.state.settings.control_open = patch.control_open;
    if (patch.slow_mode !== undefined) ctx.state.settings.slow_mode = patch.slow_mode;
    void ctx.store.settings(patch);
  });
  manage("ready_check", readyCheckMessage, ({ timeout_s }) =>
    ctx.group.startReadyCheck(timeout_s, Date.now()),
  );
  manage("queue_add", queueAddMessage, ({ items }) => ctx.queue.add(items));
  manage("queue_remove", queueRemoveMessage, ({ item_id }) => ctx.queue.remove(item_id));
  manage("queue_move", queueMoveMessage, ({ item_id, index }) => ctx.queue.move(item_id, index));
  manage("queue_jump", queueJumpMessage, ({ item_id }) => ctx.queue.jump(item_id));
  manage("advance_cancel", advanceMessage, () => ctx.queue.cancelCountdown());
  manage("advance_now", advanceMessage, () => ctx.queue.advanceNow(true));
  host("set_cohost", setCohostMessage, ({ user_id, cohost }) => ctx.setCohost(user_id, cohost));
  on("ready", (seat, payload) =>
    ctx.group.answerReady(seat.user_id, parseOrThrow(readyMessage, payload).ready),
  );
  on("reaction", async (seat, payload) => {
    const r = parseOrThrow(reactionMessage, payload);
    await ctx.limits.consume("reaction", { user_id: seat.user_id, ip: seat.address });
    const view: ReactionView = { user_id: seat.user_id, ...r };
    ctx.reaction(view);
    ctx.reactions.add(ctx.state.anime_id, ctx.state.episode_number, r.video_timestamp);
  });
}
