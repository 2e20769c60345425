/**
 * The client package's no-bundler build (scripts/build-client.ts `browserBundle()`, the same file
 * as client/dist/anisync-client.js) as an ES module a page can import from this server:
 * `/sdk/<version>/anisync-client.js` and its source map, `<version>` being client/package.json's.
 * A version's bytes never change, so they are cached for a year (`immutable`); another version is a
 * 404. Any origin may load them (a module script from another site is a CORS request).
 * `/vendor/anisync-client.js`, the demo page's older address, redirects to the current version.
 *
 * The bundle is built once per process, in memory, on the first request for it: a server nobody
 * loads the SDK from never starts esbuild, and a change to client/ is served after a restart
 * without a separate build step.
 */
import { Router, type Response } from "express";
import { BROWSER_FILE, browserBundle, clientVersion, type BuiltFile } from "../../scripts/build-client.ts";

export const SDK_VERSION = clientVersion();
export const SDK_PATH = `/sdk/${SDK_VERSION}/${BROWSER_FILE}`;

/** one bundle per process, shared by every server in it; a failed build is retried on the next request */
let bundle: Promise<BuiltFile> | undefined;

function sdkBundle(): Promise<BuiltFile> {
  bundle ??= browserBundle().catch((err: unknown) => {
    bundle = undefined;
    throw err;
  });
  return bundle;
}

function sendImmutable(res: Response, type: string, body: string): void {
  res
    .type(type)
    .setHeader("Cache-Control", "public, max-age=31536000, immutable")
    .setHeader("Access-Control-Allow-Origin", "*")
    .setHeader("Cross-Origin-Resource-Policy", "cross-origin")
    .send(body);
}

export function sdkRouter(): Router {
  const router = Router();
  router.get(SDK_PATH, async (_req, res) => {
    sendImmutable(res, "text/javascript", (await sdkBundle()).code);
  });
  router.get(`${SDK_PATH}.map`, async (_req, res) => {
    sendImmutable(res, "application/json", (await sdkBundle()).map);
  });
  router.get("/vendor/anisync-client.js", (_req, res) => {
    res.setHeader("Cache-Control", "no-cache").redirect(302, SDK_PATH);
  });
  return router;
}
