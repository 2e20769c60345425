/**
 * The demo page (public/) and the client SDK for browsers: client/index.ts bundled with esbuild,
 * in memory, and served as an ES module at /vendor/anisync-client.js.
 *
 * The bundle is built once per process, on the first request for it (the same bytes as a build
 * at start-up): a server nobody opens the demo page on never loads esbuild. esbuild's service
 * process (~30 MB) is stopped once the bundle is built instead of living as long as the server.
 *
 * The page's own addresses, `/r/<room_id>` (a party), `/s/<room_id>` (a room's stats as charts) and
 * `/a/<anime_id>/<episode>` (an episode's thread), serve the same page, which routes on
 * location.pathname. The room page's charting library, uPlot, is served from its package's dist
 * files at /vendor/uplot/ (only its ES module and stylesheet).
 */
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { Router } from "express";

const PUBLIC_DIR = fileURLToPath(new URL("../../public", import.meta.url));
const PAGE = path.join(PUBLIC_DIR, "index.html");
const UPLOT_DIST = path.dirname(createRequire(import.meta.url).resolve("uplot"));
const UPLOT_FILES = new Set(["uPlot.esm.js", "uPlot.min.css"]);
const CLIENT_ENTRY = fileURLToPath(new URL("../../client/index.ts", import.meta.url));

export async function bundleClient(): Promise<string> {
  const esbuild = await import("esbuild");
  try {
    const result = await esbuild.build({
      entryPoints: [CLIENT_ENTRY],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: true,
      write: false,
      logLevel: "silent",
    });
    return result.outputFiles[0]!.text;
  } finally {
    // a later build starts the service again
    await esbuild.stop();
  }
}

/** one bundle per process, shared by every server in it; a failed build is retried on the next request */
let bundle: Promise<string> | undefined;

function clientBundle(): Promise<string> {
  bundle ??= bundleClient().catch((err: unknown) => {
    bundle = undefined;
    throw err;
  });
  return bundle;
}

export async function webRouter(): Promise<Router> {
  const router = Router();
  router.get("/vendor/anisync-client.js", async (_req, res) => {
    const text = await clientBundle();
    res.type("text/javascript").setHeader("Cache-Control", "no-cache").send(text);
  });
  router.get("/vendor/uplot/:file", (req, res, next) => {
    const file = req.params.file;
    if (!UPLOT_FILES.has(file)) return next();
    res.setHeader("Cache-Control", "public, max-age=86400").sendFile(path.join(UPLOT_DIST, file));
  });
  router.get(["/r/:room_id", "/s/:room_id", "/a/:anime_id/:episode"], (_req, res) => {
    res.setHeader("Cache-Control", "no-cache").sendFile(PAGE);
  });
  router.use(express.static(PUBLIC_DIR, { index: "index.html", maxAge: 0 }));
  return router;
}
