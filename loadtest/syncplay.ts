/**
 * Syncplay members' latency: host action → each member's mpv, for seek, pause and play
 * (p50/p95/max over --actions of each), and the playing error, on AniSync's gateway and on the
 * stock `syncplay-server` in the same run, with the same clients (Debian's syncplay 1.6.9 driving
 * headless mpv; two members). The moment a member's player acts is mpv's own event (`seek`, or the
 * `pause` property changing), read over its JSON IPC socket.
 *
 * - AniSync: the host is an SDK client (`control`); the playing error is |mpv − the room's expected
 *   position| (same machine, same clock).
 * - Stock: the host is a third Syncplay client whose mpv the benchmark drives over IPC (that is how
 *   a Syncplay host acts: its client notices the player within its 0.1 s poll); the playing error
 *   is |member mpv − host mpv|.
 *
 *   npm run bench:syncplay -- --actions 30
 */
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { Room } from "@colyseus/sdk";
import { expectedPosition } from "../client/correction.ts";
import { freePort } from "../test/helpers/process.ts";
import { createOptions, joined, sdk, server, stopServer } from "../test/helpers/server.ts";
import { percentile } from "../test/helpers/stats.ts";
import {
  startSyncplay,
  syncplayAvailable,
  testVideo,
  SYNCPLAY_PACKAGES,
  type SyncplayClient,
} from "../test/helpers/syncplay.ts";

const { values: args } = parseArgs({
  options: { actions: { type: "string", default: "30" }, samples: { type: "string", default: "40" } },
});
const ACTIONS = Number(args.actions);
const SAMPLES = Number(args.samples);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Figures {
  seek: number[];
  pause: number[];
  play: number[];
  playingError: number[];
}

/** Resolves with ms from `t0` to the first event of `kind` on each member's mpv (undefined after 5 s). */
function arrival(members: SyncplayClient[], kind: "seek" | "pause" | "play", t0: () => number) {
  return Promise.all(
    members.map(
      (m) =>
        new Promise<number | undefined>((resolve) => {
          const timer = setTimeout(() => (off(), resolve(undefined)), 5000);
          const off = m.mpv.onEvent((e) => {
            const hit =
              kind === "seek"
                ? e.event === "seek"
                : e.event === "property-change" && e.name === "pause" && e.data === (kind === "pause");
            if (!hit) return;
            clearTimeout(timer);
            off();
            resolve(performance.now() - t0());
          });
        }),
    ),
  );
}

async function run(
  members: SyncplayClient[],
  act: (kind: "seek" | "pause" | "play", at: number) => Promise<void>,
  error: () => Promise<number[]>,
): Promise<Figures> {
  const f: Figures = { seek: [], pause: [], play: [], playingError: [] };
  for (const m of members) await m.mpv.command("observe_property", 1, "pause");
  let lost = 0;
  const once = async (kind: "seek" | "pause" | "play", at: number) => {
    let t0 = 0;
    const arrived = arrival(members, kind, () => t0);
    t0 = performance.now();
    await act(kind, at);
    for (const ms of await arrived) {
      if (ms === undefined) lost += 1;
      else f[kind].push(ms);
    }
    await sleep(1200); // Syncplay ignores small changes for about a second after one
  };
  for (let i = 0; i < ACTIONS; i++) {
    const at = 20 + ((i * 37) % 200);
    await once("seek", at);
    await once("play", at);
    await once("pause", at + 1.5);
  }
  await once("play", 100);
  await sleep(3000);
  for (let i = 0; i < SAMPLES; i++) {
    f.playingError.push(...(await error()));
    await sleep(250);
  }
  if (lost) console.log(`  (${lost} member reactions did not arrive within 5 s)`);
  return f;
}

async function anisync(): Promise<Figures> {
  process.env.LOG_LEVEL = "warn";
  const h = await server();
  const { room } = await joined(sdk(h).create("watch_party", createOptions()));
  const host = room as Room<any>;
  const members = await Promise.all(
    ["A", "B"].map((name) =>
      startSyncplay({ port: h.app.syncplayPort!, name, room: host.roomId, file: VIDEO }),
    ),
  );
  try {
    while (host.state.members.size < 3) await sleep(100);
    await sleep(2000);
    return await run(
      members,
      async (kind, at) => {
        // a host pauses and plays where its player is: the room's expected position
        const here = kind === "seek" ? at : expectedPosition(host.state.playback, Date.now());
        host.send("control", { action: kind, current_time: here });
      },
      async () => {
        const out: number[] = [];
        for (const m of members) {
          const p = await m.mpv.position();
          if (p !== undefined)
            out.push(Math.abs(p - expectedPosition(host.state.playback, Date.now())) * 1000);
        }
        return out;
      },
    );
  } finally {
    await Promise.all(members.map((m) => m.stop()));
    await host.leave().catch(() => {});
    await stopServer();
  }
}

async function stock(): Promise<Figures> {
  const port = await freePort();
  const srv = spawn("syncplay-server", ["--port", String(port), "--isolate-rooms"], { stdio: "ignore" });
  try {
    await sleep(1500);
    const [host, ...members] = await Promise.all(
      ["Host", "A", "B"].map((name) => startSyncplay({ port, name, room: "bench", file: VIDEO })),
    );
    const all = [host!, ...members];
    try {
      await sleep(2000);
      for (const c of all) c.type("t"); // ready, so the host's unpause is not held for readiness
      await sleep(2000);
      return await run(
        members,
        async (kind, at) => {
          if (kind === "seek") await host!.mpv.command("set_property", "time-pos", at);
          else await host!.mpv.command("set_property", "pause", kind === "pause");
        },
        async () => {
          const [h, ...ps] = await Promise.all(all.map((c) => c.mpv.position()));
          return ps.filter((p) => p !== undefined && h !== undefined).map((p) => (p! - h!) * 1000);
        },
      );
    } finally {
      await Promise.all(all.map((c) => c.stop()));
    }
  } finally {
    srv.kill("SIGKILL");
  }
}

function row(name: string, v: number[]): string {
  const f = (x: number) => (Number.isNaN(x) ? "–" : x.toFixed(0).padStart(5));
  return `  ${name.padEnd(22)} n=${String(v.length).padStart(3)}  p50 ${f(percentile(v, 50))}  p95 ${f(percentile(v, 95))}  max ${f(Math.max(...v))} ms`;
}

function print(title: string, f: Figures): void {
  console.log(title);
  console.log(row("seek → mpv", f.seek));
  console.log(row("pause → mpv", f.pause));
  console.log(row("play → mpv", f.play));
  const abs = f.playingError.map(Math.abs);
  const mean = f.playingError.reduce((a, b) => a + b, 0) / Math.max(1, f.playingError.length);
  console.log(`${row("playing error |Δ|", abs)}  (mean signed ${mean.toFixed(0)} ms: + = ahead)`);
}

if (!syncplayAvailable()) {
  console.log(`bench:syncplay needs the Debian packages ${SYNCPLAY_PACKAGES} (and syncplay-server)`);
  process.exit(1);
}
const VIDEO = testVideo(300, 50); // 20 ms frames: mpv's time-pos moves by frames
console.log(
  `host action → member mpv (2 Syncplay+mpv members, ${ACTIONS} of each action), playing error over ${SAMPLES} samples`,
);
print("AniSync gateway (host on the SDK):", await anisync());
print("stock syncplay-server 1.6.9 (host = a third Syncplay client, driven through its mpv):", await stock());
process.exit(0);
