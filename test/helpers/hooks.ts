/** Mocha root hooks: stop the shared server after the last test. */
import { stopServer } from "./server.ts";

export const mochaHooks = {
  async afterAll() {
    await stopServer();
  },
};
