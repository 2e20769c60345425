import assert from "node:assert/strict";
import { registry } from "../../src/ops/metrics.ts";
import { LIMIT_NAMES, RateLimits, type LimitName } from "../../src/security/rate-limits.ts";

async function count(limit: LimitName): Promise<number> {
  const metric = await registry.getSingleMetric("anisync_rate_limited_total")!.get();
  return metric.values.find((v) => v.labels.limit === limit)?.value ?? NaN;
}

describe("anisync_rate_limited_total", () => {
  it("has a series for every limit from the start", async () => {
    for (const limit of LIMIT_NAMES) assert.ok(Number.isFinite(await count(limit)), limit);
  });

  it("counts each RATE_LIMITED refusal once, by limit, and nothing for allowed requests", async () => {
    const ones = Object.fromEntries(LIMIT_NAMES.map((n) => [n, 1])) as Record<LimitName, number>;
    const limits = new RateLimits({ user: ones, address: ones });
    const [before, control] = [await count("comment"), await count("control")];
    const keys = { user_id: "u-metric", ip: "192.0.2.77" };
    await limits.consume("comment", keys);
    assert.equal(await count("comment"), before);
    await assert.rejects(limits.consume("comment", keys), { code: "RATE_LIMITED" });
    assert.equal(await count("comment"), before + 1);
    assert.equal(await count("control"), control);
  });
});
