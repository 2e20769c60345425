import assert from "node:assert/strict";
import { PendingAnswer, WRITE_ID, WriteWaits, type WriteOutcome } from "../../src/rooms/write-waits.ts";

function memoryOutcomes() {
  const kept = new Map<string, WriteOutcome>();
  return {
    kept,
    set: async (id: string, outcome: WriteOutcome) => void kept.set(id, outcome),
    get: async (id: string) => kept.get(id),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 5));

describe("HTTP changes answered within a bound (write waits)", () => {
  it("a write stored within the wait is answered with its value", async () => {
    const waits = new WriteWaits({ waitMs: 50, keepS: 60, outcomes: memoryOutcomes() });
    assert.equal(await waits.within(Promise.resolve("stored"), () => "now"), "stored");
  });

  it("a write given up within the wait rejects as it would have (503 upstream)", async () => {
    const waits = new WriteWaits({ waitMs: 50, keepS: 60, outcomes: memoryOutcomes() });
    await assert.rejects(
      waits.within(Promise.reject(new Error("given up")), () => "now"),
      /given up/,
    );
  });

  it("a write still waiting is answered pending with a write id; its outcome follows the write", async () => {
    const outcomes = memoryOutcomes();
    const waits = new WriteWaits({ waitMs: 20, keepS: 60, outcomes });
    let store!: () => void;
    const stored = new Promise<string>((resolve) => (store = () => resolve("late")));
    const answer = await waits.within(stored, () => "as of now");
    assert.ok(answer instanceof PendingAnswer);
    assert.equal(answer.data, "as of now");
    assert.match(answer.write_id, WRITE_ID);
    assert.deepEqual(await waits.outcome(answer.write_id), { status: "pending" });
    store();
    await settle();
    assert.deepEqual(await waits.outcome(answer.write_id), { status: "stored" });

    let giveUp!: (err: Error) => void;
    const abandoned = new Promise<string>((_, reject) => (giveUp = reject));
    const second = (await waits.within(abandoned, () => null)) as PendingAnswer<null>;
    giveUp(new Error("deadline"));
    await settle();
    assert.deepEqual(await waits.outcome(second.write_id), { status: "abandoned" });
  });

  it("an id that is not a write id is never looked up", async () => {
    const outcomes = memoryOutcomes();
    outcomes.kept.set("../../etc", { status: "stored" });
    const waits = new WriteWaits({ waitMs: 20, keepS: 60, outcomes });
    assert.equal(await waits.outcome("../../etc"), undefined);
  });
});
