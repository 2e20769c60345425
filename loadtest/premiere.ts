/**
 * A premiere: one room of --members (default 10,000) lean members in worker processes, each
 * sending `status` every 3 s, --chat-per-s comments a second in the room (default 20). Prints:
 * the time for all to join; the server's CPU (% of one core) over --steady seconds without
 * seeks; host seek → member latency over --seeks seeks (default 60, --seek-gap-ms apart, each
 * measured until every member has it, at most 5 s), as the last member of each seek (p50/p99/max
 * over the seeks) and over every member and seek; the server's CPU during the seeks, RSS per
 * member, and frames and bytes per member per second; then, after --rest seconds without chat or
 * seeks (statuses go on), RSS and JS heap per member at rest (the seeks' garbage grows V8's
 * young generation, which RSS includes). The floor under the seek figures on a given machine:
 * loadtest/socket-write-floor.ts. docs/performance.md has figures and goals.
 *
 *   npm run loadtest:premiere
 *   npm run loadtest:premiere -- --members 2000 --seeks 30
 *   DATABASE_URL=postgres://… npm run loadtest:premiere
 *   npm run loadtest:premiere -- --cpu-prof /tmp/prof   # the server's CPU profile, on exit
 *   npm run loadtest:premiere -- --heap-snapshot /tmp/heap   # the server's heap at rest
 *
 * A seek's arrival is the first patch frame that holds the seek's position (float64 bytes):
 * members do not decode the state. Times are epoch ms from performance.timeOrigin + now in each
 * process (one machine, one clock).
 */
import { mkdtempSync, readdirSync, statSync } from "node:fs";
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
    "seek-gap-ms": { type: "string", default: "1000" },
    steady: { type: "string", default: "15" },
    "chat-per-s": { type: "string", default: "20" },
    "per-worker": { type: "string", default: "5000" },
    batch: { type: "string", default: "500" },
    settle: { type: "string", default: "5" },
    rest: { type: "string", default: "15" },
    "cpu-prof": { type: "string" },
    "heap-snapshot": { type: "string" },
    /** more flags for the server's node, e.g. "--max-semi-space-size=16" (after npm start's own) */
    "node-args": { type: "string", default: "" },
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

/** The server's JS heap in use and its young generation's size (prom-client's heap-space gauges). */
async function heapMb(
  baseUrl: string,
): Promise<{ used: number; young: number; total: number; external: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const v = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0) / 1024 / 1024;
  return {
    used: v(/^nodejs_heap_size_used_bytes (\S+)/m),
    young: v(/^nodejs_heap_space_size_total_bytes\{space="new"\} (\S+)/m),
    total: v(/^nodejs_heap_size_total_bytes (\S+)/m),
    external: v(/^nodejs_external_memory_bytes (\S+)/m),
  };
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
    {
      nodeArgs: [
        ...(args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`] : []),
        ...(args["heap-snapshot"]
          ? ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${args["heap-snapshot"]}`]
          : []),
        ...args["node-args"].split(" ").filter(Boolean),
      ],
    },
  );
  const pid = srv.child.pid!;
  const workers: ProcWorker[] = [];
  try {
    await sleep(1000);
    const rssIdleKb = rssKb(pid);
    const heapIdle = await heapMb(srv.baseUrl);
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

    // the premiere as it mostly is: statuses and chat, no seeks
    const steady0 = { cpu: cpuS(pid), at: performance.now() };
    await sleep(Number(args.steady) * 1000);
    const steadyCpuPct = ((cpuS(pid) - steady0.cpu) / ((performance.now() - steady0.at) / 1000)) * 100;
    console.log(
      `server over ${args.steady} s of statuses and ${perS} comments/s (no seeks): CPU ${steadyCpuPct.toFixed(0)} % of one core`,
    );

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
      // until every member has it (at most 5 s), and at least the gap
      let got: number[] = [];
      const until = performance.now() + 5000;
      await sleep(100);
      for (;;) {
        got = (await Promise.all(workers.map((w) => w.ask<any>({ cmd: "arrivals" })))).flatMap(
          (a) => a.arrivals as number[],
        );
        if (got.length >= MEMBERS || performance.now() > until) break;
        await sleep(100);
      }
      await sleep(Math.max(0, sentAt + GAP_MS - epochMs()));
      lost += MEMBERS - got.length; // not there within 5 s
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
      `host seek → last member over ${lasts.length} seeks: p50 ${f(pct(lasts, 0.5))} / p99 ${f(pct(lasts, 0.99))} / max ${f(lasts[lasts.length - 1]!)} ms${lost ? ` (${lost} arrivals missing after 5 s)` : ""}`,
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

    // at rest: no chat, no seeks, statuses go on; the young generation the seeks grew shrinks
    const heapBusy = await heapMb(srv.baseUrl);
    await Promise.all(workers.map((w) => w.ask({ cmd: "chat", perS: 0 })));
    await sleep(Number(args.rest) * 1000);
    const rssRest = rssKb(pid);
    const heapRest = await heapMb(srv.baseUrl);
    console.log(
      `JS heap used / young generation: ${f(heapBusy.used)} / ${f(heapBusy.young)} MB during the seeks, ${f(heapRest.used)} / ${f(heapRest.young)} MB after ${args.rest} s at rest (statuses only)`,
    );
    console.log(
      `at rest: RSS ${f(rssRest / 1024)} MB (${f((rssRest - rssIdleKb) / MEMBERS)} KB per member above idle; JS heap ${f((heapRest.used * 1024 - heapIdle.used * 1024) / MEMBERS)} KB per member); heap reserved ${f(heapRest.total)} MB (idle ${f(heapIdle.total)}), external ${f(heapRest.external)} MB (idle ${f(heapIdle.external)})`,
    );
    if (args["heap-snapshot"]) {
      const before = new Set(readdirSync(args["heap-snapshot"]));
      process.kill(pid, "SIGUSR2");
      // written while the server is paused; done when its size stops growing
      let size = -1;
      for (let still = 0, i = 0; still < 3 && i < 600; i++) {
        await sleep(1000);
        const made = readdirSync(args["heap-snapshot"]).filter((x) => !before.has(x));
        const now = made.length ? statSync(path.join(args["heap-snapshot"], made[0]!)).size : -1;
        still = now > 0 && now === size ? still + 1 : 0;
        size = now;
      }
      console.log(`heap snapshot: ${(size / 1024 / 1024).toFixed(0)} MB in ${args["heap-snapshot"]}`);
    }
  } finally {
    for (const w of workers) w.child.kill();
    await srv.stop();
  }
}

await main();
process.exit(0);
