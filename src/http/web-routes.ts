/**
 * The demo page (public/) and the client SDK for browsers: client/index.ts bundled once, in
 * memory, with esbuild at start-up and served as an ES module at /vendor/anisync-client.js.
 */
import { fileURLToPath } from "node:url";
import express, { Router } from "express";
import { build } from "esbuild";

const PUBLIC_DIR = fileURLToPath(new URL("../../public", import.meta.url));
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
  router.use(express.static(PUBLIC_DIR, { index: "index.html", maxAge: 0 }));
  return router;
}
