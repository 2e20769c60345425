/**
 * `npm run bench:client-size`: what the client package weighs in a page, minified and gzipped (zlib's
 * default level, as a server compresses): AniSync's own code (the npm build minified, @colyseus/sdk
 * left out) and the no-bundler file with @colyseus/sdk inside (served at /sdk/<version>/anisync-client.js).
 * Goals (issue 25): AniSync's part ≤ 15 kB gzipped; the whole no bigger than the demo page's bundle
 * before the package (187,428 bytes minified, 60,352 gzipped).
 */
import { gzipSync } from "node:zlib";
import { cpus } from "node:os";
import { browserBundle, clientVersion, packageModule } from "../scripts/build-client.ts";

const BEFORE_GZIP_BYTES = 60_352;
const OWN_GOAL_GZIP_BYTES = 15_000;

function row(name: string, code: string): number {
  const bytes = Buffer.byteLength(code);
  const gz = gzipSync(code).length;
  const kB = (n: number) => `${(n / 1000).toFixed(1)} kB (${n.toLocaleString("en")} B)`;
  console.log(`${name.padEnd(44)} minified ${kB(bytes).padEnd(22)} gzipped ${kB(gz)}`);
  return gz;
}

console.log(
  `@anisync/client ${clientVersion()} · Node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
);
const own = row("AniSync's own code (without @colyseus/sdk)", (await packageModule(true)).code);
const all = row("with @colyseus/sdk (anisync-client.js)", (await browserBundle()).code);
console.log(`@colyseus/sdk and its dependencies: ${(all - own).toLocaleString("en")} B gzipped`);
const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
console.log(
  `goals: own part ≤ ${OWN_GOAL_GZIP_BYTES.toLocaleString("en")} B gzipped: ${verdict(own <= OWN_GOAL_GZIP_BYTES)}; ` +
    `whole ≤ ${BEFORE_GZIP_BYTES.toLocaleString("en")} B (before the package): ${verdict(all <= BEFORE_GZIP_BYTES)} (${all - BEFORE_GZIP_BYTES >= 0 ? "+" : ""}${all - BEFORE_GZIP_BYTES} B)`,
);
