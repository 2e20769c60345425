import assert from "node:assert/strict";
import { WatchPartyState } from "../../schema/state.ts";
import { metadataChanged, roomMetadata } from "../../src/rooms/metadata.ts";
import { Roster } from "../../src/rooms/roster.ts";
import { memberOf } from "../helpers/members.ts";

const rosterOf = (state: WatchPartyState) => new Roster(state, { above: 200, visibleMax: 50 }, () => []);

function privateRoom() {
  const state = new WatchPartyState();
  state.assign({
    room_id: "r1",
    title: "Late show",
    anime_id: "a-1",
    anime_title: "Mushishi",
    episode_number: 7,
    video_url: "https://videos.example/m-07.webm",
    is_public: false,
    created_at: 1,
    host_user_id: "u-host",
    owner_user_id: "u-owner",
  });
  return state;
}

function member(user_id: string, username: string, connected = true) {
  return memberOf(user_id, { username, connected });
}

describe("room metadata (what /monitor lists)", () => {
  it("names the room, its episode, visibility, host and member count, from the real state", () => {
    const state = privateRoom();
    const roster = rosterOf(state);
    roster.add(member("u-host", "Hana"));
    roster.add(member("u-guest", "Gus", false));
    assert.deepEqual(roomMetadata(state), {
      title: "Late show",
      anime_title: "Mushishi",
      episode_number: 7,
      is_public: false,
      visibility: "private",
      host_user_id: "u-host",
      host_username: "Hana",
      members: 2,
    });
  });

  it("before the host joins: host id known, name empty, no members", () => {
    const state = privateRoom();
    state.is_public = true;
    const meta = roomMetadata(state);
    assert.equal(meta.visibility, "public");
    assert.equal(meta.host_username, "");
    assert.equal(meta.members, 0);
  });

  it("carries only named fields: nothing from the state beyond them, no key, invite or token", () => {
    const state = privateRoom() as any;
    // whatever a room might keep next to its state, metadata picks fields by name
    const leaky = Object.assign(Object.create(state), {
      access_key: "123456",
      invite_secret: "inv-secret",
      member_token: "tok",
      members: state.members,
    });
    const meta = roomMetadata(leaky);
    assert.deepEqual(Object.keys(meta).sort(), [
      "anime_title",
      "episode_number",
      "host_user_id",
      "host_username",
      "is_public",
      "members",
      "title",
      "visibility",
    ]);
    assert.doesNotMatch(JSON.stringify(meta), /123456|inv-secret|tok"|video_url|owner/);
  });

  it("metadataChanged says when a refresh must persist", () => {
    const state = privateRoom();
    const first = roomMetadata(state);
    assert.equal(metadataChanged(undefined, first), true);
    assert.equal(metadataChanged({}, first), true);
    assert.equal(metadataChanged({ ...first }, roomMetadata(state)), false);
    rosterOf(state).add(member("u-host", "Hana"));
    assert.equal(metadataChanged(first, roomMetadata(state)), true);
    state.host_user_id = "u-owner";
    assert.equal(metadataChanged(roomMetadata(privateRoom()), roomMetadata(state)), true);
  });
});
