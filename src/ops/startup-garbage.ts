/**
 * One memory-reducing garbage collection once start-up is over, so what start-up left behind is
 * returned to the OS now rather than minutes later: the young generation V8 grew while loading
 * modules (~25 MB). Without it V8 keeps it until its next collection, which an idle server
 * reaches only after minutes. Blocks the event loop once, for ~50-100 ms. A first PGlite start
 * also calls it around initdb (src/db/pglite-init.ts).
 */
import v8 from "node:v8";
import vm from "node:vm";

type Gc = (options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

export function releaseStartupGarbage(): void {
  // V8's gc() exists only in contexts created while --expose-gc is set: a new, throwaway one
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as Gc;
  v8.setFlagsFromString("--no-expose-gc");
  gc({ type: "major", execution: "sync", flavor: "last-resort" });
}
