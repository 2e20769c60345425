/**
 * Which types PGlite's thread (src/db/pglite-worker.ts) returns as PostgreSQL's text.
 *
 * drizzle's PGlite driver asks, with every query, for date, timestamp, timestamptz, interval,
 * their arrays and numeric[] as text (drizzle parses them itself). PGlite merges per-query parsers
 * into a copy of its whole parser table (every type and array type, hundreds of keys) for each
 * query: ~0.2 ms and its garbage per query on the thread, a host action's write included. So the
 * thread's PGlite keeps drizzle's types as text in its own table (every query there is drizzle's),
 * and a query passes parsers only for a type beyond them.
 */
import type { PGlite } from "@electric-sql/pglite";

/** a parser that keeps a value as the text PostgreSQL sent */
const asIs = (value: string) => value;

export const DRIZZLE_TEXT_TYPES: readonly number[] = [1082, 1114, 1115, 1182, 1184, 1185, 1186, 1187, 1231];
const textAlready: ReadonlySet<number> = new Set(DRIZZLE_TEXT_TYPES);

/** The parsers a query that wants `types` as text passes to PGlite: none when PGlite's own keep them. */
export function perQueryParsers(types: number[] | undefined): Record<number, typeof asIs> | undefined {
  if (!types || types.every((t) => textAlready.has(t))) return undefined;
  return Object.fromEntries(types.map((t) => [t, asIs]));
}

/** After PGlite's start (which builds its array types' parsers from the element types). */
export function keepDrizzleTypesAsText(pg: Pick<PGlite, "parsers">): void {
  for (const t of DRIZZLE_TEXT_TYPES) pg.parsers[t] = asIs;
}
