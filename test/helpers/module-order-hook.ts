/**
 * `node --import ./test/helpers/module-order-hook.ts …`: appends to the file MODULE_ORDER_FILE
 * names, in order, the URL of every one of this repository's modules the main thread loads, and
 * `worker <url>` when the main thread starts a worker thread.
 */
import { appendFileSync } from "node:fs";
import module from "node:module";
import workerThreads from "node:worker_threads";

const file = process.env.MODULE_ORDER_FILE ?? "";
if (file !== "" && workerThreads.isMainThread) {
  module.registerHooks({
    load(url, context, next) {
      if (url.includes("/src/") && !url.includes("/node_modules/")) appendFileSync(file, `${url}\n`);
      return next(url, context);
    },
  });
  const { Worker } = workerThreads;
  workerThreads.Worker = class extends Worker {
    constructor(...args: ConstructorParameters<typeof Worker>) {
      appendFileSync(file, `worker ${String(args[0])}\n`);
      super(...args);
    }
  };
  module.syncBuiltinESMExports(); // `import { Worker } from "node:worker_threads"` sees this one
}
