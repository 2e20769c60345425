import assert from "node:assert/strict";
import {
  createOptions,
  http,
  joined,
  leftAfterEach,
  nextMessage,
  sdk,
  server,
  uid,
  type Harness,
} from "../helpers/server.ts";

describe("room message types cannot grow the metrics without bound", function () {
  this.timeout(60_000);
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });

  const scrape = async () => String((await http(h, "GET", "/metrics")).body);
  const seriesOf = (text: string, name: string) =>
    text.split("\n").filter((line) => line.startsWith(`${name}{`));

  it("400 distinct unknown message types add at most one series, and none of their names", async () => {
    const host = await joined(sdk(h).create("watch_party", createOptions()));
    // 16 senders of 25 messages each: under MAX_MESSAGES_PER_S, so nobody is disconnected
    const senders = [host];
    rooms.push(host.room);
    for (let i = 1; i < 16; i++) {
      const sender = await joined(
        sdk(h).joinById(host.room.roomId, { user_id: uid(`m${i}`), username: `M${i}` }),
      );
      rooms.push(sender.room);
      senders.push(sender);
    }
    const before = seriesOf(await scrape(), "anisync_messages_in_total").length;
    const prefix = `hostile_${process.pid}_${Date.now().toString(36)}`;
    await Promise.all(
      senders.map(async (s, i) => {
        for (let j = 0; j < 25; j++) {
          const type = `${prefix}_${i}_${j}`;
          const error = nextMessage(s.room, "error");
          s.room.send(type, {});
          const e = await error;
          assert.equal(e.code, "INVALID_INPUT");
          assert.equal(e.type, type);
        }
      }),
    );
    const text = await scrape();
    assert.ok(!text.includes(prefix), "an unknown type's name became a label value");
    const after = seriesOf(text, "anisync_messages_in_total").length;
    assert.ok(after - before <= 1, `series grew from ${before} to ${after}`);
    assert.match(text, /anisync_messages_in_total\{type="unknown"\} \d+/);
    await Promise.all(senders.map((s) => s.room.leave()));
  });
});
