import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startServerProcess, stoppedAfterEach } from "../helpers/process.ts";

/** what `npm start` did until /health answered, in order: modules loaded, threads started */
async function startOrder(dataDir: string): Promise<string[]> {
  const file = path.join(dataDir, `order-${Date.now()}.txt`);
  const server = await startServerProcess(
    { DATA_DIR: dataDir, DATABASE_URL: undefined, LOG_LEVEL: "warn", MODULE_ORDER_FILE: file },
    { nodeArgs: ["--import", "./test/helpers/module-order-hook.ts"] },
  );
  await server.stop();
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => (line.startsWith("worker ") ? "PGlite's thread" : line.split("/src/")[1]!));
}

describe("npm start on embedded PGlite", function () {
  this.timeout(120_000);
  stoppedAfterEach();
  let dataDir: string;
  before(() => (dataDir = mkdtempSync(path.join(tmpdir(), "anisync-early-"))));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("starts PGlite's thread before it loads the server when DATA_DIR has a database, after it on a first start", async () => {
    const first = await startOrder(dataDir);
    assert.ok(
      first.indexOf("server.ts") < first.indexOf("PGlite's thread"),
      `a first start (initdb or the template) waits for the server's modules: ${first.join(", ").slice(0, 600)}`,
    );
    const later = await startOrder(dataDir);
    assert.ok(later.includes("server.ts") && later.includes("PGlite's thread"));
    assert.ok(
      later.indexOf("PGlite's thread") < later.indexOf("server.ts"),
      `a later start opens PGlite first: ${later.join(", ").slice(0, 600)}`,
    );
  });
});
