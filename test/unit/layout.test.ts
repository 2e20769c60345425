/** Issue 12: tests and benchmarks share test/helpers/; tests never import the benchmarks. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
  );

describe("test and benchmark helpers", () => {
  it("no test imports from loadtest/", () => {
    const offenders = files("test").filter((f) => /from\s+["'][./]*loadtest\//.test(readFileSync(f, "utf8")));
    assert.deepEqual(offenders, []);
  });
});
