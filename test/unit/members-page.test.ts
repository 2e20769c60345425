import assert from "node:assert/strict";
import { membersPage } from "../../src/rooms/members-page.ts";
import { memberOf } from "../helpers/members.ts";

const member = (user_id: string, connected = true) => memberOf(user_id, { connected });

describe("a page of members (members-page.ts)", () => {
  const all = ["d", "a", "e", "c", "b"].map((id) => member(id, id !== "e"));

  it("pages in user id order; the next page starts after the last id; the last page says so", () => {
    const first = membersPage(all, { limit: 2 });
    assert.deepEqual(
      first.members.map((m) => m.user_id),
      ["a", "b"],
    );
    assert.equal(first.next_after, "b");
    assert.equal(first.member_count, 5);
    assert.equal(first.connected_count, 4);
    const last = membersPage(all, { after: "c", limit: 2 });
    assert.deepEqual(
      last.members.map((m) => m.user_id),
      ["d", "e"],
    );
    assert.equal(last.next_after, null);
  });

  it("limit 0 answers the counts only; limits are clamped to 1000", () => {
    const counts = membersPage(all, { limit: 0 });
    assert.deepEqual(counts.members, []);
    assert.equal(counts.next_after, null);
    assert.equal(membersPage(all, { limit: 1e9 }).members.length, 5);
  });
});
