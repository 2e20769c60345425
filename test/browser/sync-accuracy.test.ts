import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { chromiumSuite } from "../helpers/browser.ts";
import { percentile } from "../helpers/stats.ts";

/** The device clock of the skewed member, and the delay on each of its socket messages. */
const SKEW_MS = 4300;
const DELAY_MS = 40;
/**
 * Bounds, from what this test measured on the project's machine (2 cores, headless Chromium 156,
 * software decoding; docs/performance.md "Browser sync"), over five runs: steady |error| p95 5.6–15.4 ms
 * (plain member) and 13.5–15.7 ms (skewed, slow member), max 20.4 ms; every member within 100 ms of the
 * host 6–75 ms after the host's seek. The bounds leave headroom for a busier CI machine.
 */
const STEADY_P95_BOUND_MS = 30;
const STEADY_MAX_BOUND_MS = 120;
const SEEK_CONVERGE_BOUND_MS = 1000;

/** Every page gets the unskewed clock as __realNow (same machine as the server, so it is server time). */
const REAL_CLOCK = `(() => {
  const origin = performance.timeOrigin;
  const pnow = performance.now.bind(performance);
  window.__realNow = () => origin + pnow();
})();`;

/** A device clock SKEW_MS ahead and a network that delays every message by DELAY_MS each way. */
const SKEWED_AND_SLOW = `(() => {
  const skew = ${SKEW_MS}, delay = ${DELAY_MS};
  const realDateNow = Date.now.bind(Date);
  Date.now = () => realDateNow() + skew;
  const origin = performance.timeOrigin;
  Object.defineProperty(performance, "timeOrigin", { get: () => origin + skew });
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    send(data) { setTimeout(() => { if (this.readyState === 1) super.send(data); }, delay); }
    set onmessage(fn) { super.onmessage = (ev) => setTimeout(() => fn.call(this, ev), delay); }
    get onmessage() { return super.onmessage; }
  };
})();`;

interface Sample {
  real: number;
  error: number;
  playing: boolean;
  seq: number;
  /** server time of the host action behind this playback, and its position */
  action_at: number;
  position: number;
  /** the video's currentTime, seconds */
  current: number;
}

describe("browser sync accuracy: a host and two members, one with a skewed clock and a slow network", function () {
  this.timeout(120_000);
  const suite = chromiumSuite();

  async function open(initScripts: string[]): Promise<Page> {
    const ctx = await suite.newContext();
    for (const s of initScripts) await ctx.addInitScript(s);
    const page = await ctx.newPage();
    page.on("pageerror", (e) => console.error("page error:", e.message));
    await page.goto(suite.h.baseUrl);
    return page;
  }

  /** Joins (or creates) in the page, attaches a muted video, and samples its error every 50 ms. */
  async function enter(
    page: Page,
    how: { create?: Record<string, unknown>; join?: { roomId: string; options: Record<string, unknown> } },
  ) {
    return page.evaluate(async (how) => {
      const { WatchParty, attach } = await import("/vendor/anisync-client.js" as string);
      const party = how.create
        ? await WatchParty.create(location.origin, how.create)
        : await WatchParty.join(location.origin, how.join!.roomId, how.join!.options);
      const video = document.createElement("video");
      video.muted = true;
      video.preload = "auto";
      video.src = "/media/test.webm";
      document.body.append(video);
      await new Promise((r) => video.addEventListener("canplay", r, { once: true }));
      attach(party, video);
      const w = window as any;
      w.__party = party;
      w.__video = video;
      w.__samples = [];
      setInterval(() => {
        const pb = party.state.playback;
        const real = w.__realNow();
        const expected = pb.position + (pb.is_playing ? ((real - pb.updated_at) / 1000) * pb.rate : 0);
        w.__samples.push({
          real,
          error: (video.currentTime - expected) * 1000,
          playing: pb.is_playing,
          seq: pb.seq,
          action_at: pb.updated_at,
          position: pb.position,
          current: video.currentTime,
        });
      }, 50);
      return party.roomId as string;
    }, how);
  }

  it("keeps every member on the host's expected position, and converges fast after a seek", async function () {
    // a timing measurement on a shared 2-core machine: one more run if a busy moment spoils it
    // (a real regression fails both); the figures of each run are printed
    this.retries(1);
    const host = await open([REAL_CLOCK]);
    const roomId = await enter(host, {
      create: {
        title: "sync",
        anime_id: "sync-test",
        anime_title: "Sync",
        episode_number: 1,
        video_url: `${suite.h.baseUrl}/media/test.webm`,
        host_user_id: `host-${Date.now()}`,
        host_username: "Host",
      },
    });
    const plain = await open([REAL_CLOCK]);
    const skewed = await open([REAL_CLOCK, SKEWED_AND_SLOW]);
    await enter(plain, { join: { roomId, options: { user_id: `plain-${Date.now()}`, username: "Plain" } } });
    await enter(skewed, {
      join: { roomId, options: { user_id: `skewed-${Date.now()}`, username: "Skewed" } },
    });
    // the skewed member's own estimate of the server clock absorbs its 4.3 s skew
    const offset = await skewed.evaluate(() => (window as any).__party.clock.offset as number);
    assert.ok(Math.abs(offset + SKEW_MS) < 50, `clock offset ${offset} ≈ -${SKEW_MS}`);

    const hostDo = (fn: string) => host.evaluate(fn);
    const real = () => host.evaluate(() => (window as any).__realNow() as number);
    await hostDo("window.__video.currentTime = 0; window.__video.play()");
    const playAt = await real();
    await new Promise((r) => setTimeout(r, 12_000));
    await hostDo("window.__video.currentTime = 45");
    await new Promise((r) => setTimeout(r, 12_000));
    await hostDo("window.__video.pause()");
    await new Promise((r) => setTimeout(r, 1500));

    const members = { plain, skewed };
    const report: string[] = [];
    for (const [name, page] of Object.entries(members)) {
      const samples: Sample[] = await page.evaluate(() => (window as any).__samples);
      const seq = (s: Sample) => s.seq;
      const seekSeq = Math.max(...samples.filter((s) => s.playing).map(seq));
      // the host's seek, on the server's clock (this member learns of it one network trip later)
      const seek = samples.find((s) => s.seq === seekSeq)!;
      const seekAt = seek.action_at;
      // steady: playing, from 2 s after play started, excluding the second after the seek
      const steady = samples.filter(
        (s) => s.playing && s.real > playAt + 2000 && !(s.real >= seekAt && s.real < seekAt + 1000),
      );
      const abs = steady.map((s) => Math.abs(s.error));
      const p50 = percentile(abs, 50);
      const p95 = percentile(abs, 95);
      const max = Math.max(...abs);
      const seconds = (steady.length * 50) / 1000;
      // convergence, against where the host really is after its seek (whether or not this member
      // has heard of it yet): the first sample from which every later one stays within 100 ms
      const afterSeek = samples
        .filter((s) => s.real >= seekAt && s.real < seekAt + 5000)
        .map((s) => ({ real: s.real, error: s.current * 1000 - (seek.position * 1000 + (s.real - seekAt)) }));
      let converged = afterSeek.length;
      for (let i = afterSeek.length - 1; i >= 0; i--) {
        if (Math.abs(afterSeek[i]!.error) > 100) break;
        converged = i;
      }
      const convergeMs = converged < afterSeek.length ? afterSeek[converged]!.real - seekAt : Infinity;
      const paused = samples.filter((s) => !s.playing).slice(-5);
      report.push(
        `${name}: ${seconds.toFixed(1)} s steady, |error| p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${max.toFixed(1)} ms; within 100 ms ${convergeMs.toFixed(0)} ms after the seek; paused error ${paused.map((s) => s.error.toFixed(0)).join("/")} ms`,
      );
      assert.ok(seconds >= 20, `${name}: at least 20 s of steady playback sampled (${seconds})`);
      assert.ok(
        p95 <= STEADY_P95_BOUND_MS,
        `${name}: steady p95 ${p95.toFixed(1)} ms ≤ ${STEADY_P95_BOUND_MS}`,
      );
      assert.ok(
        max <= STEADY_MAX_BOUND_MS,
        `${name}: steady max ${max.toFixed(1)} ms ≤ ${STEADY_MAX_BOUND_MS}`,
      );
      assert.ok(convergeMs < SEEK_CONVERGE_BOUND_MS, `${name}: within 100 ms after ${convergeMs} ms`);
      // on the host's paused frame: within one frame at 50 fps, also on the slow path
      for (const s of paused) assert.ok(Math.abs(s.error) <= 20, `${name}: paused within 20 ms (${s.error})`);
    }
    console.log(`      ${report.join("\n      ")}`);
    for (const page of [plain, skewed, host]) await page.evaluate(() => (window as any).__party.leave());
  });
});
