/**
 * Watch-party pages in Chromium for the browser tests: a blank page of the test server running the
 * bundled SDK (/vendor/anisync-client.js) with a muted test video attached, a record of what the page
 * saw (playback changes, its own status reports, video samples), a member whose media requests are
 * starved (served up to a byte limit, the rest held until it "recovers"), and a slow socket path.
 */
import { readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";

/**
 * Every page gets the unskewed clock as __realNow (same machine as the server, so it is server time),
 * and the `__name` helper that tsx's compiled callbacks of page.evaluate call for named functions.
 */
export const REAL_CLOCK = `(() => {
  window.__name = (fn) => fn;
  const origin = performance.timeOrigin;
  const pnow = performance.now.bind(performance);
  window.__realNow = () => origin + pnow();
})();`;

/** A network that delays every socket message by `delayMs` each way. */
export function slowSocket(delayMs: number): string {
  return `(() => {
  const delay = ${delayMs};
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    send(data) { setTimeout(() => { if (this.readyState === 1) super.send(data); }, delay); }
    set onmessage(fn) { super.onmessage = (ev) => setTimeout(() => fn.call(this, ev), delay); }
    get onmessage() { return super.onmessage; }
  };
})();`;
}

const VIDEO = readFileSync(new URL("../../public/media/test.webm", import.meta.url));

/** The test video's bytes per second (482 KB over 90 s). */
export const VIDEO_BYTES_PER_S = VIDEO.length / 90;

export interface Starvation {
  /** serve everything from now on, and release the held requests */
  recover(): void;
}

/**
 * Serves this page's /media/test.webm only up to `allowBytes`: a range request that starts beyond it
 * is held (never answered) until `recover()`. The player plays what it has, then waits for data.
 */
export async function starve(page: Page, allowBytes: number): Promise<Starvation> {
  let allow = allowBytes;
  const held = new Set<() => void>();
  await page.route("**/media/test.webm", async (route) => {
    const range = /bytes=(\d+)-(\d*)/.exec(route.request().headers()["range"] ?? "bytes=0-");
    const start = Number(range?.[1] ?? 0);
    while (start >= allow) await new Promise<void>((r) => held.add(r));
    const total = VIDEO.length;
    const end = Math.min(range?.[2] ? Number(range[2]) : total - 1, allow - 1, total - 1);
    await route
      .fulfill({
        status: 206,
        headers: {
          "content-type": "video/webm",
          "accept-ranges": "bytes",
          "content-range": `bytes ${start}-${end}/${total}`,
        },
        body: VIDEO.subarray(start, end + 1),
      })
      .catch(() => undefined); // the page may be gone
  });
  return {
    recover() {
      allow = Infinity;
      for (const release of held) release();
      held.clear();
    },
  };
}

export interface PlaybackSeen {
  real: number;
  seq: number;
  playing: boolean;
  position: number;
  rate: number;
  updated_at: number;
  hold: boolean;
  waiting_for: string[];
}

export interface ReportSent {
  real: number;
  buffering: boolean;
  is_playing: boolean;
  current_time: number;
}

export interface VideoSample {
  real: number;
  /** the video's currentTime − the room's expected position now, ms */
  error: number;
  playing: boolean;
  rate: number;
  seq: number;
  /** the video's currentTime, s */
  current: number;
  paused: boolean;
}

/**
 * What plays the video: the test video as a file (`file`), or the HLS VOD of test/helpers/hls.ts
 * (its routes set up in the page's context) through hls.js (`hls`), or through hls.js inside a Plyr player
 * (`plyr-hls`), or inside video.js with its own HLS engine, VHS (`videojs`), or through hls.js inside an
 * ArtPlayer player, which makes its own `<video>` (`artplayer-hls`, as client/README.md's recipe): the SDK
 * is attached to the `<video>` element either way.
 */
export type Player = "file" | "hls" | "plyr-hls" | "videojs" | "artplayer-hls";

export type Entry =
  { create: Record<string, unknown> } | { join: { roomId: string; options: Record<string, unknown> } };

/** Pages of one test: each in its own browser context (its own identity and network). */
export class PartyPages {
  private readonly contexts: BrowserContext[] = [];
  private readonly browser: Browser;
  private readonly baseUrl: string;
  constructor(browser: Browser, baseUrl: string) {
    this.browser = browser;
    this.baseUrl = baseUrl;
  }

  async open(initScripts: string[] = []): Promise<Page> {
    const ctx = await this.browser.newContext();
    this.contexts.push(ctx);
    for (const s of [REAL_CLOCK, ...initScripts]) await ctx.addInitScript(s);
    const page = await ctx.newPage();
    page.on("pageerror", (e) =>
      console.error("page error:", e.message, e.stack?.split("\n").slice(0, 3).join(" / ")),
    );
    await page.goto(this.baseUrl);
    return page;
  }

  async close(): Promise<void> {
    for (const c of this.contexts.splice(0)) await c.close().catch(() => undefined);
  }
}

/**
 * Joins (or creates) in the page, attaches a muted video once it can play, and records what the
 * page sees: every playback change (`__seen`), every status report (`__reports`), a video sample
 * every 50 ms (`__samples`). Returns the room id and this member's user id.
 */
export async function enter(
  page: Page,
  how: Entry,
  player: Player = "file",
): Promise<{ roomId: string; userId: string }> {
  return page.evaluate(
    async ({ how, player }) => {
      const { WatchParty, attach } = await import("/vendor/anisync-client.js" as string);
      const party =
        "create" in how
          ? await WatchParty.create(location.origin, how.create)
          : await WatchParty.join(location.origin, how.join.roomId, how.join.options);
      let video = document.createElement("video");
      video.muted = true;
      video.preload = "auto";
      // on screen: Chromium treats an off-screen video differently (no underflow: its clock runs on)
      video.style.cssText = "position: fixed; top: 0; left: 0; width: 320px; z-index: 100";
      document.body.append(video);
      const w = window as any;
      if (player === "file") video.src = "/media/test.webm";
      else if (player === "videojs") {
        // video.js with its own HLS engine (VHS); the SDK attaches to its tech's <video>
        await import("/test-vendor/video.min.js" as string); // UMD: sets window.videojs
        const vjs = w.videojs(video, { muted: true, preload: "auto", controls: false });
        vjs.src({ src: "/hls-test/index.m3u8", type: "application/x-mpegURL" });
        await new Promise((r) => vjs.ready(r));
        video = vjs.el().querySelector("video") as HTMLVideoElement;
        w.__videojs = vjs;
      } else if (player === "artplayer-hls") {
        // ArtPlayer makes its own <video> in its container; hls.js feeds it through `customType`
        const { default: Artplayer } = await import("/test-vendor/artplayer.mjs" as string);
        const { default: Hls } = await import("/test-vendor/hls.mjs" as string);
        const box = document.createElement("div");
        box.style.cssText = video.style.cssText + "; height: 180px";
        video.replaceWith(box);
        const art = new Artplayer({
          container: box,
          url: "/hls-test/index.m3u8",
          type: "m3u8",
          muted: true,
          playbackRate: false,
          customType: {
            m3u8: (media: HTMLVideoElement, url: string) => {
              const hls = new Hls();
              hls.loadSource(url);
              hls.attachMedia(media);
              w.__hls = hls;
            },
          },
        });
        await new Promise((r) => art.on("ready", r));
        video = art.video as HTMLVideoElement;
        w.__artplayer = art;
      } else {
        if (player === "plyr-hls") {
          const { default: Plyr } = await import("/test-vendor/plyr.mjs" as string);
          w.__plyr = new Plyr(video, {
            muted: true,
            clickToPlay: false,
            keyboard: { focused: false, global: false },
            iconUrl: "/test-vendor/plyr.svg", // its default is a CDN
          });
        }
        const { default: Hls } = await import("/test-vendor/hls.mjs" as string);
        const hls = new Hls();
        hls.loadSource("/hls-test/index.m3u8");
        hls.attachMedia(video);
        w.__hls = hls;
      }
      const el = video;
      // HAVE_FUTURE_DATA: it can play
      if (el.readyState < 3) await new Promise((r) => el.addEventListener("canplay", r, { once: true }));
      w.__party = party;
      w.__video = video;
      w.__seen = [];
      w.__reports = [];
      w.__samples = [];
      const send = party.status.bind(party);
      party.status = (report: any) => {
        w.__reports.push({ real: w.__realNow(), ...report });
        send(report);
      };
      const seen = () => {
        const s = party.state;
        const pb = s.playback;
        const last = w.__seen.at(-1);
        const hold = s.hold.active;
        const waiting = [...s.hold.waiting_for];
        if (last && last.seq === pb.seq && last.hold === hold && last.waiting_for.join() === waiting.join())
          return;
        w.__seen.push({
          real: w.__realNow(),
          seq: pb.seq,
          playing: pb.is_playing,
          position: pb.position,
          rate: pb.rate,
          updated_at: pb.updated_at,
          hold,
          waiting_for: waiting,
        });
      };
      party.on("state", seen);
      seen();
      attach(party, video);
      setInterval(() => {
        const pb = party.state.playback;
        const real = w.__realNow();
        const expected = pb.position + (pb.is_playing ? ((real - pb.updated_at) / 1000) * pb.rate : 0);
        w.__samples.push({
          real,
          error: (video.currentTime - expected) * 1000,
          playing: pb.is_playing,
          rate: pb.rate,
          seq: pb.seq,
          current: video.currentTime,
          paused: video.paused,
        });
      }, 50);
      return { roomId: party.roomId as string, userId: party.userId as string };
    },
    { how, player },
  );
}

export const realNow = (page: Page): Promise<number> => page.evaluate(() => (window as any).__realNow());
export const seen = (page: Page): Promise<PlaybackSeen[]> => page.evaluate(() => (window as any).__seen);
export const reports = (page: Page): Promise<ReportSent[]> => page.evaluate(() => (window as any).__reports);
export const samples = (page: Page): Promise<VideoSample[]> => page.evaluate(() => (window as any).__samples);
/** Leaves the party (at most 3 s: the context's close drops the socket anyway). */
export const leave = (page: Page): Promise<void> =>
  page.evaluate(() =>
    Promise.race([(window as any).__party?.leave(), new Promise((r) => setTimeout(r, 3000))]),
  );
