import assert from "node:assert/strict";
import { nextHost } from "../../src/sync/succession.ts";

describe("host succession", () => {
  it("picks the longest-present connected member, never the one leaving", () => {
    const members = [
      { user_id: "host", joined_at: 1, connected: true },
      { user_id: "late", joined_at: 30, connected: true },
      { user_id: "early", joined_at: 10, connected: true },
    ];
    assert.equal(nextHost(members, "host"), "early");
  });

  it("prefers a connected member over a longer-present one that is reconnecting", () => {
    const members = [
      { user_id: "dropped", joined_at: 5, connected: false },
      { user_id: "here", joined_at: 20, connected: true },
    ];
    assert.equal(nextHost(members), "here");
  });

  it("falls back to a reconnecting member when nobody is connected", () => {
    assert.equal(nextHost([{ user_id: "dropped", joined_at: 5, connected: false }]), "dropped");
  });

  it("breaks ties on user_id and returns undefined for an empty room", () => {
    const tied = [
      { user_id: "b", joined_at: 7, connected: true },
      { user_id: "a", joined_at: 7, connected: true },
    ];
    assert.equal(nextHost(tied), "a");
    assert.equal(nextHost([], "x"), undefined);
  });
});
