/**
 * The demo page (public/). It loads the client SDK as a site would, from /sdk/<version>/ (sdk-routes.ts).
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

export function webRouter(): Router {
  const router = Router();
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
