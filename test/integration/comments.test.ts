import assert from "node:assert/strict";
import {
  createOptions,
  eventually,
  http,
  joined,
  leftAfterEach,
  nextMessage,
  sdk,
  server,
  uid,
  type Harness,
} from "../helpers/server.ts";

describe("episode comment threads", function () {
  this.timeout(30_000);
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });

  const thread = (anime: string, ep: number, query = "") =>
    http(h, "GET", `/api/comments?anime_id=${anime}&episode_number=${ep}${query}`);

  it("a comment sent in a room is stored first, then reaches every member, the sender included", async () => {
    const opts = createOptions();
    const host = await joined(sdk(h).create("watch_party", opts));
    rooms.push(host.room);
    const guests = await Promise.all(
      [1, 2, 3].map((i) =>
        joined(sdk(h).joinById(host.room.roomId, { user_id: uid(`g${i}`), username: `G${i}` })),
      ),
    );
    rooms.push(...guests.map((g) => g.room));
    const everyone = [host.room, ...guests.map((g) => g.room)];
    const arrivals = everyone.map((r) => nextMessage(r, "comment"));
    const text = "<b>not bold</b> & that's fine";
    guests[0]!.room.send("comment", { message: text, video_timestamp: 61.5 });
    const received = await Promise.all(arrivals);
    for (const c of received) {
      assert.equal(c.message, text);
      assert.equal(c.username, "G1");
      assert.equal(c.video_timestamp, 61.5);
      assert.equal(c.room_id, host.room.roomId);
      assert.equal(c.anime_id, opts.anime_id);
      assert.equal(c.episode_number, opts.episode_number);
    }
    const stored = await thread(opts.anime_id, opts.episode_number);
    assert.equal(stored.body.data.comments.length, 1);
    assert.deepEqual(stored.body.data.comments[0], received[0]);
    assert.equal(stored.body.data.anchor.episode_number, opts.episode_number);
    await Promise.all(everyone.map((r) => r.leave()));
  });

  it("a comment posted over HTTP with a member token reaches the live room", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    const guest = await joined(sdk(h).joinById(host.room.roomId, { user_id: uid("g"), username: "Gus" }));
    rooms.push(guest.room);
    const arrival = nextMessage(host.room, "comment");
    const res = await http(
      h,
      "POST",
      "/api/comments",
      { message: "from my phone" },
      {
        authorization: `Bearer ${guest.welcome.member_token}`,
      },
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const c = await arrival;
    assert.equal(c.id, res.body.data.id);
    assert.equal(c.username, "Gus");
    await guest.room.leave();
    await host.room.leave();
  });

  it("bad comments are refused: blank, too long, a parent from another episode, no or bad token", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(host.room);
    for (const payload of [
      { message: "" },
      { message: "   " },
      { message: "x".repeat(1001) },
      { message: 5 },
    ]) {
      const err = nextMessage(host.room, "error");
      host.room.send("comment", payload);
      assert.equal((await err).code, "INVALID_INPUT");
    }
    const other = await joined(sdk(h).create("watch_party", createOptions()));
    rooms.push(other.room);
    const foreign = nextMessage(other.room, "comment");
    other.room.send("comment", { message: "elsewhere" });
    const foreignId = (await foreign).id;
    const err = nextMessage(host.room, "error");
    host.room.send("comment", { message: "reply", parent_id: foreignId });
    assert.match((await err).message, /^parent_id/);

    const auth = { authorization: `Bearer ${host.welcome.member_token}` };
    assert.equal((await http(h, "POST", "/api/comments", { message: "hi" })).body.error.code, "UNAUTHORIZED");
    const forged = `${host.welcome.member_token.split(".")[0]}.AAAA`;
    const bad = await http(
      h,
      "POST",
      "/api/comments",
      { message: "hi" },
      { authorization: `Bearer ${forged}` },
    );
    assert.deepEqual([bad.status, bad.body.error.code], [401, "UNAUTHORIZED"]);
    const long = await http(h, "POST", "/api/comments", { message: "x".repeat(1001) }, auth);
    assert.deepEqual([long.status, long.body.error.code], [400, "INVALID_INPUT"]);
    await host.room.leave();
    await other.room.leave();
  });

  it("a thread with replies two levels deep comes back in order", async () => {
    const opts = createOptions();
    const host = await joined(sdk(h).create("watch_party", opts));
    rooms.push(host.room);
    const post = async (message: string, parent_id?: string) => {
      const arrival = nextMessage(host.room, "comment");
      host.room.send("comment", parent_id ? { message, parent_id } : { message });
      return (await arrival).id as string;
    };
    const a = await post("A");
    const b = await post("B");
    const a1 = await post("A.1", a);
    const a1x = await post("A.1.x", a1);
    const a2 = await post("A.2", a);
    await post("B.1", b);
    const oldest = await thread(opts.anime_id, opts.episode_number, "&order=oldest");
    const shape = (cs: any[]): any[] => cs.map((c) => [c.message, ...(c.replies ? [shape(c.replies)] : [])]);
    assert.deepEqual(shape(oldest.body.data.comments), [
      ["A", [["A.1", [["A.1.x"]]], ["A.2"]]],
      ["B", [["B.1"]]],
    ]);
    const newest = await thread(opts.anime_id, opts.episode_number);
    assert.deepEqual(
      newest.body.data.comments.map((c: any) => c.message),
      ["B", "A"],
    );
    const anchorId = newest.body.data.anchor.id;
    assert.equal(newest.body.data.comments[0].parent_id, anchorId);
    assert.equal(oldest.body.data.comments[0].replies[1].id, a2);
    assert.equal(oldest.body.data.comments[0].replies[0].replies[0].id, a1x);
    await host.room.leave();
  });

  it("pagination neither skips nor repeats while others post", async () => {
    const opts = createOptions();
    const host = await joined(sdk(h).create("watch_party", opts));
    rooms.push(host.room);
    const auth = { authorization: `Bearer ${host.welcome.member_token}` };
    const postOne = (i: number) => http(h, "POST", "/api/comments", { message: `m${i}` }, auth);
    for (let i = 0; i < 30; i++) await postOne(i);

    for (const order of ["oldest", "newest"] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let writer = 100;
      do {
        const page: any = await thread(
          opts.anime_id,
          opts.episode_number,
          `&order=${order}&limit=7${cursor ? `&cursor=${cursor}` : ""}`,
        );
        assert.equal(page.status, 200);
        seen.push(...page.body.data.comments.map((c: any) => c.message));
        cursor = page.body.next_cursor;
        // others keep posting between pages
        await Promise.all([postOne(writer++), postOne(writer++)]);
      } while (cursor);
      assert.equal(new Set(seen).size, seen.length, `${order}: no repeats`);
      const originals = Array.from({ length: 30 }, (_, i) => `m${i}`);
      for (const m of originals) assert.ok(seen.includes(m), `${order}: ${m} not skipped`);
      if (order === "newest") assert.equal(seen[seen.length - 1], "m0");
      else assert.deepEqual(seen.slice(0, 30), originals);
    }
    await host.room.leave();
  });

  it("until hides what comes later in the episode than the viewer has watched", async () => {
    const opts = createOptions();
    const host = await joined(sdk(h).create("watch_party", opts));
    rooms.push(host.room);
    const post = async (message: string, video_timestamp?: number, parent_id?: string) => {
      const arrival = nextMessage(host.room, "comment");
      host.room.send("comment", {
        message,
        ...(video_timestamp !== undefined ? { video_timestamp } : {}),
        ...(parent_id ? { parent_id } : {}),
      });
      return (await arrival).id as string;
    };
    const early = await post("early", 60);
    await post("late reply", 900, early);
    await post("early reply", 70, early);
    await post("ending", 1400);
    await post("no time");
    const res = await thread(opts.anime_id, opts.episode_number, "&order=oldest&until=600");
    const shape = (cs: any[]): any[] => cs.map((c) => [c.message, ...(c.replies ? [shape(c.replies)] : [])]);
    assert.deepEqual(shape(res.body.data.comments), [["early", [["early reply"]]], ["no time"]]);
    await host.room.leave();
  });

  it("an episode nobody has discussed has no anchor and no comments", async () => {
    const res = await thread(uid("quiet"), 1);
    assert.deepEqual(res.body.data, { anchor: null, comments: [] });
    assert.equal(res.body.next_cursor, null);
    const bad = await http(h, "GET", "/api/comments?anime_id=a");
    assert.deepEqual([bad.status, bad.body.error.code], [400, "INVALID_INPUT"]);
  });

  it("comments stay after the room is deleted", async () => {
    const opts = createOptions();
    const host = await joined(sdk(h).create("watch_party", opts));
    rooms.push(host.room);
    const arrival = nextMessage(host.room, "comment");
    host.room.send("comment", { message: "kept" });
    await arrival;
    const left = new Promise<number>((resolve) => host.room.onLeave((code) => resolve(code)));
    const del = await http(h, "DELETE", `/api/rooms/${host.room.roomId}`, undefined, {
      authorization: `Bearer ${host.welcome.member_token}`,
    });
    assert.equal(del.status, 200);
    await left;
    await eventually(
      async () => (await http(h, "GET", `/api/rooms/${host.room.roomId}/playback`)).status === 404,
    );
    const res = await thread(opts.anime_id, opts.episode_number);
    assert.deepEqual(
      res.body.data.comments.map((c: any) => c.message),
      ["kept"],
    );
  });
});
