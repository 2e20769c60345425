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
import { performance } from "node:perf_hooks";
import { Client } from "@colyseus/sdk";
import { startServerProcess, type ServerProcess } from "../test/helpers/process.ts";
import { LOADTEST_LIMITS } from "./limits.ts";
import { percentile } from "../test/helpers/stats.ts";
import { joinLean } from "./lean-client.ts";

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

// a member's welcome can arrive before its handler is attached; nothing here reads it
const warn = console.warn;
console.warn = (...xs: unknown[]) => {
  if (!String(xs[0]).includes("onMessage() not registered")) warn(...xs);
};

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
    const run = `${process.pid}-${Date.now().toString(36)}`;
    const host = await new Client(url).create("watch_party", {
      title: "load",
      anime_id: `load-${run}`,
      anime_title: "Load",
      episode_number: 1,
      video_url: "https://videos.example/load.webm",
      host_user_id: `host-${run}`,
      host_username: "Host",
    });

    host.onMessage("*", () => {});
    const joinStart = performance.now();
    // every member reports the first time it sees the current round's seek
    let round: { seq: number; sentAt: number; seen: Map<number, number>; done: () => void } | undefined;
    const report = (member: number, seq: number | undefined, at: number) => {
      if (!round || round.seen.has(member) || at < round.sentAt) return;
      if (seq !== undefined && seq !== round.seq) return;
      round.seen.set(member, at - round.sentAt);
      if (round.seen.size === MEMBERS - 1) round.done();
    };
    const closers: Array<() => unknown> = [];
    const BATCH = 50;
    for (let i = 1; i < MEMBERS; i += BATCH) {
      const ids = Array.from({ length: Math.min(BATCH, MEMBERS - i) }, (_, j) => i + j);
      if (LEAN) {
        const lean = await Promise.all(
          ids.map((n) => joinLean(url!, host.roomId, { user_id: `m${n}-${run}`, username: `M${n}` })),
        );
        lean.forEach((m, k) => {
          m.onPatch = (at) => report(ids[k]!, undefined, at);
          closers.push(() => m.close());
        });
      } else {
        const rooms = await Promise.all(
          ids.map((n) =>
            new Client(url).joinById(host.roomId, { user_id: `m${n}-${run}`, username: `M${n}` }),
          ),
        );
        rooms.forEach((room, k) => {
          room.onStateChange((state: any) => report(ids[k]!, state.playback.seq, performance.now()));
          closers.push(() => room.leave());
        });
      }
    }
    await waitFor(() => host.state.members?.size === MEMBERS, 60_000);
    const joinMs = performance.now() - joinStart;
    await new Promise((r) => setTimeout(r, 500)); // let the join patches drain

    const lastMemberMs: number[] = [];
    const anyMemberMs: number[] = [];
    for (let s = 0; s < SEEKS; s++) {
      const seq = host.state.playback.seq + 1;
      const finished = new Promise<void>((done) => {
        round = { seq, sentAt: performance.now(), seen: new Map(), done };
      });
      host.send("control", { action: "seek", current_time: 10 + s * 7.5 });
      await withTimeout(finished, 10_000);
      const times = [...round!.seen.values()];
      lastMemberMs.push(Math.max(...times));
      anyMemberMs.push(...times);
      round = undefined;
      await new Promise((r) => setTimeout(r, GAP_MS));
    }

    const fmt = (xs: number[]) =>
      `p50 ${percentile(xs, 50).toFixed(2)} ms · p95 ${percentile(xs, 95).toFixed(2)} ms · p99 ${percentile(xs, 99).toFixed(2)} ms · max ${Math.max(...xs).toFixed(2)} ms`;
    console.log(
      `members: ${MEMBERS} (${LEAN ? "lean clients: patch arrival" : "@colyseus/sdk clients: decoded state change"}), seeks: ${SEEKS}`,
    );
    console.log(`join of ${MEMBERS} members: ${(joinMs / 1000).toFixed(2)} s`);
    console.log(`host send → last member's state change: ${fmt(lastMemberMs)}`);
    console.log(`host send → each member's state change: ${fmt(anyMemberMs)}`);
    if (pid) console.log(`server RSS: ${rssIdle} MB idle → ${rssMb(pid)} MB with ${MEMBERS} members`);

    await Promise.all(
      [host.leave(), ...closers.map(async (c) => c())].map((p) => Promise.resolve(p).catch(() => undefined)),
    );
  } finally {
    await proc?.stop();
  }
}

/** Polls gently (every 20 ms): a busy loop here would steal the event loop from the clients. */
async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error("timed out")), ms)),
  ]);
}

await main();
process.exit(0);
