/**
 * A premiere: one room of --members (default 10,000) lean members in worker processes, each
 * sending `status` every 3 s, --chat-per-s comments a second in the room (default 20). Prints:
 * the time for all to join; host seek → member latency over --seeks seeks (default 60), as the
 * last member of each seek (p50/p99/max over the seeks) and over every member and seek; the
 * server's CPU (% of one core), RSS per member, and frames and bytes per member per second during
 * the seeks. docs/performance.md has figures and goals.
 *
 *   npm run loadtest:premiere
 *   npm run loadtest:premiere -- --members 2000 --seeks 30
 *   DATABASE_URL=postgres://… npm run loadtest:premiere
 *   npm run loadtest:premiere -- --cpu-prof /tmp/prof   # the server's CPU profile, on exit
 *
 * A seek's arrival is the first patch frame that holds the seek's position (float64 bytes):
 * members do not decode the state. Times are epoch ms from performance.timeOrigin + now in each
 * process (one machine, one clock).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { startServerProcess } from "../test/helpers/process.ts";
import { connectLean, encodeMessage } from "./lean-client.ts";
import { LOADTEST_LIMITS } from "./limits.ts";
import { cpuS, rssKb, startWorker, sum, type ProcWorker } from "./proc-workers.ts";

const { values: args } = parseArgs({
  options: {
    members: { type: "string", default: "10000" },
    seeks: { type: "string", default: "60" },
    "seek-gap-ms": { type: "string", default: "500" },
    "chat-per-s": { type: "string", default: "20" },
    "per-worker": { type: "string", default: "5000" },
    batch: { type: "string", default: "500" },
    settle: { type: "string", default: "5" },
    "cpu-prof": { type: "string" },
  },
});
const MEMBERS = Number(args.members);
const SEEKS = Number(args.seeks);
const GAP_MS = Number(args["seek-gap-ms"]);
const PER_WORKER = Number(args["per-worker"]);
const BATCH = Number(args.batch);
const epochMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pct(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]! : NaN;
}

async function main(): Promise<void> {
  const srv = await startServerProcess(
    {
      DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-prem-")),
      LOG_LEVEL: "warn",
      AUTH_MODE: "open",
      REDIS_URL: "",
      MAX_MEMBERS_PER_ROOM: String(MEMBERS + 100),
      MAX_PENDING_SEATS_PER_ROOM: "100000",
      ...LOADTEST_LIMITS,
    },
    { nodeArgs: args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`] : [] },
  );
  const pid = srv.child.pid!;
  const workers: ProcWorker[] = [];
  try {
    await sleep(1000);
    const rssIdleKb = rssKb(pid);
    const created = (await fetch(`${srv.baseUrl}/api/rooms`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        title: "Premiere",
        anime_id: "premiere",
        anime_title: "Premiere",
        episode_number: 1,
        video_url: "https://videos.example/p.webm",
        host_user_id: "premiere-host",
        host_username: "Host",
      }),
    }).then((r) => r.json())) as any;
    const roomId: string = created.data.room.room_id;
    const host = await connectLean(srv.baseUrl, created.data.reservation);

    const t0 = performance.now();
    for (let joined = 0; joined < MEMBERS;) {
      let w = workers.find((x) => x.members < PER_WORKER);
      if (!w) workers.push((w = await startWorker(path.join(import.meta.dirname, "premiere-worker.ts"))));
      const count = Math.min(BATCH, MEMBERS - joined, PER_WORKER - w.members);
      const res = await w.ask({
        cmd: "join",
        baseUrl: srv.baseUrl,
        roomId,
        count,
        prefix: `pm-${workers.indexOf(w)}-${w.members}`,
      });
      if (!res.ok) throw new Error(res.error);
      w.members += count;
      joined += count;
    }
    const joinS = (performance.now() - t0) / 1000;
    console.log(`${MEMBERS} members joined one room in ${joinS.toFixed(1)} s`);

    const perS = Number(args["chat-per-s"]);
    await Promise.all(workers.map((w) => w.ask({ cmd: "chat", perS: perS / workers.length })));
    await sleep(Number(args.settle) * 1000);

    const traffic = async () => {
      const all = await Promise.all(workers.map((w) => w.ask<any>({ cmd: "traffic" })));
      return { frames: sum(all.map((t) => t.frames)), bytes: sum(all.map((t) => t.bytes)) };
    };
    const cpu0 = cpuS(pid);
    const tr0 = await traffic();
    const h0 = performance.now();
    const lasts: number[] = [];
    const every: number[] = [];
    let lost = 0;
    for (let k = 0; k < SEEKS; k++) {
      const position = 100 + k + 0.5 + Math.random() / 4; // a float64 whose bytes occur once
      const bytes = Buffer.alloc(8);
      bytes.writeDoubleLE(position);
      await Promise.all(workers.map((w) => w.ask({ cmd: "watch", pattern: bytes.toString("hex") })));
      const sentAt = epochMs();
      host.send(encodeMessage("control", { action: "seek", current_time: position }));
      await sleep(GAP_MS);
      const got = (await Promise.all(workers.map((w) => w.ask<any>({ cmd: "arrivals" })))).flatMap(
        (a) => a.arrivals as number[],
      );
      lost += MEMBERS - got.length;
      if (got.length === 0) continue;
      const ms = got.map((t) => t - sentAt);
      lasts.push(Math.max(...ms));
      every.push(...ms);
    }
    const heldS = (performance.now() - h0) / 1000;
    const cpuPct = ((cpuS(pid) - cpu0) / heldS) * 100;
    const tr1 = await traffic();
    const rss = rssKb(pid);
    lasts.sort((a, b) => a - b);
    every.sort((a, b) => a - b);
    const f = (x: number) => x.toFixed(1);
    console.log(
      `host seek → last member over ${lasts.length} seeks: p50 ${f(pct(lasts, 0.5))} / p99 ${f(pct(lasts, 0.99))} / max ${f(lasts[lasts.length - 1]!)} ms${lost ? ` (${lost} arrivals missing within ${GAP_MS} ms)` : ""}`,
    );
    console.log(
      `host seek → each member (${every.length} arrivals): p50 ${f(pct(every, 0.5))} / p99 ${f(pct(every, 0.99))} ms`,
    );
    console.log(
      `server over ${heldS.toFixed(0)} s of seeks, statuses and ${perS} comments/s: CPU ${cpuPct.toFixed(0)} % of one core, RSS ${f(rss / 1024)} MB (${f((rss - rssIdleKb) / MEMBERS)} KB per member)`,
    );
    console.log(
      `per member per second: ${((tr1.frames - tr0.frames) / MEMBERS / heldS).toFixed(2)} frames, ${((tr1.bytes - tr0.bytes) / MEMBERS / heldS).toFixed(1)} bytes`,
    );
  } finally {
    for (const w of workers) w.child.kill();
    await srv.stop();
  }
}

await main();
process.exit(0);
