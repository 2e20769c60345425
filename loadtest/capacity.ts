/**
 * How many members one process holds while every member sends `status` every 3 s and the
 * event loop's delay p99 stays under 25 ms; and the RSS per member.
 *
 *   npm run loadtest:capacity -- --step 2000 --max 19000 --room-size 50
 *
 * Members are lean clients (loadtest/lean-client.ts) spread over child processes, in rooms of
 * --room-size. After each step of members has joined, the script waits --settle seconds (at
 * least three report rounds), then reads the server's event-loop delay p99 from /metrics
 * (prom-client resets it on every scrape, so each figure covers one step) and its RSS.
 * Without --url it starts its own server (PGlite, or DATABASE_URL if set).
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { startServerProcess } from "../test/helpers/process.ts";

const { values: args } = parseArgs({
  options: {
    step: { type: "string", default: "2000" },
    max: { type: "string", default: "19000" },
    "room-size": { type: "string", default: "50" },
    settle: { type: "string", default: "10" },
    "per-worker": { type: "string", default: "9500" },
    "eld-limit-ms": { type: "string", default: "25" },
  },
});
const STEP = Number(args.step);
const MAX = Number(args.max);
const ROOM_SIZE = Number(args["room-size"]);
const SETTLE_S = Number(args.settle);
const PER_WORKER = Number(args["per-worker"]);
const ELD_LIMIT_MS = Number(args["eld-limit-ms"]);

const rssKb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);

interface Worker {
  child: ChildProcess;
  members: number;
  ask(msg: object): Promise<{ ok: boolean; error?: string }>;
}

function startWorker(): Promise<Worker> {
  const child = fork(path.join(import.meta.dirname, "capacity-worker.ts"), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let pending: ((v: any) => void) | undefined;
  child.on("message", (m: any) => {
    const p = pending;
    pending = undefined;
    p?.(m);
  });
  const worker: Worker = {
    child,
    members: 0,
    ask: (msg) =>
      new Promise((resolve) => {
        pending = resolve;
        child.send(msg);
      }),
  };
  return new Promise((resolve) => {
    pending = () => resolve(worker);
  });
}

async function main(): Promise<void> {
  const srv = await startServerProcess({
    DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-cap-")),
    LOG_LEVEL: "warn",
    AUTH_MODE: "open",
    RATE_ROOM_CREATE_PER_HOUR: "1000000",
  });
  const pid = srv.child.pid!;
  const workers: Worker[] = [];
  const scrape = async () => {
    const text = await (await fetch(`${srv.baseUrl}/metrics`)).text();
    const v = (name: string) => Number(new RegExp(`^${name} (\\S+)`, "m").exec(text)?.[1] ?? 0);
    return {
      eldP99Ms: v("nodejs_eventloop_lag_p99_seconds") * 1000,
      members: v("anisync_members"),
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
    console.log("members | rooms | join s | status/s | ELD p99 ms | RSS MB | RSS per member");

    let total = 0;
    let rooms = 0;
    let best: { members: number; perMemberKb: number } | undefined;
    let lastStatus = idle.statusIn;
    let lastAt = performance.now();
    while (total < MAX) {
      const target = Math.min(MAX, total + STEP);
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
      await scrape(); // reset the delay histogram: the next figure covers steady reporting only
      await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
      const m = await scrape();
      const now = performance.now();
      const statusPerS = ((m.statusIn - lastStatus) * 1000) / (now - lastAt);
      lastStatus = m.statusIn;
      lastAt = now;
      const rss = rssKb(pid);
      const perMemberKb = (rss - rssIdleKb) / total;
      console.log(
        `${String(total).padStart(7)} | ${String(rooms).padStart(5)} | ${joinS.toFixed(1).padStart(6)} | ${statusPerS.toFixed(0).padStart(8)} | ${m.eldP99Ms.toFixed(1).padStart(10)} | ${(rss / 1024).toFixed(1).padStart(6)} | ${perMemberKb.toFixed(1)} KB`,
      );
      if (m.eldP99Ms >= ELD_LIMIT_MS) break;
      best = { members: total, perMemberKb };
    }
    if (best) {
      console.log(
        `held ${best.members} members with event-loop delay p99 < ${ELD_LIMIT_MS} ms; ${best.perMemberKb.toFixed(1)} KB RSS per member`,
      );
    } else {
      console.log(`the first step already exceeded ${ELD_LIMIT_MS} ms`);
    }
  } finally {
    for (const w of workers) w.child.kill();
    await srv.stop();
  }
}

await main();
process.exit(0);
