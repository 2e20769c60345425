/**
 * Every member of a live room, and the part of them the replicated state shows
 * (src/sync/audience.ts has the rules). A small room shows everyone; in audience mode
 * `state.members` holds the host, co-hosts and recent chatters only, while this roster keeps
 * them all: a member's status, role and flags are the same objects in both (a shown member's
 * changes replicate, a hidden one's cost nothing). `state.member_count` counts them all
 * (in audience mode refreshed about once a second).
 */
import { type Member, type WatchPartyState } from "../../schema/state.ts";
import { audienceMode, RecentChatters, visibleMembers } from "../sync/audience.ts";

export interface AudienceSettings {
  /** audience mode above this many members */
  above: number;
  /** at most this many members shown in audience mode */
  visibleMax: number;
}

export class Roster {
  private readonly all = new Map<string, Member>();
  private readonly chatters: RecentChatters;
  private chattersChanged = false;
  private readonly state: WatchPartyState;
  private readonly settings: AudienceSettings;
  /** the room's co-hosts (present or not) */
  private readonly cohosts: () => Iterable<string>;

  constructor(state: WatchPartyState, settings: AudienceSettings, cohosts: () => Iterable<string>) {
    this.state = state;
    this.settings = settings;
    this.cohosts = cohosts;
    this.chatters = new RecentChatters(settings.visibleMax);
  }

  get(userId: string): Member | undefined {
    return this.all.get(userId);
  }

  has(userId: string): boolean {
    return this.all.has(userId);
  }

  get size(): number {
    return this.all.size;
  }

  values(): IterableIterator<Member> {
    return this.all.values();
  }

  add(member: Member): void {
    this.all.set(member.user_id, member);
    this.counted();
    if (!this.state.audience) this.state.members.set(member.user_id, member);
    else this.project();
  }

  remove(userId: string): void {
    if (!this.all.delete(userId)) return;
    this.chatters.forget(userId);
    if (this.state.members.has(userId)) this.state.members.delete(userId);
    this.counted();
    if (this.state.audience) this.project();
  }

  /**
   * A member's comment reached everyone: in audience mode recent chatters are shown, refreshed
   * on the room clock (refresh): at most one change of the shown list a second.
   */
  chatted(userId: string): void {
    if (this.chatters.saw(userId) && this.state.audience) this.chattersChanged = true;
  }

  /** The host or a co-host changed: audience mode shows them. */
  rolesChanged(): void {
    if (this.state.audience) this.project();
  }

  /**
   * On the room clock, about once a second: in audience mode the shown count and chatters are
   * refreshed here, so a join storm or a busy chat costs everyone one small patch a second.
   */
  refresh(): void {
    this.publishCount();
    if (!this.chattersChanged) return;
    this.chattersChanged = false;
    if (this.state.audience) this.project();
  }

  private publishCount(): void {
    if (this.state.member_count !== this.all.size) this.state.member_count = this.all.size;
  }

  /** Updates the mode (and in a small room the count); answers whether the mode switched. */
  private counted(): boolean {
    const audience = audienceMode(this.state.audience, this.all.size, this.settings.above);
    const switched = audience !== this.state.audience;
    if (switched || !audience) this.publishCount();
    if (!switched) return false;
    this.state.audience = audience;
    this.project();
    return true;
  }

  /** Makes `state.members` hold exactly whom the mode shows. */
  private project(): void {
    const shown = this.state.audience
      ? visibleMembers({
          host: this.state.host_user_id,
          cohosts: this.cohosts(),
          chatters: this.chatters.list,
          present: (id) => this.all.has(id),
          max: this.settings.visibleMax,
        })
      : new Set(this.all.keys());
    for (const id of [...this.state.members.keys()]) if (!shown.has(id)) this.state.members.delete(id);
    for (const id of shown) if (!this.state.members.has(id)) this.state.members.set(id, this.all.get(id)!);
  }
}
