/**
 * Members' pictures against the host's (issue 24): a host and two members in headless Chromium
 * (Debian's, test/helpers/browser.ts), each playing public/media/test.webm through the client SDK's
 * `attach()`, the server started as `npm start` runs it (PGlite in a temporary DATA_DIR, AUTH_MODE
 * open). One member is direct; the other's device clock is --skew ms off (`Date.now` and
 * `performance.timeOrigin` shifted) and every WebSocket message it sends waits --up ms and every
 * message it receives --down ms, each ± --jitter ms (uniform), in order per direction as on a TCP
 * path. The host plays from 0, seeks, plays on, pauses, plays, pauses (~50 s).
 *
 * Every 50 ms each page records its video's `currentTime` with the real clock (the page's
 * unshifted `performance.timeOrigin + performance.now()`, put on this process's clock by a
 * min-round-trip calibration); a member's error is its `currentTime` minus the host's at the same
 * real instant (the host's samples interpolated). Printed per run and over the runs: playing
 * |error| p50/p95/max (excluding the first second after each of the host's seeks and plays) and
 * paused |error| max (from 1 s after the pause), for the slow and the direct member; and, to
 * locate a bias, the median signed error, each page's median against the room's expected position
 * on the real clock, and the slow member's clock-offset error.
 *
 *   npm run bench:sync-picture                     # 3 runs
 *   npm run bench:sync-picture -- --runs 1 --up 45 --down 55 --jitter 10 --skew 7900
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../test/helpers/browser.ts";
import { enter, leave, PartyPages, samples as videoSamples } from "../test/helpers/party-page.ts";
import { startServerProcess } from "../test/helpers/process.ts";
import { percentile } from "../test/helpers/stats.ts";
import { LOADTEST_LIMITS } from "./limits.ts";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    up: { type: "string", default: "45" },
    down: { type: "string", default: "55" },
    jitter: { type: "string", default: "10" },
    skew: { type: "string", default: "7900" },
    /** write every run's samples and the host's actions (real clock, ms) to this JSON file */
    dump: { type: "string" },
  },
});
const RUNS = Number(args.runs);
const UP = Number(args.up);
const DOWN = Number(args.down);
const JITTER = Number(args.jitter);
const SKEW = Number(args.skew);
/** samples within this long after a host's seek or play (or pause, for the paused figure) are left out */
const SETTLE_MS = 1000;

/** A device clock SKEW ms off, and a path of UP ms for sent and DOWN ms for received messages, ± JITTER, order kept. */
const SKEWED_AND_SLOW = `(() => {
  const skew = ${SKEW}, up = ${UP}, down = ${DOWN}, jitter = ${JITTER};
  const realDateNow = Date.now.bind(Date);
  Date.now = () => realDateNow() + skew;
  const origin = performance.timeOrigin;
  Object.defineProperty(performance, "timeOrigin", { get: () => origin + skew });
  const pnow = performance.now.bind(performance);
  // one direction of a TCP path: each message waits delay ± jitter, never overtaking the one before
  const lane = (delay) => {
    const queue = [];
    let last = 0;
    let timer;
    const pump = () => {
      timer = undefined;
      while (queue.length > 0 && queue[0].at <= pnow()) queue.shift().fn();
      if (queue.length > 0) timer = setTimeout(pump, Math.max(0, queue[0].at - pnow()));
    };
    return (fn) => {
      const at = Math.max(last, pnow() + delay + (Math.random() * 2 - 1) * jitter);
      last = at;
      queue.push({ at, fn });
      if (timer === undefined) timer = setTimeout(pump, Math.max(0, at - pnow()));
    };
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    #up = lane(up);
    #down = lane(down);
    send(data) { this.#up(() => { if (this.readyState === 1) super.send(data); }); }
    set onmessage(fn) { super.onmessage = (ev) => this.#down(() => fn.call(this, ev)); }
    get onmessage() { return super.onmessage; }
  };
})();`;

interface Sample {
  /** real clock, ms (the page's, then on this process's clock) */
  real: number;
  /** video.currentTime, ms */
  current: number;
  /** the room's expected position on the real clock (the server's), ms */
  room: number;
}

interface Action {
  kind: "play" | "seek" | "pause";
  /** real clock (this process's), ms */
  at: number;
}

const nodeNow = () => performance.timeOrigin + performance.now();

/** The page's real clock minus this process's: the median of the 5 shortest of 20 round trips. */
async function calibrate(page: Page): Promise<{ offset: number; roundTrip: number }> {
  const tries: { offset: number; roundTrip: number }[] = [];
  for (let i = 0; i < 20; i++) {
    const before = nodeNow();
    const inPage = await page.evaluate(() => (window as any).__realNow() as number);
    const after = nodeNow();
    tries.push({ offset: inPage - (before + after) / 2, roundTrip: after - before });
  }
  const best = tries.sort((a, b) => a.roundTrip - b.roundTrip).slice(0, 5);
  const offsets = best.map((t) => t.offset).sort((a, b) => a - b);
  return { offset: offsets[2]!, roundTrip: best[4]!.roundTrip };
}

/** The host's currentTime at real time `t`, linear between its two samples around `t`. */
function hostAt(host: Sample[], t: number): number | undefined {
  let lo = 0;
  let hi = host.length - 1;
  if (hi < 1 || t < host[0]!.real || t > host[hi]!.real) return undefined;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (host[mid]!.real <= t) lo = mid;
    else hi = mid;
  }
  const a = host[lo]!;
  const b = host[hi]!;
  if (b.real - a.real > 200) return undefined; // a gap in the host's samples: no picture to compare
  return a.current + ((b.current - a.current) * (t - a.real)) / (b.real - a.real);
}

interface Figures {
  playing: number[];
  paused: number[];
  /** signed playing errors */
  signed: number[];
  /** member − room while playing (signed) */
  vsRoom: number[];
}

/**
 * Which phase a real instant is in: playing or paused and settled, or neither (also just before an
 * action: the host's next sample may already be past it, and interpolating across a seek means nothing).
 */
function phaseAt(actions: Action[], t: number): "playing" | "paused" | undefined {
  let last: Action | undefined;
  for (const a of actions) if (a.at <= t) last = a;
  if (!last || t < last.at + SETTLE_MS) return undefined;
  if (actions.some((a) => a.at > t && a.at - t < 100)) return undefined;
  if (last.kind === "pause") return "paused";
  return "playing";
}

function figures(member: Sample[], host: Sample[], actions: Action[], end: number): Figures {
  const out: Figures = { playing: [], paused: [], signed: [], vsRoom: [] };
  for (const s of member) {
    if (s.real > end) continue;
    const phase = phaseAt(actions, s.real);
    const h = hostAt(host, s.real);
    if (!phase || h === undefined) continue;
    const error = s.current - h;
    if (phase === "playing") {
      out.playing.push(Math.abs(error));
      out.signed.push(error);
      out.vsRoom.push(s.current - s.room);
    } else out.paused.push(Math.abs(error));
  }
  return out;
}

const f1 = (x: number) => x.toFixed(1);
const median = (xs: number[]) => percentile(xs, 50);

async function run(browser: Browser, baseUrl: string, n: number) {
  const stamp = `${Date.now()}-${n}`;
  const opened = new PartyPages(browser, baseUrl);
  const host = await opened.open();
  const { roomId } = await enter(host, {
    create: {
      title: "sync-picture",
      anime_id: "sync-picture",
      anime_title: "Sync picture",
      episode_number: 1,
      video_url: `${baseUrl}/media/test.webm`,
      host_user_id: `host-${stamp}`,
      host_username: "Host",
    },
  });
  const direct = await opened.open();
  const slow = await opened.open([SKEWED_AND_SLOW]);
  await enter(direct, { join: { roomId, options: { user_id: `direct-${stamp}`, username: "Direct" } } });
  await enter(slow, { join: { roomId, options: { user_id: `slow-${stamp}`, username: "Slow" } } });
  const pages = { host, direct, slow };

  const actions: Action[] = [];
  const hostDo = async (kind: Action["kind"], code: string) => {
    const at = await host.evaluate(`(() => { const at = window.__realNow(); ${code}; return at; })()`);
    actions.push({ kind, at: at as number });
  };
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await wait(2000); // the slow member's clock burst (5 samples, 200 ms apart) is long done
  await hostDo("play", "window.__video.currentTime = 0; window.__video.play()");
  await wait(15_000);
  await hostDo("seek", "window.__video.currentTime = 50");
  await wait(15_000);
  await hostDo("pause", "window.__video.pause()");
  await wait(5_000);
  await hostDo("play", "window.__video.play()");
  await wait(10_000);
  await hostDo("pause", "window.__video.pause()");
  await wait(4_000);

  // every page's real clock on this process's, so that pages compare at the same instant
  const cal = {
    host: await calibrate(host),
    direct: await calibrate(direct),
    slow: await calibrate(slow),
  };
  const samples: Record<string, Sample[]> = {};
  for (const [name, page] of Object.entries(pages)) {
    const c = cal[name as keyof typeof cal];
    // party-page.ts samples the video's time (s) and its error against the room's position (ms)
    samples[name] = (await videoSamples(page)).map((s) => ({
      real: s.real - c.offset,
      current: s.current * 1000,
      room: s.current * 1000 - s.error,
    }));
  }
  const shift = (kind: keyof typeof cal) => (a: Action) => ({ ...a, at: a.at - cal[kind].offset });
  const hostActions = actions.map(shift("host"));
  const end = hostActions[hostActions.length - 1]!.at + 4000;
  const slowOffset = await slow.evaluate(
    () => (window as any).__party.clock as { offset: number; roundTrip: number },
  );
  const res = {
    slow: figures(samples.slow!, samples.host!, hostActions, end),
    direct: figures(samples.direct!, samples.host!, hostActions, end),
    // host − room while playing: where the host's picture is against what the room announces
    hostVsRoom: samples
      .host!.filter((s) => phaseAt(hostActions, s.real) === "playing")
      .map((s) => s.current - s.room),
    offsetError: slowOffset.offset + SKEW,
    roundTrip: slowOffset.roundTrip,
    calibration: cal,
    samples,
    actions: hostActions,
  };
  for (const page of Object.values(pages)) await leave(page).catch(() => undefined);
  await opened.close();
  return res;
}

async function main(): Promise<void> {
  const server = await startServerProcess({
    DATA_DIR: mkdtempSync(path.join(tmpdir(), "anisync-picture-")),
    DATABASE_URL: undefined,
    LOG_LEVEL: "warn",
    AUTH_MODE: "open",
    ...LOADTEST_LIMITS,
  });
  const browser = await launchChromium();
  const all = {
    slow: { p50: [] as number[], p95: [] as number[], max: [] as number[], paused: [] as number[] },
    direct: { p50: [] as number[], p95: [] as number[], max: [] as number[], paused: [] as number[] },
  };
  console.log(
    `host + direct member + slow member (device clock ${SKEW} ms off, sent +${UP} ms, received +${DOWN} ms, ±${JITTER} ms each): member − host at the same real instant`,
  );
  const dumped: unknown[] = [];
  try {
    for (let n = 1; n <= RUNS; n++) {
      const r = await run(browser, server.baseUrl, n);
      dumped.push({ samples: r.samples, actions: r.actions });
      if (args.dump) writeFileSync(args.dump, JSON.stringify(dumped));
      console.log(`run ${n}:`);
      for (const name of ["slow", "direct"] as const) {
        const m = r[name];
        const p50 = percentile(m.playing, 50);
        const p95 = percentile(m.playing, 95);
        const max = Math.max(...m.playing);
        const paused = Math.max(...m.paused);
        all[name].p50.push(p50);
        all[name].p95.push(p95);
        all[name].max.push(max);
        all[name].paused.push(paused);
        console.log(
          `  ${name.padEnd(6)} playing |error| p50 ${f1(p50)} · p95 ${f1(p95)} · max ${f1(max)} ms (${m.playing.length} samples; signed median ${f1(median(m.signed))} ms, vs the room ${f1(median(m.vsRoom))} ms) · paused |error| max ${f1(paused)} ms (${m.paused.length} samples)`,
        );
      }
      console.log(
        `  host vs the room while playing: median ${f1(median(r.hostVsRoom))} ms; slow member's clock offset error ${f1(r.offsetError)} ms (round trip ${f1(r.roundTrip)} ms); page clocks vs this process: ${Object.entries(
          r.calibration,
        )
          .map(([k, c]) => `${k} ${f1(c.offset)} ms (±${f1(c.roundTrip / 2)})`)
          .join(", ")}`,
      );
    }
    const range = (xs: number[]) => `${f1(Math.min(...xs))}–${f1(Math.max(...xs))}`;
    console.log(`over ${RUNS} runs:`);
    for (const name of ["slow", "direct"] as const) {
      const a = all[name];
      console.log(
        `  ${name.padEnd(6)} playing p50 ${range(a.p50)} ms · p95 ${range(a.p95)} ms · max ${range(a.max)} ms · paused max ${range(a.paused)} ms`,
      );
    }
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();
process.exit(0);
