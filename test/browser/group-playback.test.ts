/**
 * Group playback in Chromium (issue 10): a host and two members on the bundled SDK, each with the test
 * video attached. A member whose video is starved (its media requests held) holds the room, which
 * resumes when it recovers or, after BUFFER_WAIT_S (1.5 s on the test server), without it; a shared
 * speed of 0.5× and 1.5× keeps members on the host's expected position; paused members sit on the
 * host's paused frame, also one on a slow socket path. The demo page's controls (ready check, skip,
 * auto-skip, reactions) are in group-page.test.ts.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { server, uid, type Harness } from "../helpers/server.ts";
import { launchChromium, skipWithoutChromium } from "../helpers/browser.ts";
import {
  PartyPages,
  VIDEO_BYTES_PER_S,
  enter,
  leave,
  realNow,
  reports,
  samples,
  seen,
  slowSocket,
  starve,
  type PlaybackSeen,
} from "../helpers/party-page.ts";
import { percentile } from "../helpers/stats.ts";

/** BUFFER_WAIT_S of the test server (test/helpers/server.ts) */
const WAIT_S = 1.5;
const SPEED_P95_BOUND_MS = 30;
const PAUSED_BOUND_MS = 20;
const DELAY_MS = 40;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("group playback in Chromium: a host and two members on the bundled SDK", function () {
  this.timeout(120_000);
  let h: Harness;
  let browser: Browser;
  let pages: PartyPages;
  before(function () {
    skipWithoutChromium(this);
  });
  before(async () => {
    h = await server();
    browser = await launchChromium();
  });
  beforeEach(() => {
    pages = new PartyPages(browser, h.baseUrl);
  });
  afterEach(async () => {
    await pages.close();
  });
  after(async () => {
    await browser?.close();
  });

  /** A host and two members in a new room; `memberInit` are init scripts of the second member. */
  async function trio(opts: { starveB?: number; slowB?: boolean } = {}) {
    const host = await pages.open();
    const { roomId, userId: hostId } = await enter(host, {
      create: {
        title: "group",
        anime_id: uid("group"),
        anime_title: "Group",
        episode_number: 1,
        video_url: `${h.baseUrl}/media/test.webm`,
        host_user_id: uid("host"),
        host_username: "Host",
      },
    });
    const a = await pages.open();
    const { userId: aId } = await enter(a, {
      join: { roomId, options: { user_id: uid("a"), username: "A" } },
    });
    const b = await pages.open(opts.slowB ? [slowSocket(DELAY_MS)] : []);
    const starved = opts.starveB === undefined ? undefined : await starve(b, opts.starveB);
    const { userId: bId } = await enter(b, {
      join: { roomId, options: { user_id: uid("b"), username: "B" } },
    });
    const all = { host, a, b };
    return { roomId, host, a, b, all, ids: { host: hostId, a: aId, b: bId }, starved };
  }

  /** The first playback change a page saw after `after` (real ms) that matches. */
  async function firstSeen(page: Page, after: number, match: (s: PlaybackSeen) => boolean) {
    return (await seen(page)).find((s) => s.real >= after && match(s));
  }

  async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
    const until = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  }

  const state = (page: Page) =>
    page.evaluate(() => {
      const s = (window as any).__party.state;
      return {
        playing: s.playback.is_playing as boolean,
        position: s.playback.position as number,
        hold: s.hold.active as boolean,
        waiting_for: [...s.hold.waiting_for] as string[],
        lagging: Object.fromEntries([...s.members.values()].map((m: any) => [m.user_id, m.lagging])),
      };
    });
  const video = (page: Page) =>
    page.evaluate(() => {
      const v = (window as any).__video as HTMLVideoElement;
      return { t: v.currentTime, paused: v.paused };
    });

  it("a starved member holds everyone at one position, named in the state; all resume when it recovers", async () => {
    // about 10 s of video (the first clusters: less does not load its metadata), then B's media requests are held
    const { host, a, b, all, ids, starved } = await trio({ starveB: Math.round(10 * VIDEO_BYTES_PER_S) });
    await host.evaluate("window.__video.currentTime = 0; window.__video.play()");

    // B runs dry near 10 s and reports buffering; the room holds
    await waitFor("the hold", async () => (await state(a)).hold, 20_000);
    const bufferingAt = (await reports(b)).find((r) => r.buffering)!.real;
    const held = await Promise.all(Object.values(all).map(state));
    for (const s of held) {
      assert.equal(s.playing, false);
      assert.equal(s.hold, true);
      assert.deepEqual(s.waiting_for, [ids.b], "the state names whom the room waits for");
      assert.equal(s.position, held[0]!.position, "one position for all");
    }
    const holdMs = await Promise.all(
      Object.values(all).map(
        async (p) => (await firstSeen(p, bufferingAt, (s) => s.hold && !s.playing))!.real - bufferingAt,
      ),
    );
    // everyone's picture stands at the hold's position (B's too, once it has the data)
    await sleep(1000);
    const stillHeld = await state(host);
    assert.equal(stillHeld.hold, true, `still held while B starves (${JSON.stringify(stillHeld)})`);
    for (const p of [host, a]) {
      const v = await video(p);
      assert.ok(v.paused, "paused while held");
      assert.ok(
        Math.abs(v.t - held[0]!.position) <= 0.02,
        `on the hold's frame (${v.t} vs ${held[0]!.position})`,
      );
    }

    // B recovers: the room resumes from the hold's position
    const recoverAt = await realNow(b);
    starved!.recover();
    await waitFor("the resume", async () => (await state(a)).playing, 10_000);
    const readyAt = (await reports(b)).find((r) => r.real >= recoverAt && !r.buffering)!.real;
    const resumeMs = await Promise.all(
      Object.values(all).map(async (p) => (await firstSeen(p, recoverAt, (s) => s.playing))!.real - readyAt),
    );
    const resumed = await state(b);
    assert.equal(resumed.position, held[0]!.position, "resumes where it held");
    assert.equal(resumed.hold, false);
    await sleep(1500);
    for (const p of Object.values(all))
      assert.equal((await video(p)).paused, false, "every video plays again");
    console.log(
      `      starved member: hold seen ${holdMs.map((m) => m.toFixed(0)).join("/")} ms after its buffering report (host/A/B); resume seen ${resumeMs.map((m) => m.toFixed(0)).join("/")} ms after its recovered report; held at ${held[0]!.position.toFixed(3)} s`,
    );
    for (const m of [...holdMs, ...resumeMs]) assert.ok(m <= 300, `within 300 ms (${m})`);
    for (const p of Object.values(all)) await leave(p);
  });

  it("a member that stays starved is left behind after BUFFER_WAIT_S: the others resume, it is marked lagging", async () => {
    const { host, a, b, ids, starved } = await trio({ starveB: Math.round(10 * VIDEO_BYTES_PER_S) });
    await host.evaluate("window.__video.currentTime = 0; window.__video.play()");
    await waitFor("the hold", async () => (await state(a)).hold, 20_000);
    const heldAt = (await firstSeen(a, 0, (s) => s.hold))!;
    await waitFor("the resume without B", async () => (await state(a)).playing, 5_000);
    const resumedAt = (await firstSeen(a, heldAt.real, (s) => s.playing))!;
    const waitedS = (resumedAt.real - heldAt.real) / 1000;
    assert.ok(waitedS >= WAIT_S - 0.1 && waitedS < WAIT_S + 1, `waited ${waitedS.toFixed(2)} s`);
    assert.equal(resumedAt.position, heldAt.position, "resumes where it held");
    // the host's copy of the state may be one patch behind A's: wait for it, briefly
    await waitFor(
      "B marked lagging on the host's page",
      async () => (await state(host)).lagging[ids.b] === true,
      2_000,
    );
    const after = await state(host);
    assert.equal(after.hold, false);
    assert.equal(after.lagging[ids.b], true, "B is marked lagging");
    // B, still starved, holds the room no more: the others play on
    await sleep(4000);
    for (const p of [host, a]) assert.equal((await video(p)).paused, false, "host and A play on");
    const s = await state(a);
    assert.equal(s.playing, true);
    assert.equal(s.hold, false, `no new hold for a lagging member (${JSON.stringify(s)})`);
    console.log(`      starved for good: the room resumed without it ${waitedS.toFixed(2)} s after the hold`);

    // it recovers: no longer lagging, and back on the room's position
    starved!.recover();
    await waitFor("B unmarked", async () => (await state(a)).lagging[ids.b] === false, 10_000);
    await waitFor(
      "B catches up",
      async () =>
        (await samples(b)).slice(-4).every((x) => x.playing && !x.paused && Math.abs(x.error) < 100),
      10_000,
    );
    for (const p of [host, a, b]) await leave(p);
  });

  it("a shared speed of 0.5× and 1.5× keeps every member on the host's picture (30 ms p95)", async function () {
    // a timing measurement on a shared 2-core machine: one more run if a busy moment spoils it
    this.retries(1);
    const { host, a, b, ids } = await trio({ slowB: true });
    await host.evaluate("window.__video.currentTime = 0; window.__video.play()");
    await sleep(2000);
    const changes: Record<string, number> = {};
    for (const rate of [0.5, 1.5]) {
      changes[rate] = await realNow(host);
      await host.evaluate((r) => (window as any).__party.setRate(r), rate);
      await sleep(12_000);
    }
    await host.evaluate("window.__video.pause()");
    await sleep(500);

    const report: string[] = [];
    const figures: [string, number, number, number][] = [];
    const hostSamples = await samples(host);
    /** the host's error (its picture − the room's expected position) at the sample nearest `real` */
    const hostError = (real: number) =>
      hostSamples.reduce((best, x) => (Math.abs(x.real - real) < Math.abs(best.real - real) ? x : best))
        .error;
    for (const [name, page] of Object.entries({ host, a, "b (40 ms each way)": b })) {
      const all = await samples(page);
      for (const rate of [0.5, 1.5]) {
        // from 2 s after the change reached this member, while the room plays at this rate
        const from = all.find((x) => x.rate === rate && x.real >= changes[rate]!)!.real + 2000;
        const steady = all.filter((x) => x.playing && x.rate === rate && x.real >= from);
        const abs = steady.map((x) => Math.abs(x.error));
        // against the host's picture: this member's error minus the host's at the same moment
        const vsHost = steady.map((x) => Math.abs(x.error - hostError(x.real)));
        const p95 = percentile(vsHost, 95);
        if (page !== host) figures.push([name, rate, p95, steady.length]);
        report.push(
          `${name} at ${rate}×: ${((steady.length * 50) / 1000).toFixed(1)} s sampled, |error| to the room's expected position p50 ${percentile(abs, 50).toFixed(1)} / p95 ${percentile(abs, 95).toFixed(1)} / max ${Math.max(...abs).toFixed(1)} ms` +
            (page === host
              ? ""
              : `; to the host's picture p50 ${percentile(vsHost, 50).toFixed(1)} / p95 ${p95.toFixed(1)} / max ${Math.max(...vsHost).toFixed(1)} ms`),
        );
      }
    }
    const holds = (await seen(host)).filter((x) => x.hold && x.waiting_for.length > 0);
    const names = { [ids.host]: "host", [ids.a]: "a", [ids.b]: "b" };
    report.push(
      `holds during the run: ${holds.length} (${holds.map((x) => `${x.position.toFixed(2)} s waiting for ${x.waiting_for.map((id) => names[id]).join("+")}`).join(", ")})`,
    );
    console.log(`      speed: ${report.join("\n      speed: ")}`);
    for (const [name, rate, p95, n] of figures) {
      assert.ok(n * 50 >= 8000, `${name} at ${rate}×: at least 8 s sampled (${n} samples)`);
      assert.ok(
        p95 <= SPEED_P95_BOUND_MS,
        `${name} at ${rate}×: p95 ${p95.toFixed(1)} ms ≤ ${SPEED_P95_BOUND_MS}`,
      );
    }
    for (const p of [host, a, b]) await leave(p);
  });

  it("paused members sit on the host's paused frame (within 20 ms), also one on a slow path and at 1.5×", async function () {
    this.retries(1);
    const { host, a, b } = await trio({ slowB: true });
    await host.evaluate("window.__video.currentTime = 0; window.__video.play()");
    const errors: Record<"a" | "b", number[]> = { a: [], b: [] };
    const rows: string[] = [];
    for (let i = 0; i < 6; i++) {
      if (i === 3) await host.evaluate(() => (window as any).__party.setRate(1.5));
      await sleep(2500);
      await host.evaluate("window.__video.pause()");
      await sleep(1500);
      const frame = (await video(host)).t;
      const room = (await state(host)).position;
      const row: string[] = [];
      for (const [name, page] of [
        ["a", a],
        ["b", b],
      ] as const) {
        const v = await video(page);
        assert.ok(v.paused, `${name} paused`);
        const ms = (v.t - frame) * 1000;
        errors[name].push(ms);
        row.push(`${name} ${ms.toFixed(1)}`);
      }
      rows.push(
        `${row.join(" ")} (host frame ${frame.toFixed(3)} s, room ${room.toFixed(3)} s${i >= 3 ? ", 1.5×" : ""})`,
      );
      await host.evaluate("window.__video.play()");
    }
    console.log(`      paused: ms from the host's paused frame: ${rows.join("; ")}`);
    for (const [name, list] of Object.entries(errors))
      for (const ms of list)
        assert.ok(Math.abs(ms) <= PAUSED_BOUND_MS, `${name}: ${ms.toFixed(1)} ms ≤ ${PAUSED_BOUND_MS}`);
    for (const p of [host, a, b]) await leave(p);
  });
});
