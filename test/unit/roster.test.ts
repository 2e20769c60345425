import assert from "node:assert/strict";
import { WatchPartyState } from "../../schema/state.ts";
import { Roster } from "../../src/rooms/roster.ts";
import { memberOf } from "../helpers/members.ts";

const member = (user_id: string) => memberOf(user_id);

describe("the roster: every member, and those the state shows (roster.ts)", () => {
  function room(cohosts: string[] = []) {
    const state = new WatchPartyState();
    state.host_user_id = "h";
    const roster = new Roster(state, { above: 10, visibleMax: 3 }, () => cohosts);
    return { state, roster };
  }

  it("a small room shows everyone; past the threshold only the host; back at 90 % of it", () => {
    const { state, roster } = room();
    for (const id of ["h", ...Array.from({ length: 10 }, (_, i) => `m${i}`)]) roster.add(member(id));
    assert.equal(state.audience, true, "11 > 10");
    assert.deepEqual([...state.members.keys()], ["h"]);
    assert.equal(state.member_count, 11);
    roster.remove("m0");
    assert.equal(state.audience, true, "10 is above 9");
    roster.remove("m1");
    assert.equal(state.audience, false, "9: a small room again");
    assert.equal(state.members.size, 9);
    assert.equal(state.member_count, 9);
  });

  it("audience mode: co-hosts and recent chatters are shown, at most visibleMax; a chat shows on the next refresh", () => {
    const { state, roster } = room(["c"]);
    for (const id of ["h", "c", ...Array.from({ length: 12 }, (_, i) => `m${i}`)]) roster.add(member(id));
    roster.rolesChanged();
    assert.deepEqual([...state.members.keys()].sort(), ["c", "h"]);
    roster.chatted("m3");
    roster.chatted("m4");
    assert.equal(state.members.has("m3"), false, "not before the refresh");
    roster.add(member("late"));
    assert.equal(state.member_count, 11, "counted at the switch; later joins wait for the refresh");
    roster.refresh();
    assert.equal(state.member_count, 15);
    assert.deepEqual([...state.members.keys()].sort(), ["c", "h", "m4"], "3 at most: the latest chatter");
    roster.get("m0")!.sync_status = "synced"; // a hidden member's status lives on in the roster
    assert.equal(roster.get("m0")!.sync_status, "synced");
  });
});
