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
 *
 * --no-allocation-site-pretenuring: V8 watches which allocation sites' objects survive a young
 * collection and from then on allocates that site's objects straight in the old generation. On
 * the WebSocket receive path (ws's receiver, Colyseus's message decoding) a few objects per
 * socket live until that socket's next message, 3 s later, so V8 pretenured those sites, and
 * every later message's objects there, nearly all short-lived, went to the old generation as
 * garbage: ~400 bytes per status report, 2.7 MB/s at 18,000 members, and a mark-compact every
 * ~30 s. Without pretenuring they die young: the old generation grew 10x slower (0.8 → 0.08
 * MB/s at 6,000 members, --trace-gc on loadtest:capacity) and young collections got shorter.
 */
export const NODE_FLAGS: readonly string[] = ["--max-semi-space-size=64", "--no-allocation-site-pretenuring"];
