/**
 * Flags for Node itself, which `npm start` (package.json), PM2 (ecosystem.config.js) and the
 * test and benchmark helpers (test/helpers/process.ts) all pass; test/unit/node-flags.test.ts
 * keeps the three in step. They cannot be set from inside the process: V8 sizes its heap at start.
 *
 * --max-semi-space-size=64 (MB; Node 24's default tops out at 16 for this heap): the young
 * generation holds a status report's short-lived objects until they die instead of promoting
 * them, so the old generation grows slower and its mark-compact pauses come less often. At
 * 18,000 members (6,000 reports/s) it took the event-loop delay max from 106–137 ms to 87 ms and
 * the probe's p99 from 34–38 ms to 16 ms (loadtest:capacity, docs/performance.md). It costs
 * memory only under allocation pressure (+17 MB RSS at 18,000 members; idle RSS unchanged).
 */
export const NODE_FLAGS: readonly string[] = ["--max-semi-space-size=64"];
