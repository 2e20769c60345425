/**
 * What each member plays when it is not the room's video (the `media` message): its file's name and
 * length on the member, and `different_file` when the length is not the current item's
 * (src/sync/media-file.ts), kept right when the current item or its length changes.
 */
import type { MediaMessage } from "../../schema/messages.ts";
import type { Member, WatchPartyState } from "../../schema/state.ts";
import { isDifferentFile } from "../sync/media-file.ts";
import type { Roster } from "./roster.ts";

export class MemberMedia {
  private readonly state: WatchPartyState;
  /** every member (in audience mode the state shows only some: roster.ts) */
  private readonly roster: Roster;

  constructor(state: WatchPartyState, roster: Roster) {
    this.state = state;
    this.roster = roster;
  }

  report(userId: string, media: MediaMessage): void {
    const member = this.roster.get(userId);
    if (!member) return;
    member.media_name = media.name;
    member.media_duration_s = media.duration_s;
    this.mark(member, this.itemDurationS());
  }

  /** After the current item, or its length, changed. */
  refresh(): void {
    const itemS = this.itemDurationS();
    for (const member of this.roster.values()) this.mark(member, itemS);
  }

  private mark(member: Member, itemS: number): void {
    const different = isDifferentFile(member.media_duration_s, itemS);
    if (member.different_file !== different) member.different_file = different;
  }

  private itemDurationS(): number {
    return this.state.queue.find((q) => q.item_id === this.state.current_item)?.duration_s ?? 0;
  }
}
