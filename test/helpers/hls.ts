/**
 * HLS for the browser tests: a VOD made by FFmpeg from the test video (H.264 in MPEG-TS, 2 s
 * segments, a keyframe every second), and a browser context's routes that serve it and the player
 * libraries from node_modules (hls.js, Plyr, video.js, ArtPlayer) on the test server's origin, with the segment requests
 * of a context held on demand.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { BrowserContext } from "playwright-core";

export const FFMPEG = process.env.FFMPEG_PATH || "/usr/bin/ffmpeg";
export const HLS_SEGMENT_S = 2;
/** where pages load the playlist (routed, never served by the server) */
export const HLS_PLAYLIST = "/hls-test/index.m3u8";

const SOURCE = path.resolve(import.meta.dirname, "../../public/media/test.webm");
const resolve = createRequire(import.meta.url).resolve;
const VENDOR: Record<string, { file: string; type: string }> = {
  "hls.mjs": { file: path.join(path.dirname(resolve("hls.js")), "hls.mjs"), type: "text/javascript" },
  "plyr.mjs": { file: path.join(path.dirname(resolve("plyr")), "plyr.mjs"), type: "text/javascript" },
  "plyr.css": { file: path.join(path.dirname(resolve("plyr")), "plyr.css"), type: "text/css" },
  "video.min.js": {
    file: path.join(path.dirname(resolve("video.js")), "video.min.js"),
    type: "text/javascript",
  },
  "plyr.svg": { file: path.join(path.dirname(resolve("plyr")), "plyr.svg"), type: "image/svg+xml" },
  "artplayer.mjs": {
    file: path.join(path.dirname(resolve("artplayer")), "artplayer.mjs"),
    type: "text/javascript",
  },
};

let made: Promise<Map<string, Buffer>> | undefined;

/** The VOD's files by name (made once per process, ~1 s, 1.2 MB). */
export function hlsVod(): Promise<Map<string, Buffer>> {
  made ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "anisync-hls-"));
    // a keyframe every 15 frames (1 s at 15 fps): segments cut at 2 s exactly
    await promisify(execFile)(FFMPEG, [
      ...["-loglevel", "error", "-i", SOURCE, "-an"],
      ...["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "baseline", "-pix_fmt", "yuv420p"],
      ...["-g", "15", "-keyint_min", "15", "-sc_threshold", "0"],
      ...["-f", "hls", "-hls_time", String(HLS_SEGMENT_S), "-hls_playlist_type", "vod"],
      ...["-hls_segment_filename", path.join(dir, "seg%03d.ts"), path.join(dir, "index.m3u8")],
    ]);
    const files = new Map<string, Buffer>();
    for (const name of await readdir(dir)) files.set(name, await readFile(path.join(dir, name)));
    return files;
  })();
  return made;
}

export interface HeldSegments {
  /** hold every request for segment `index` and later ones until `release()` */
  holdFrom(index: number): void;
  release(): void;
  /** segment requests answered so far (by index) */
  readonly served: number[];
}

/** Routes /test-vendor/* (player libraries) and /hls-test/* (the VOD) of `baseUrl` in this context. */
export async function serveHls(ctx: BrowserContext, baseUrl: string): Promise<HeldSegments> {
  const files = await hlsVod();
  let holdFrom = Infinity;
  const held = new Set<() => void>();
  const served: number[] = [];
  await ctx.route(`${baseUrl}/test-vendor/*`, async (route) => {
    const vendor = VENDOR[path.basename(new URL(route.request().url()).pathname)];
    if (!vendor) return route.fulfill({ status: 404 });
    await route.fulfill({ contentType: vendor.type, body: await readFile(vendor.file) });
  });
  await ctx.route(`${baseUrl}/hls-test/*`, async (route) => {
    const name = path.basename(new URL(route.request().url()).pathname);
    const body = files.get(name);
    if (!body) return route.fulfill({ status: 404 });
    const index = /^seg(\d+)\.ts$/.exec(name);
    if (index) {
      while (Number(index[1]) >= holdFrom) await new Promise<void>((r) => held.add(r));
      served.push(Number(index[1]));
    }
    const type = index ? "video/mp2t" : "application/vnd.apple.mpegurl";
    await route.fulfill({ contentType: type, body }).catch(() => undefined); // the page may be gone
  });
  return {
    holdFrom(index) {
      holdFrom = index;
    },
    release() {
      holdFrom = Infinity;
      for (const r of held) r();
      held.clear();
    },
    served,
  };
}
