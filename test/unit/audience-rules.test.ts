import assert from "node:assert/strict";
import { audienceMode, RecentChatters, visibleMembers } from "../../src/sync/audience.ts";

describe("audience mode rules (src/sync/audience.ts)", () => {
  it("starts above the threshold and ends at 90 % of it, so a room at the edge does not flap", () => {
    assert.equal(audienceMode(false, 200, 200), false);
    assert.equal(audienceMode(false, 201, 200), true);
    assert.equal(audienceMode(true, 200, 200), true);
    assert.equal(audienceMode(true, 181, 200), true);
    assert.equal(audienceMode(true, 180, 200), false);
  });

  it("shows the host, then co-hosts, then the most recent chatters, present ones only, at most max", () => {
    const present = new Set(["h", "c1", "c2", "a", "b", "c", "d"]);
    const shown = visibleMembers({
      host: "h",
      cohosts: ["c1", "gone", "c2"],
      chatters: ["a", "b", "c", "d"],
      present: (id) => present.has(id),
      max: 5,
    });
    assert.deepEqual([...shown], ["h", "c1", "c2", "d", "c"]);
  });

  it("an absent host is not shown; max below 1 still shows the host", () => {
    assert.deepEqual(
      [...visibleMembers({ host: "h", cohosts: [], chatters: ["a"], present: (id) => id === "a", max: 3 })],
      ["a"],
    );
    assert.deepEqual(
      [...visibleMembers({ host: "h", cohosts: ["c"], chatters: [], present: () => true, max: 0 })],
      ["h"],
    );
  });

  it("recent chatters: each once, most recent last, bounded; a repeat by the last one changes nothing", () => {
    const r = new RecentChatters(3);
    assert.equal(r.saw("a"), true);
    assert.equal(r.saw("a"), false);
    r.saw("b");
    r.saw("c");
    assert.equal(r.saw("a"), true);
    assert.deepEqual(r.list, ["b", "c", "a"]);
    r.saw("d");
    assert.deepEqual(r.list, ["c", "a", "d"]);
    r.forget("a");
    assert.deepEqual(r.list, ["c", "d"]);
  });
});
