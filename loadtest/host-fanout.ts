/**
 * Host action fan-out: joins N members (default 200) to one room with real @colyseus/sdk
 * clients, has the host seek S times (default 50), and prints the time from the host's send
 * to the LAST member's state change (p50/p95/p99), plus the server's RSS.
 *
 *   npm run loadtest:fanout -- --members 200 --seeks 50
 *   npm run loadtest:fanout -- --members 1000 --url http://127.0.0.1:2567 --pid <server pid>
 *
 * Without --url it starts its own server process (embedded PGlite in a temp dir, or
 * DATABASE_URL if set) and stops it at the end. Clients and host live in this process, so
 * send and receive times share one clock; at large N the figure includes the clients' own
 * decoding, which makes it an upper bound for the server.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startServerProcess, type ServerProcess } from "../test/helpers/process.ts";
import { LOADTEST_LIMITS } from "./limits.ts";
import { percentile } from "../test/helpers/stats.ts";
import { measureFanout } from "./fanout-measure.ts";

const { values: args } = parseArgs({
  options: {
    members: { type: "string", default: "200" },
    seeks: { type: "string", default: "50" },
    url: { type: "string" },
    pid: { type: "string" },
    gap: { type: "string", default: "50" },
    lean: { type: "boolean", default: false },
  },
});
const MEMBERS = Number(args.members);
const SEEKS = Number(args.seeks);
const GAP_MS = Number(args.gap);
const LEAN = args.lean;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

async function main(): Promise<void> {
  let proc: ServerProcess | undefined;
  let url = args.url;
  let pid = args.pid ? Number(args.pid) : undefined;
  if (!url) {
    proc = await startServerProcess({
      DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-load-")),
      LOG_LEVEL: "warn",
      AUTH_MODE: "open",
      MAX_MEMBERS_PER_ROOM: String(Math.max(2000, MEMBERS + 10)),
      ...LOADTEST_LIMITS,
    });
    url = proc.baseUrl;
    pid = proc.child.pid;
  }
  try {
    const rssIdle = pid ? rssMb(pid) : undefined;
    const { joinMs, lastMemberMs, anyMemberMs } = await measureFanout(url, {
      members: MEMBERS,
      seeks: SEEKS,
      gapMs: GAP_MS,
      lean: LEAN,
    });
    const fmt = (xs: number[]) =>
      `p50 ${percentile(xs, 50).toFixed(2)} ms · p95 ${percentile(xs, 95).toFixed(2)} ms · p99 ${percentile(xs, 99).toFixed(2)} ms · max ${Math.max(...xs).toFixed(2)} ms`;
    console.log(
      `members: ${MEMBERS} (${LEAN ? "lean clients: patch arrival" : "@colyseus/sdk clients: decoded state change"}), seeks: ${SEEKS}`,
    );
    console.log(`join of ${MEMBERS} members: ${(joinMs / 1000).toFixed(2)} s`);
    console.log(`host send → last member's state change: ${fmt(lastMemberMs)}`);
    console.log(`host send → each member's state change: ${fmt(anyMemberMs)}`);
    if (pid) console.log(`server RSS: ${rssIdle} MB idle → ${rssMb(pid)} MB with ${MEMBERS} members`);
  } finally {
    await proc?.stop();
  }
}

await main();
process.exit(0);
