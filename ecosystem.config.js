/**
 * PM2: N AniSync processes on consecutive ports (PORT, PORT+1, …) sharing one PostgreSQL and
 * one Redis. Put a load balancer in front of the ports, or let clients use any of them:
 * matchmaking sends each client to the process that hosts its room (PUBLIC_HOST:PORT).
 *
 *   DATABASE_URL=postgres://… REDIS_URL=redis://… npx pm2 start ecosystem.config.js
 *   npx pm2 reload anisync      # one process at a time; rooms sleep and wake on another
 *
 * ANISYNC_INSTANCES (default 2), PORT (default 2567) and PUBLIC_HOST (default 127.0.0.1) are
 * read from the environment; every other setting passes through (docs/configuration.md).
 */
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const instances = Number(process.env.ANISYNC_INSTANCES ?? 2);

/** a named export: PM2 require()s this ES module and reads `apps` */
export const apps = [
  {
    name: "anisync",
    script: "src/index.ts",
    // the same flags as `npm start` (src/ops/node-flags.ts says why)
    node_args: ["--max-semi-space-size=16", "--no-allocation-site-pretenuring"],
    cwd: here,
    interpreter: path.join(here, "node_modules/.bin/node"),
    exec_mode: "fork",
    instances,
    increment_var: "PORT",
    kill_timeout: 12_000,
    env: {
      PORT: Number(process.env.PORT ?? 2567),
      PUBLIC_HOST: process.env.PUBLIC_HOST ?? "127.0.0.1",
      NODE_ENV: "production",
    },
  },
];
