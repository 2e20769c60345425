/**
 * Builds the client package (client/package.json, `@anisync/client`) into client/dist/:
 * - `index.js` (+ map): the SDK as one ES module with `@colyseus/sdk` left as an import, for npm
 *   installs and bundlers (unminified; a site's bundler minifies);
 * - `anisync-client.js` (+ map): everything in one minified ES module for pages without a bundler,
 *   the file the server serves at `/sdk/<version>/anisync-client.js` (`browserBundle()`);
 * - `types/`: declarations by tsc (`types/client/index.d.ts`), with the zod-derived message types of
 *   schema/messages.ts written out as plain types so the package needs no zod (wire-types.ts).
 *
 * `node scripts/build-client.ts` (`npm run build:client`) builds all three.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";

export const CLIENT_DIR = fileURLToPath(new URL("../client", import.meta.url));
export const DIST_DIR = path.join(CLIENT_DIR, "dist");
const ENTRY = path.join(CLIENT_DIR, "index.ts");
/** the browser bundle's file name (also its name under /sdk/<version>/) */
export const BROWSER_FILE = "anisync-client.js";

/** client/package.json's version: the package's, and the path segment of /sdk/<version>/. */
export function clientVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(CLIENT_DIR, "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

export interface BuiltFile {
  code: string;
  map: string;
}

/** The no-bundler build: the SDK with @colyseus/sdk inside, minified, with a linked source map. */
export async function browserBundle(): Promise<BuiltFile> {
  return bundle({ file: BROWSER_FILE, minify: true, platform: "browser", external: [] });
}

/**
 * The npm build: the SDK's own code; @colyseus/sdk stays an import (the package's dependency).
 * `minify` only for measuring (loadtest/client-size.ts): the package ships it readable.
 */
export async function packageModule(minify = false): Promise<BuiltFile> {
  return bundle({ file: "index.js", minify, platform: "neutral", external: ["@colyseus/sdk"] });
}

interface BundleOptions {
  file: string;
  minify: boolean;
  platform: "browser" | "neutral";
  external: string[];
}

async function bundle(o: BundleOptions): Promise<BuiltFile> {
  const esbuild = await import("esbuild");
  try {
    const result = await esbuild.build({
      entryPoints: [ENTRY],
      bundle: true,
      format: "esm",
      platform: o.platform,
      // the SDK's own packages are ES modules; "neutral" would otherwise look only at "main"
      mainFields: ["module", "main"],
      target: "es2022",
      minify: o.minify,
      external: o.external,
      sourcemap: "linked",
      sourcesContent: true,
      legalComments: "none",
      // the output's path decides the map's name and its relative source paths
      outfile: path.join(DIST_DIR, o.file),
      write: false,
      logLevel: "silent",
    });
    const code = result.outputFiles.find((f) => f.path.endsWith(".js"));
    const map = result.outputFiles.find((f) => f.path.endsWith(".js.map"));
    if (!code || !map) throw new Error(`esbuild gave no ${o.file} and map`);
    return { code: code.text, map: map.text };
  } finally {
    // the service process (~30 MB) is not kept; a later build starts it again
    await esbuild.stop();
  }
}

/** Writes client/dist/ afresh: both modules, their maps, and the declarations. */
export async function buildClient(): Promise<void> {
  await rm(DIST_DIR, { recursive: true, force: true });
  await mkdir(DIST_DIR, { recursive: true });
  for (const [file, built] of [
    ["index.js", await packageModule()],
    [BROWSER_FILE, await browserBundle()],
  ] as const) {
    await writeFile(path.join(DIST_DIR, file), built.code);
    await writeFile(path.join(DIST_DIR, `${file}.map`), built.map);
  }
  // typescript (a devDependency, ~10 MB of JavaScript) is loaded only here, never by the server
  const { emitDeclarations } = await import("./wire-types.ts");
  emitDeclarations(ENTRY, path.join(DIST_DIR, "types"));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  await buildClient();
  console.log(
    `client/dist built in ${Math.round(performance.now() - started)} ms (@anisync/client ${clientVersion()})`,
  );
}
