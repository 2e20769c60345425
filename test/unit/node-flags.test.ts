/** Issue 13: `npm start`, PM2 and the test/benchmark helpers start Node with the same flags. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { NODE_FLAGS } from "../../src/ops/node-flags.ts";

describe("Node flags", () => {
  it("npm start passes them", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: { start: string } };
    assert.equal(pkg.scripts.start, `node ${NODE_FLAGS.join(" ")} src/index.ts`);
  });
  it("the README's command without npm scripts passes them", () => {
    assert.ok(readFileSync("README.md", "utf8").includes(`\`node ${NODE_FLAGS.join(" ")} src/index.ts\``));
  });
  it("PM2 passes them", async () => {
    const { apps } = (await import("../../ecosystem.config.js" as string)) as {
      apps: Array<{ node_args: string[] }>;
    };
    assert.deepEqual(apps[0]!.node_args, [...NODE_FLAGS]);
  });
});
