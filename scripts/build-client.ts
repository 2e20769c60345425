/**
 * Builds the client package (client/package.json, `@anisync/client`) into client/dist/:
 * - `index.js` (+ map): the SDK as one ES module with `@colyseus/sdk` left as an import, for npm
 *   installs and bundlers (unminified; a site's bundler minifies);
 * - `anisync-client.js` (+ map): everything in one minified ES module for pages without a bundler,
 *   the file the server serves at `/sdk/<version>/anisync-client.js` (`browserBundle()`). AniSync's
 *   own code is minified first on its own, with the names of its classes' private members
 *   shortened (`PRIVATE_MEMBERS`), then bundled with @colyseus/sdk, which that renaming never touches;
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

/**
 * The TypeScript `private` members of the client's classes (WatchParty, ClockSync, ClockLoop,
 * RejoinLoop, Emitter, EchoGuard). They are only ever read on `this` (or `party.adopt` in
 * WatchParty's own static constructors) and are no property of any options, message, state or
 * foreign object: the minified builds shorten them (esbuild `mangleProps`), consistently across
 * AniSync's own code. Left out: `now`, `clockSync` and `timer`, which are also option or object
 * keys. test/unit/client-build.test.ts checks this list against client/.
 */
export const PRIVATE_MEMBERS = [
  ...["joinAs", "options", "events", "current", "lastWelcome", "closed", "finished", "online"],
  ...["clockLoop", "rejoins", "probes", "adopt", "lost", "probeMoved", "dropped", "joinAgain", "finish"],
  ...["window", "counter", "everSynced", "estimateFromWindow", "o", "epoch", "sample"],
  ...["wait", "sleep", "listeners", "windowMs", "pending"],
] as const;

/** The no-bundler build: the SDK with @colyseus/sdk inside, minified, with a linked source map. */
export async function browserBundle(): Promise<BuiltFile> {
  // AniSync's code minified on its own (its private members renamed), with an inline source map
  // that the second step carries through to the original sources
  // (as if at client/own.js: its map's paths and its import of @colyseus/sdk resolve from there)
  const own = await bundle({
    file: "own.js",
    dir: CLIENT_DIR,
    inlineMap: true,
    minify: true,
    platform: "neutral",
    external: ["@colyseus/sdk"],
  });
  return bundle({
    file: BROWSER_FILE,
    minify: true,
    platform: "browser",
    external: [],
    stdin: { contents: own.code, resolveDir: CLIENT_DIR, sourcefile: "own.js", loader: "js" },
  });
}

/**
 * The npm build: the SDK's own code; @colyseus/sdk stays an import (the package's dependency).
 * `minify` only for measuring (loadtest/client-size.ts), as in the no-bundler file: the package
 * ships it readable.
 */
export async function packageModule(minify = false): Promise<BuiltFile> {
  return bundle({ file: "index.js", minify, platform: "neutral", external: ["@colyseus/sdk"] });
}

interface BundleOptions {
  file: string;
  minify: boolean;
  platform: "browser" | "neutral";
  external: string[];
  /** bundle this module instead of client/index.ts */
  stdin?: { contents: string; resolveDir: string; sourcefile: string; loader: "js" };
  /** where the output would be written (its map's paths are relative to it); default client/dist */
  dir?: string;
  /** the source map inside the code (for a further step), not linked */
  inlineMap?: boolean;
}

async function bundle(o: BundleOptions): Promise<BuiltFile> {
  const esbuild = await import("esbuild");
  const sourcemap = o.inlineMap ? "inline" : "linked";
  try {
    const result = await esbuild.build({
      ...(o.stdin ? { stdin: o.stdin } : { entryPoints: [ENTRY] }),
      bundle: true,
      format: "esm",
      platform: o.platform,
      // the SDK's own packages are ES modules; "neutral" would otherwise look only at "main"
      mainFields: ["module", "main"],
      target: "es2022",
      minify: o.minify,
      // only in a build of AniSync's own code (@colyseus/sdk external): the bundling step has none
      ...(o.minify && !o.stdin ? { mangleProps: new RegExp(`^(${PRIVATE_MEMBERS.join("|")})$`) } : {}),
      external: o.external,
      sourcemap,
      sourcesContent: true,
      legalComments: "none",
      // the output's path decides the map's name and its relative source paths
      outfile: path.join(o.dir ?? DIST_DIR, o.file),
      write: false,
      logLevel: "silent",
    });
    const code = result.outputFiles.find((f) => f.path.endsWith(".js"));
    const map = result.outputFiles.find((f) => f.path.endsWith(".js.map"));
    if (!code || (!map && sourcemap === "linked")) throw new Error(`esbuild gave no ${o.file} and map`);
    return { code: code.text, map: map?.text ?? "" };
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
