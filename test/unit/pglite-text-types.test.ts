import assert from "node:assert/strict";
import { createRequire } from "node:module";
import type * as PgliteClient from "@electric-sql/pglite";
import { DRIZZLE_TEXT_TYPES, perQueryParsers } from "../../src/db/pglite-text-types.ts";
import { loadPglite, sql } from "../../src/db/drizzle.ts";
import { rooms } from "../../src/db/schema.ts";

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

  it("covers every type drizzle's PGlite driver asks for as text (a drizzle that asks for more shows here)", async () => {
    // a client that only records what drizzle passes PGlite with a query
    const asked: number[][] = [];
    const client = {
      query: (_sql: string, _params: unknown[], options?: { parsers?: Record<number, unknown> }) => {
        asked.push(Object.keys(options?.parsers ?? {}).map(Number));
        return Promise.resolve({ rows: [], fields: [], affectedRows: 0 });
      },
    };
    const db = loadPglite().drizzle({ client: client as unknown as PgliteClient.PGlite });
    await db.select({ id: rooms.room_id, at: rooms.created_at }).from(rooms);
    await db.execute(sql`SELECT now()`);
    assert.ok(asked.length >= 2 && asked.every((types) => types.length > 0), JSON.stringify(asked));
    for (const types of asked) assert.equal(perQueryParsers(types), undefined, `drizzle asked for ${types}`);
    for (const t of [types.DATE, types.TIMESTAMP, types.TIMESTAMPTZ, types.INTERVAL])
      assert.ok(DRIZZLE_TEXT_TYPES.includes(t), `type ${t}`);
  });
});
