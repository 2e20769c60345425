/**
 * How flat latency stays as one process fills up: members in rooms of --room-size, each
 * sending `status` every 3 s, joined in steps (default 6,000, 12,000, 18,000). Per step:
 *
 *   npm run loadtest:capacity                                  # PGlite, steps 6k/12k/18k
 *   DATABASE_URL=postgres://… npm run loadtest:capacity -- --steps 6000,12000,18000 --hold 40
 *   npm run loadtest:capacity -- --step 2000 --max 19000       # the older "how many" sweep
 *
 * After a step's joins and --settle seconds, a seek probe (loadtest/seek-probe.ts: an SDK host
 * seeking every --probe-ms in its own room of two) runs for --hold seconds; then the script
 * reads, from the server's /metrics, its event-loop delay p50/p99/max over exactly that hold
 * (prom-client resets the histogram on every scrape), its main-thread GC pauses over the hold (count
 * and total from nodejs_gc_duration_seconds, the longest from anisync_gc_pause_max_seconds), and
 * from /proc its RSS and CPU time. The
 * lean members count every frame and byte they receive.
 * Members are lean clients (loadtest/lean-client.ts) spread over child processes.
 * Without --url it starts its own server (PGlite, or DATABASE_URL if set); --cpu-prof DIR
 * starts it with Node's --cpu-prof (read the profile with loadtest/long-tasks.ts); --node-args
 * "--trace-gc …" passes more Node flags, and --server-log FILE keeps the server's output there.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { startServerProcess } from "../test/helpers/process.ts";
import { LOADTEST_LIMITS } from "./limits.ts";
import { startSeekProbe } from "./seek-probe.ts";
import { cpuS, rssKb, startWorker as fork, sum, type ProcWorker } from "./proc-workers.ts";

const startWorker = () => fork(path.join(import.meta.dirname, "capacity-worker.ts"));

const { values: args } = parseArgs({
  options: {
    steps: { type: "string", default: "6000,12000,18000" },
    step: { type: "string" },
    max: { type: "string", default: "19000" },
    "room-size": { type: "string", default: "50" },
    settle: { type: "string", default: "10" },
    hold: { type: "string", default: "40" },
    "probe-ms": { type: "string", default: "250" },
    "per-worker": { type: "string", default: "9500" },
    "cpu-prof": { type: "string" },
    "node-args": { type: "string", default: "" },
    "server-log": { type: "string" },
  },
});
const STEPS = args.step
  ? Array.from({ length: Math.ceil(Number(args.max) / Number(args.step)) }, (_, i) =>
      Math.min(Number(args.max), (i + 1) * Number(args.step)),
    )
  : args.steps.split(",").map(Number);
const ROOM_SIZE = Number(args["room-size"]);
const SETTLE_S = Number(args.settle);
const HOLD_S = Number(args.hold);
const PROBE_MS = Number(args["probe-ms"]);
const PER_WORKER = Number(args["per-worker"]);

async function main(): Promise<void> {
  const srv = await startServerProcess(
    {
      DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-cap-")),
      LOG_LEVEL: "warn",
      AUTH_MODE: "open",
      ...LOADTEST_LIMITS,
    },
    {
      nodeArgs: [
        ...(args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`] : []),
        ...args["node-args"].split(" ").filter(Boolean),
      ],
    },
  );
  const pid = srv.child.pid!;
  const workers: ProcWorker[] = [];
  const scrape = async () => {
    const text = await (await fetch(`${srv.baseUrl}/metrics`)).text();
    const v = (name: string) => Number(new RegExp(`^${name} (\\S+)`, "m").exec(text)?.[1] ?? 0);
    return {
      eldP50Ms: v("nodejs_eventloop_lag_p50_seconds") * 1000,
      eldP99Ms: v("nodejs_eventloop_lag_p99_seconds") * 1000,
      eldMaxMs: v("nodejs_eventloop_lag_max_seconds") * 1000,
      members: v("anisync_members"),
      gcCount: sumOf(text, "nodejs_gc_duration_seconds_count"),
      gcTotalMs: sumOf(text, "nodejs_gc_duration_seconds_sum") * 1000,
      gcMaxMs: v("anisync_gc_pause_max_seconds") * 1000,
      statusIn: v('anisync_messages_in_total\\{type="status"\\}'),
    };
  };
  try {
    await scrape();
    await new Promise((r) => setTimeout(r, 2000));
    const idle = await scrape();
    const rssIdleKb = rssKb(pid);
    console.log(
      `idle: RSS ${(rssIdleKb / 1024).toFixed(1)} MB, event-loop delay p99 ${idle.eldP99Ms.toFixed(1)} ms`,
    );
    console.log(
      "members | rooms | join s | status/s | ELD p50/p99/max ms | GC n/total/max ms | seeks | probe p50/p95/p99/max ms | CPU % | RSS MB | KB/member | frames, bytes /member/s",
    );
    const probe = await startSeekProbe(srv.baseUrl, String(process.pid));
    let total = 0;
    let rooms = 0;
    const traffic = async () => {
      const all = await Promise.all(workers.map((w) => w.ask<any>({ cmd: "traffic" })));
      return { frames: sum(all.map((t) => t.frames)), bytes: sum(all.map((t) => t.bytes)) };
    };
    for (const target of STEPS) {
      const t0 = performance.now();
      while (total < target) {
        let w = workers.find((x) => x.members + ROOM_SIZE <= PER_WORKER);
        if (!w) workers.push((w = await startWorker()));
        const size = Math.min(ROOM_SIZE, target - total);
        const created = await fetch(`${srv.baseUrl}/api/rooms`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            title: `capacity ${rooms}`,
            anime_id: "capacity",
            anime_title: "Capacity",
            episode_number: 1,
            video_url: "https://videos.example/c.webm",
            host_user_id: `cap-host-${rooms}`,
            host_username: "Host",
          }),
        }).then((r) => r.json() as Promise<any>);
        const roomId = created.data.room.room_id;
        const hosted = await w.ask({ cmd: "host", baseUrl: srv.baseUrl, seat: created.data.reservation });
        if (!hosted.ok) throw new Error(hosted.error);
        if (size > 1) {
          const res = await w.ask({
            cmd: "join",
            baseUrl: srv.baseUrl,
            roomId,
            count: size - 1,
            prefix: `cap-${rooms}`,
          });
          if (!res.ok) throw new Error(res.error);
        }
        w.members += size;
        total += size;
        rooms++;
      }
      const joinS = (performance.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
      const before = await scrape(); // resets the delay histogram: the figure covers the hold only
      const cpu0 = cpuS(pid);
      const tr0 = await traffic();
      const h0 = performance.now();
      const p = await probe.run(HOLD_S, PROBE_MS);
      const m = await scrape();
      const heldS = (performance.now() - h0) / 1000;
      const cpuPct = ((cpuS(pid) - cpu0) / heldS) * 100;
      const tr1 = await traffic();
      const statusPerS = (m.statusIn - before.statusIn) / heldS;
      const rss = rssKb(pid);
      const perMemberKb = (rss - rssIdleKb) / total;
      const f = (x: number) => x.toFixed(1);
      console.log(
        [
          String(total).padStart(7),
          String(rooms).padStart(5),
          f(joinS).padStart(6),
          statusPerS.toFixed(0).padStart(8),
          `${f(m.eldP50Ms)}/${f(m.eldP99Ms)}/${f(m.eldMaxMs)}`.padStart(18),
          `${m.gcCount - before.gcCount}/${f(m.gcTotalMs - before.gcTotalMs)}/${f(m.gcMaxMs)}`.padStart(17),
          `${p.seeks}${p.lost ? ` (${p.lost} lost)` : ""}`.padStart(5),
          `${f(p.p50)}/${f(p.p95)}/${f(p.p99)}/${f(p.max)}`.padStart(24),
          cpuPct.toFixed(0).padStart(5),
          f(rss / 1024).padStart(6),
          f(perMemberKb).padStart(9),
          `${((tr1.frames - tr0.frames) / total / heldS).toFixed(2)}, ${((tr1.bytes - tr0.bytes) / total / heldS).toFixed(1)}`,
        ].join(" | "),
      );
    }
    await probe.close();
  } finally {
    for (const w of workers) w.child.kill();
    await srv.stop();
    if (args["server-log"]) writeFileSync(args["server-log"], srv.output());
  }
}

/** A metric's samples over all its labels (e.g. GC kinds), from a /metrics text. */
const sumOf = (text: string, name: string) =>
  sum([...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, "gm"))].map((m) => Number(m[1])));

await main();
process.exit(0);
