import assert from "node:assert/strict";
import { configWith } from "../../src/config.ts";
import { limitPoints, RateLimits } from "../../src/security/rate-limits.ts";
import { registry } from "../../src/ops/metrics.ts";

/** the next message comes in a later turn of the event loop (a socket read), never in this one */
const nextMessage = () => new Promise((r) => setImmediate(r));

/** the control limit as a room counts it, over rate-limiter-flexible's memory limiter */
function controlLimit(perS: number) {
  const limits = new RateLimits(limitPoints(configWith({ RATE_CONTROL_PER_S: perS })));
  return limits.countedAhead("control");
}

async function refusedControlCount(): Promise<number> {
  const metric = await registry.getSingleMetric("anisync_rate_limited_total")?.get();
  return (
    metric?.values.find((v: { labels: Record<string, unknown> }) => v.labels.limit === "control")?.value ?? 0
  );
}

describe("a limit counted one request ahead (counted-ahead.ts)", () => {
  it("the first request waits for its count; each later one within the limit is allowed at once", async () => {
    const limit = controlLimit(5);
    const first = limit.take("host");
    assert.ok(first instanceof Promise);
    await first;
    for (let i = 0; i < 4; i++) {
      await nextMessage();
      assert.equal(limit.take("host"), true, `request ${i + 2} at once`);
    }
  });

  it("within a window N pass and the next is refused RATE_LIMITED, as a plain count; each user has their own", async () => {
    const limit = controlLimit(3);
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      await nextMessage();
      const taken = limit.take("host");
      answers.push(
        taken === true
          ? "at once"
          : await taken.then(
              () => "counted",
              (err: { code?: string }) => String(err.code),
            ),
      );
    }
    assert.deepEqual(answers, ["counted", "at once", "at once", "RATE_LIMITED", "RATE_LIMITED"]);
    assert.ok(limit.take("cohost") instanceof Promise, "another user starts with their own count");
  });

  it("a request in the same turn as the last answer waits for the count ahead: nothing is counted twice", async () => {
    const limit = controlLimit(2);
    await limit.take("host");
    await limit.take("host"); // asked before the count ahead was answered
    await nextMessage();
    await assert.rejects(Promise.resolve(limit.take("host")), { code: "RATE_LIMITED" });
  });

  it("two requests in one synchronous turn: the second waits for the count ahead the first made", async () => {
    const limit = controlLimit(3);
    await limit.take("host");
    await nextMessage();
    assert.equal(limit.take("host"), true);
    const second = limit.take("host");
    assert.ok(second instanceof Promise, "its answer is not in hand yet");
    await second;
    await nextMessage();
    await assert.rejects(Promise.resolve(limit.take("host")), { code: "RATE_LIMITED" });
  });

  it("a count ahead that is refused is nobody's refusal: only requests refused are in the metric", async () => {
    const limit = controlLimit(2);
    const before = await refusedControlCount();
    await limit.take("host");
    await nextMessage();
    assert.equal(limit.take("host"), true); // its count ahead (the third) is refused
    await nextMessage();
    assert.equal(await refusedControlCount(), before, "no request was refused yet");
    await assert.rejects(Promise.resolve(limit.take("host")), { code: "RATE_LIMITED" });
    assert.equal(await refusedControlCount(), before + 1);
  });

  it("after a refusal the next window starts with a count again", async function () {
    this.timeout(5000);
    const limit = controlLimit(1);
    await limit.take("host");
    await nextMessage();
    await assert.rejects(Promise.resolve(limit.take("host")), { code: "RATE_LIMITED" });
    await new Promise((r) => setTimeout(r, 1100)); // RATE_CONTROL_PER_S counts per second
    const next = limit.take("host");
    assert.ok(next instanceof Promise);
    await next;
  });
});
