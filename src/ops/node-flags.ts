/**
 * Flags for Node itself, which `npm start` (package.json), PM2 (ecosystem.config.js) and the
 * test and benchmark helpers (test/helpers/process.ts) all pass; test/unit/node-flags.test.ts
 * keeps the three in step. They cannot be set from inside the process: V8 sizes its heap at start.
 *
 * --max-semi-space-size=16 (MB; the young generation is about twice it), stated (Node 24's own
 * default for this heap, so it does not move with a Node upgrade). It was 64 while status
 * reports' garbage was promoted to the old generation (issue 13); with pretenuring off (below)
 * and PGlite on its own thread that no longer happens, and 64 only cost memory: a room fanning
 * out seeks to 10,000 members grew the young generation to 128 MB (12.8 KB per member). Measured
 * on the reference box (docs/performance.md, "A premiere"): 18,000 members in 360 rooms, probe
 * p99 12.4 / max 12.6 ms at 16 against 12.3 / 20.0 ms at 64 (one run each; five more at 16 varied,
 * 13–59 ms), 17.1 against 27.1 KB per member;
 * the premiere room of 10,000, 24.9 against 39.6–44.9 KB per member, seek fan-out no slower.
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
export const NODE_FLAGS: readonly string[] = ["--max-semi-space-size=16", "--no-allocation-site-pretenuring"];
