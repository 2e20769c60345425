import assert from "node:assert/strict";
import { createRequire } from "node:module";
import type * as PgliteClient from "@electric-sql/pglite";
import { DRIZZLE_TEXT_TYPES, perQueryParsers } from "../../src/db/pglite-text-types.ts";

const { types } = createRequire(import.meta.url)("@electric-sql/pglite") as typeof PgliteClient;

describe("which types PGlite's thread returns as text", () => {
  it("a query asking for drizzle's text types passes no parsers of its own (PGlite would copy its whole table)", () => {
    assert.equal(perQueryParsers([...DRIZZLE_TEXT_TYPES]), undefined);
    assert.equal(perQueryParsers([types.TIMESTAMPTZ, types.DATE]), undefined);
    assert.equal(perQueryParsers(undefined), undefined);
  });

  it("a type beyond them is still asked for, as text", () => {
    const parsers = perQueryParsers([types.TIMESTAMPTZ, types.JSONB]);
    assert.deepEqual(
      Object.keys(parsers ?? {})
        .map(Number)
        .sort(),
      [types.TIMESTAMPTZ, types.JSONB].sort(),
    );
    assert.equal(parsers?.[types.JSONB]?.('{"a":1}'), '{"a":1}');
  });

  it("the list is what drizzle's PGlite driver asks for: date and time types, their arrays, numeric[]", () => {
    const named = [types.DATE, types.TIMESTAMP, types.TIMESTAMPTZ, types.INTERVAL];
    for (const t of named) assert.ok(DRIZZLE_TEXT_TYPES.includes(t), `type ${t}`);
  });
});
