import assert from "node:assert/strict";
import { Seats } from "../../src/rooms/seats.ts";
import { freshSyncView } from "../../src/rooms/sync-view.ts";

type Conn = { sessionId: string };

/** Counts the seats it looks up, to show what a count walks. */
class CountingSeats extends Seats<Conn> {
  lookups = 0;
  override get(userId: string, nowMs: number) {
    this.lookups++;
    return super.get(userId, nowMs);
  }
}

describe("seat counts in a big room (seats.ts)", () => {
  it("counting seats and pending reservations walks the reservations only, not every member", () => {
    const seats = new CountingSeats();
    for (let i = 0; i < 1000; i++) {
      seats.reserve(`m${i}`, "stay", 10_000);
      seats.connect(`m${i}`, "stay", { sessionId: `s${i}` }, freshSyncView(0));
    }
    seats.reserve("late", "stay", 10_000);
    seats.reserve("lapsed", "stay", 500);
    seats.lookups = 0;
    assert.equal(seats.count(1000), 1001, "1,000 connected + 1 live reservation; the lapsed one dropped");
    assert.deepEqual(
      seats.reservations(1000).map((s) => s.user_id),
      ["late"],
    );
    assert.ok(seats.lookups <= 3, `${seats.lookups} lookups`);
  });

  it("a taken reservation is no longer pending; a left member frees its seat", () => {
    const seats = new Seats<Conn>();
    seats.reserve("a", "s1", 10_000);
    assert.equal(seats.reservations(0).length, 1);
    seats.connect("a", "s1", { sessionId: "x" }, freshSyncView(0));
    assert.equal(seats.reservations(0).length, 0);
    assert.equal(seats.count(0), 1);
    seats.leave("x");
    assert.equal(seats.count(0), 0);
  });
});
