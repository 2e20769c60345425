/**
 * PGlite's thread: embedded PostgreSQL (WebAssembly, synchronous while it runs) on a worker
 * thread of its own, so that its work never holds the event loop every room's messages wait on.
 * Opens DATA_DIR/pglite as the main thread used to (a template copy or initdb on a first start,
 * src/db/pglite-init.ts), then answers the requests of src/db/pglite-thread.ts one at a time, in
 * the order PGlite's own locks give them: a query outside a transaction waits for an open
 * transaction to end, as in one process.
 */
import v8 from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import type { PGlite, Transaction } from "@electric-sql/pglite";
import { pgliteEngine } from "./pglite-engine.ts";
import { keepDrizzleTypesAsText, perQueryParsers } from "./pglite-text-types.ts";
import { openPgliteDir } from "./pglite-init.ts";
import { pgliteTemplateDir } from "./pglite-template.ts";
import { releaseStartupGarbage } from "../ops/startup-garbage.ts";
import type {
  PgliteReply,
  PgliteRequest,
  PgliteThreadData,
  QueryRequest,
  ThreadHeap,
} from "./pglite-thread.ts";

const port = parentPort!;
const { pgDir, useTemplate, migrationsDir } = workerData as PgliteThreadData;

/**
 * An error as its plain fields (PostgreSQL's code, severity, detail, …) for the structured clone;
 * PGlite also hangs the query, its parameters and options on it, which stay here.
 */
function plainError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const fields: Record<string, unknown> = { name: err.name, message: err.message };
  for (const [key, value] of Object.entries(err)) {
    if (["string", "number", "boolean"].includes(typeof value) && !["query", "params"].includes(key))
      fields[key] = value;
  }
  return fields;
}

/** an answer to the main thread; one that cannot be cloned is answered with that error */
function reply(r: PgliteReply) {
  try {
    port.postMessage(r);
  } catch (err) {
    port.postMessage({ id: r.id, ok: false, error: plainError(err) } satisfies PgliteReply);
  }
}

function run(on: PGlite | Transaction, req: QueryRequest) {
  return req.op === "exec"
    ? on.exec(req.sql)
    : on.query(req.sql, req.params, { rowMode: req.rowMode, parsers: perQueryParsers(req.textTypes) });
}

/** thrown in a transaction's callback to have PGlite roll it back */
class Rollback extends Error {}
/** open transactions by their begin request's id: the PGlite transaction and how to end it */
const open = new Map<number, { tx: Transaction; end: (commit: boolean, endId: number) => void }>();

/**
 * BEGIN is answered once PGlite runs the transaction's callback; the callback then waits for the
 * end request, whose answer comes once PGlite has committed or rolled back. A BEGIN that fails
 * (the callback never runs) is answered with that error.
 */
function begin(pg: PGlite, id: number) {
  let endId = 0;
  void pg
    .transaction(async (tx) => {
      const commit = await new Promise<boolean>((resolve) => {
        open.set(id, {
          tx,
          end: (c, e) => {
            endId = e;
            resolve(c);
          },
        });
        reply({ id, ok: true, value: null });
      });
      if (!commit) throw new Rollback();
    })
    .then(
      () => null,
      (err: unknown) => (err instanceof Rollback ? null : err),
    )
    .then((err) => {
      open.delete(id);
      const to = endId || id;
      reply(err ? { id: to, ok: false, error: plainError(err) } : { id: to, ok: true, value: null });
    });
}

/** a query on PGlite or on an open transaction, or closing PGlite */
function answer(pg: PGlite, req: QueryRequest | { op: "close" }): Promise<unknown> {
  if (req.op === "close") return pg.close().then(() => null);
  const on = req.tx ? open.get(req.tx)?.tx : pg;
  return on ? run(on, req) : Promise.reject(new Error(`no open transaction ${req.tx}`));
}

function heapOfThisThread(): ThreadHeap {
  const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
  return { total_bytes: v8.getHeapStatistics().total_heap_size, young_bytes: young?.space_size ?? 0 };
}

async function main() {
  const { PGlite, MemoryFS, options } = pgliteEngine();
  let pg: PGlite;
  try {
    pg = await openPgliteDir(pgDir, { PGlite, MemoryFS }, options, () =>
      useTemplate ? pgliteTemplateDir(options, migrationsDir) : null,
    );
  } catch (err) {
    reply({ id: 0, ok: false, error: plainError(err) });
    return;
  }
  keepDrizzleTypesAsText(pg);
  port.on("message", (req: PgliteRequest) => {
    if (req.op === "begin") return begin(pg, req.id);
    if (req.op === "heap") return reply({ id: req.id, ok: true, value: heapOfThisThread() });
    if (req.op === "end") {
      const tx = open.get(req.tx);
      if (tx) return tx.end(req.commit, req.id);
      return reply({ id: req.id, ok: false, error: { message: `no open transaction ${req.tx}` } });
    }
    answer(pg, req).then(
      (value) => reply({ id: req.id, ok: true, value }),
      (err: unknown) => reply({ id: req.id, ok: false, error: plainError(err) }),
    );
  });
  reply({ id: 0, ok: true, value: null });
  // what opening left on this thread's heap (PGlite's start-up), as the main thread does at the end
  // of its own start (src/index.ts); here it holds up no one
  releaseStartupGarbage();
}

await main();
