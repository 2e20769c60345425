/**
 * One page of a live room's members for HTTP (`GET /api/rooms/:id/members?cursor=&limit=`),
 * in user id order (keyset: the next page starts after the last user id), with the room's
 * counts. A premiere's 10,000 members are read a page at a time, never all in one answer.
 */
import type { Member } from "../../schema/state.ts";
import { smallestBy } from "./smallest.ts";

export const MEMBERS_PAGE_DEFAULT = 200;
export const MEMBERS_PAGE_MAX = 1000;

export interface MembersPageQuery {
  /** the last user id of the previous page */
  after?: string;
  /** 0: the counts only */
  limit?: number;
}

export interface MembersPage {
  members: ReturnType<Member["toJSON"]>[];
  member_count: number;
  connected_count: number;
  /** the last user id of this page when more follow; null on the last page */
  next_after: string | null;
}

export function membersPage(all: Iterable<Member>, q: MembersPageQuery): MembersPage {
  const limit = Math.min(Math.max(0, q.limit ?? MEMBERS_PAGE_DEFAULT), MEMBERS_PAGE_MAX);
  let member_count = 0;
  let connected_count = 0;
  const after: Member[] = [];
  for (const m of all) {
    member_count++;
    if (m.connected) connected_count++;
    if (limit > 0 && (q.after === undefined || m.user_id > q.after)) after.push(m);
  }
  // one more than the page: whether more follow
  const next = smallestBy(after, (m) => m.user_id, limit + 1);
  const page = next.slice(0, limit);
  return {
    members: page.map((m) => m.toJSON()),
    member_count,
    connected_count,
    next_after: limit > 0 && next.length > limit ? page[page.length - 1]!.user_id : null,
  };
}
