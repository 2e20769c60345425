/**
 * The main thread's side of PGlite's thread (src/db/pglite-worker.ts): an object with the part of
 * PGlite's interface drizzle's PGlite driver uses (`query`, `exec`, `transaction`, `close`), each
 * call a message to the worker and its answer a message back. PGlite's WebAssembly then runs
 * beside the event loop instead of on it: at 18,000 members the sample inserts alone held the
 * loop for 50-100 ms stretches (docs/performance.md, "Flat latency").
 *
 * What crosses between the threads is a structured clone: SQL text, parameters, result rows, and
 * errors as their plain fields (PostgreSQL's `code`, `severity`, `detail`, …, which
 * src/db/outbox.ts reads). drizzle's parsers keep date and time types as PostgreSQL's text; the
 * thread does the same for the type ids a call names (it cannot run the caller's functions).
 * If the thread stops (it should not: PGlite aborting would have ended the whole process before),
 * every call waiting and every later one fails with an error that says so.
 */
import v8 from "node:v8";
import { Worker } from "node:worker_threads";
import type { PGlite, QueryOptions, Results } from "@electric-sql/pglite";

export interface PgliteThreadData {
  pgDir: string;
  useTemplate: boolean;
  migrationsDir: string;
}

export type QueryRequest = { id: number; tx?: number } & (
  | { op: "query"; sql: string; params?: unknown[]; rowMode?: "array" | "object"; textTypes?: number[] }
  | { op: "exec"; sql: string }
);
export type PgliteRequest =
  | QueryRequest
  | { op: "begin"; id: number }
  | { op: "end"; id: number; tx: number; commit: boolean }
  | { op: "close"; id: number }
  | { op: "heap"; id: number };
export type PgliteReply =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: Record<string, unknown> };

/**
 * The thread's young generation. The process's `--max-semi-space-size` (src/ops/node-flags.ts) is
 * sized for the rooms' allocation rate; V8 flags are process-wide and win over a worker's
 * `resourceLimits`, and with it the thread's heap grew to ~170 MB at 18,000 members (~50 MB in
 * use). The flag is read when an isolate is made, so it is unset just before the thread's isolate
 * is: the main thread keeps the heap it was made with.
 */
const YOUNG_GENERATION_MB = 8;
function withoutProcessSemiSpaceFlag() {
  v8.setFlagsFromString("--max-semi-space-size=0");
}

/** the thread's V8 heap: all of it, and the young generation's current size */
export interface ThreadHeap {
  total_bytes: number;
  young_bytes: number;
}

type Waiting = { resolve: (value: unknown) => void; reject: (err: unknown) => void };
/** a request before #call numbers it: Omit over each member of the union */
type WithoutId<R> = R extends unknown ? Omit<R, "id"> : never;
type Request = WithoutId<PgliteRequest>;

function errorFrom(fields: Record<string, unknown>): Error {
  return Object.assign(new Error(String(fields.message)), fields);
}

/** what a transaction's callback gets: queries on the transaction's connection */
interface ThreadTransaction {
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  exec(sql: string): Promise<Results[]>;
}

export class PgliteThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;
  #stopped: Error | null = null;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on("message", (r: PgliteReply) => this.#settle(r));
    worker.on("error", (err: Error) => this.#stop(err));
    worker.on("exit", (code) => this.#stop(new Error(`PGlite's thread exited (code ${code})`)));
  }

  /** starts the thread; resolves once PGlite is open, or rejects with why it could not open */
  static open(data: PgliteThreadData): Promise<PgliteThread> {
    withoutProcessSemiSpaceFlag();
    const worker = new Worker(new URL("./pglite-worker.ts", import.meta.url), {
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    const thread = new PgliteThread(worker);
    return new Promise((resolve, reject) => {
      thread.#waiting.set(0, { resolve: () => resolve(thread), reject });
    });
  }

  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    return this.#query<T>(sql, params, options);
  }

  exec(sql: string): Promise<Results[]> {
    return this.#call({ op: "exec", sql }) as Promise<Results[]>;
  }

  async transaction<T>(callback: (tx: ThreadTransaction) => Promise<T>): Promise<T> {
    // a transaction is known by its BEGIN's id
    const tx = this.#nextId++;
    await this.#call({ op: "begin" }, tx);
    const on: ThreadTransaction = {
      query: (sql, params, options) => this.#query(sql, params, options, tx),
      exec: (sql) => this.#call({ op: "exec", sql, tx }) as Promise<Results[]>,
    };
    let result: T;
    try {
      result = await callback(on);
    } catch (err) {
      await this.#call({ op: "end", tx, commit: false });
      throw err;
    }
    await this.#call({ op: "end", tx, commit: true });
    return result;
  }

  async close(): Promise<void> {
    if (this.#stopped) return;
    await this.#call({ op: "close" });
    this.#stopped = new Error("PGlite is closed");
    await this.#worker.terminate();
  }

  heap(): Promise<ThreadHeap> {
    return this.#call({ op: "heap" }) as Promise<ThreadHeap>;
  }

  /** for drizzle's driver, which types its client as PGlite */
  asPglite(): PGlite {
    return this as unknown as PGlite;
  }

  #query<T>(sql: string, params: unknown[] | undefined, options: QueryOptions | undefined, tx?: number) {
    const textTypes = options?.parsers ? Object.keys(options.parsers).map(Number) : undefined;
    return this.#call({ op: "query", sql, params, rowMode: options?.rowMode, textTypes, tx }) as Promise<
      Results<T>
    >;
  }

  #call(request: Request, id = this.#nextId++): Promise<unknown> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    return new Promise((resolve, reject) => {
      try {
        this.#worker.postMessage({ ...request, id });
      } catch (err) {
        reject(err); // a parameter that cannot be cloned
        return;
      }
      if (this.#waiting.size === 0) this.#worker.ref();
      this.#waiting.set(id, { resolve, reject });
    });
  }

  #settle(r: PgliteReply) {
    const waiting = this.#waiting.get(r.id);
    if (!waiting) return;
    this.#waiting.delete(r.id);
    // an idle thread does not keep the process alive; one with calls to answer does
    if (this.#waiting.size === 0) this.#worker.unref();
    if (r.ok) waiting.resolve(r.value);
    else waiting.reject(errorFrom(r.error));
  }

  #stop(err: Error) {
    if (this.#stopped) return;
    this.#stopped = err;
    for (const waiting of this.#waiting.values()) waiting.reject(err);
    this.#waiting.clear();
  }
}
