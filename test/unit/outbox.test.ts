import assert from "node:assert/strict";
import { isTransient, OutboxGroup, WriteGivenUpError, type GiveUpReason } from "../../src/db/outbox.ts";

/** an error as PostgreSQL answers it (pg and PGlite both carry a SQLSTATE and a severity) */
const pgError = (code: string) => Object.assign(new Error(`sqlstate ${code}`), { code, severity: "ERROR" });
const unreachable = () => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });

function group(over: Partial<ConstructorParameters<typeof OutboxGroup>[0]> = {}) {
  const givenUp: GiveUpReason[] = [];
  const g = new OutboxGroup({
    maxWrites: 100,
    giveUpAfterMs: 10_000,
    retryMinMs: 5,
    retryMaxMs: 20,
    onGiveUp: (reason) => givenUp.push(reason),
    ...over,
  });
  return { g, givenUp };
}

describe("the room write outbox", () => {
  it("retries writes while the database is unreachable and stores them in the order they happened", async () => {
    const { g, givenUp } = group();
    const box = g.outbox();
    const stored: number[] = [];
    let down = true;
    setTimeout(() => (down = false), 60);
    const writes = [1, 2, 3].map((n) =>
      box.push(`w${n}`, async () => {
        if (down) throw unreachable();
        stored.push(n);
      }),
    );
    assert.equal(g.pendingWrites, 3);
    await Promise.all(writes);
    assert.deepEqual(stored, [1, 2, 3]);
    assert.deepEqual(givenUp, []);
    assert.equal(g.pendingWrites, 0);
  });

  it("gives up at once on an error the database would repeat, and goes on with the next", async () => {
    const { g, givenUp } = group();
    const box = g.outbox();
    const bad = box.push("bad", async () => {
      throw new Error("wrapped", { cause: pgError("23505") });
    });
    const good = box.push("good", async () => {});
    await assert.rejects(bad, (e: WriteGivenUpError) => e.reason === "failed" && e.label === "bad");
    await good;
    assert.deepEqual(givenUp, ["failed"]);
  });

  it("refuses a write beyond its bound, and gives up a write older than the deadline", async () => {
    const { g, givenUp } = group({ maxWrites: 2, giveUpAfterMs: 50 });
    const box = g.outbox();
    const failing = async () => {
      throw unreachable();
    };
    const a = box.push("a", failing);
    const b = box.push("b", failing);
    await assert.rejects(box.push("c", failing), (e: WriteGivenUpError) => e.reason === "full");
    await assert.rejects(a, (e: WriteGivenUpError) => e.reason === "deadline");
    await assert.rejects(b, (e: WriteGivenUpError) => e.reason === "deadline");
    assert.deepEqual(givenUp, ["full", "deadline", "deadline"]);
  });

  it("a shutdown drain ends by its deadline and gives up what is left", async () => {
    const { g, givenUp } = group({ retryMaxMs: 5000 });
    const box = g.outbox();
    const pending = box.push("stuck", async () => {
      throw unreachable();
    });
    pending.catch(() => {});
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    g.beginShutdown(100);
    await g.drain();
    assert.ok(Date.now() - started < 1000, `drained in ${Date.now() - started} ms`);
    await assert.rejects(pending, (e: WriteGivenUpError) => e.reason === "shutdown");
    assert.deepEqual(givenUp, ["shutdown"]);
  });

  it("tells errors worth retrying from errors the database would repeat", () => {
    assert.equal(isTransient(unreachable()), true);
    assert.equal(isTransient(new Error("Connection terminated due to connection timeout")), true);
    assert.equal(isTransient(pgError("57P01")), true, "admin shutdown");
    assert.equal(isTransient(pgError("57014")), true, "statement timeout");
    assert.equal(isTransient(pgError("40001")), true, "serialization failure");
    assert.equal(isTransient(pgError("23505")), false, "unique violation");
    assert.equal(isTransient(pgError("42703")), false, "undefined column");
  });
});
