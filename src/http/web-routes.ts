/**
 * The demo page (public/) and the client SDK for browsers: client/index.ts bundled once, in
 * memory, with esbuild at start-up and served as an ES module at /vendor/anisync-client.js.
 * The page's own addresses, `/r/<room_id>` (a party) and `/a/<anime_id>/<episode>` (an episode's
 * thread), serve the same page, which routes on location.pathname.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { Router } from "express";
import { build } from "esbuild";

const PUBLIC_DIR = fileURLToPath(new URL("../../public", import.meta.url));
const PAGE = path.join(PUBLIC_DIR, "index.html");
const CLIENT_ENTRY = fileURLToPath(new URL("../../client/index.ts", import.meta.url));

export async function bundleClient(): Promise<string> {
  const result = await build({
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
}

export async function webRouter(): Promise<Router> {
  const router = Router();
  const bundle = await bundleClient();
  router.get("/vendor/anisync-client.js", (_req, res) => {
    res.type("text/javascript").setHeader("Cache-Control", "no-cache").send(bundle);
  });
  router.get(["/r/:room_id", "/a/:anime_id/:episode"], (_req, res) => {
    res.setHeader("Cache-Control", "no-cache").sendFile(PAGE);
  });
  router.use(express.static(PUBLIC_DIR, { index: "index.html", maxAge: 0 }));
  return router;
}
