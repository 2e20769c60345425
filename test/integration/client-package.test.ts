/**
 * The client package as a site gets it: packed with `npm pack`, installed from the tarball into a
 * fresh project outside this repository (so nothing resolves to the repository's sources; its one
 * dependency, @colyseus/sdk, comes from npm's cache or registry), then used there from a Node ES
 * module and type-checked with `tsc --strict`.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { access, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { WatchParty } from "../../client/index.ts";
import { buildClient, CLIENT_DIR, clientVersion } from "../../scripts/build-client.ts";
import { createOptions, server, uid, type Harness } from "../helpers/server.ts";

const run = promisify(execFile);
const TSC = path.resolve("node_modules/typescript/bin/tsc");

/** A site's script: joins the room given on the command line, then reports when it follows a seek. */
const FOLLOWER = `
import { WatchParty } from "@anisync/client";
const [endpoint, roomId, userId] = process.argv.slice(2);
const party = await WatchParty.join(endpoint, roomId, { user_id: userId, username: "Site" });
console.log(JSON.stringify({ joined: party.roomId, clockSynced: party.clockSynced }));
party.on("state", (s) => {
  if (s.playback.position !== 42) return;
  console.log(JSON.stringify({ position: s.playback.position, expected: party.expectedPosition() }));
  party.leave().then(() => process.exit(0));
});
`;

/** What the site's Node resolves each entry point to (file URLs), as JSON on stdout. */
const RESOLVE = `
const entries = ["@anisync/client", "@anisync/client/browser", "@anisync/client/package.json", "@colyseus/sdk"];
console.log(JSON.stringify(Object.fromEntries(entries.map((e) => [e, import.meta.resolve(e)]))));
`;

/** A site's TypeScript on the public API; tsc --strict must accept it. */
const TYPED = `
import { WatchParty, attach, expectedPosition, type CreateOptions, type WatchPartyState } from "@anisync/client";
import { WatchParty as BrowserParty } from "@anisync/client/browser";
export const same: typeof WatchParty.join = BrowserParty.join;
const options: CreateOptions = {
  title: "Friday night", anime_id: "frieren", anime_title: "Frieren", episode_number: 3,
  video_url: "https://videos.example/frieren-03.m3u8", host_username: "Hana",
};
export async function host(video: HTMLVideoElement): Promise<() => void> {
  const party = await WatchParty.create("https://anisync.example", options);
  party.on("state", (s: WatchPartyState) => console.log(s.playback.position, s.members.size));
  party.on("error", (e) => console.warn(e.code, e.message));
  party.control("seek", 42);
  const at: number = expectedPosition(party.state.playback, party.serverNow());
  console.log(at, party.isHost, party.accessKey?.length);
  return attach(party, video, { onAutoplayBlocked: () => undefined });
}
`;

/** The same API misused: tsc must refuse it (the declarations are real types, not \`any\`). */
const MISTYPED = `
import { WatchParty } from "@anisync/client";
export function jump(party: WatchParty): void {
  party.control("jump", "42");
}
`;

const COMPILER_OPTIONS = {
  target: "ES2022",
  module: "nodenext",
  moduleResolution: "nodenext",
  lib: ["ES2022", "DOM"],
  types: [],
  noEmit: true,
  strict: true,
  // @colyseus/sdk 0.18's own declarations do not compile on their own (client/README.md "TypeScript")
  skipLibCheck: true,
};

describe("the client package, packed and installed into a fresh project", function () {
  this.timeout(180_000);
  let h: Harness;
  let dir: string;
  let site: string;

  before(async () => {
    h = await server();
    await buildClient();
    dir = await mkdtemp(path.join(tmpdir(), "anisync-package-"));
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: CLIENT_DIR });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    const files = packed!.files.map((f) => f.path);
    assert.ok(files.includes("dist/index.js") && files.includes("dist/types/client/index.d.ts"));
    assert.deepEqual(
      files.filter((f) => !f.startsWith("dist/")).sort(),
      ["CHANGELOG.md", "README.md", "package.json"],
      "only the build, the README, the changelog and package.json",
    );
    site = path.join(dir, "site");
    await mkdir(site);
    await writeFile(
      path.join(site, "package.json"),
      JSON.stringify({ name: "site", private: true, type: "module" }),
    );
    await run(
      "npm",
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        path.join(dir, packed!.filename),
      ],
      { cwd: site },
    );
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("installs its build and declarations, and no TypeScript sources", async () => {
    const installed = await readdir(path.join(site, "node_modules", "@anisync", "client", "dist"));
    assert.ok(installed.includes("anisync-client.js") && installed.includes("index.js"));
    assert.ok(
      !installed.some((f) => f.endsWith(".ts")),
      "no TypeScript sources, only declarations under types/",
    );
  });

  it("its package.json points a site at files that exist there: both entry points, their types, its dependency", async () => {
    const installed = path.join(site, "node_modules", "@anisync", "client");
    const pkg = JSON.parse(await readFile(path.join(installed, "package.json"), "utf8"));
    assert.equal(pkg.version, clientVersion(), "the version the server serves under /sdk/<version>/");
    assert.equal(pkg.type, "module");
    assert.equal(pkg.sideEffects, false);
    assert.ok(pkg.license, "a license field (npm warns without one)");
    assert.match(pkg.engines.node, /^>=\d+$/);
    assert.ok(Number(process.versions.node.split(".")[0]) >= Number(pkg.engines.node.slice(2)));
    assert.ok(pkg.dependencies["@colyseus/sdk"], "@colyseus/sdk comes along");
    const targets = [
      pkg.types,
      ...[".", "./browser"].flatMap((e) => [pkg.exports[e].types, pkg.exports[e].import]),
    ];
    for (const target of targets) await access(path.join(installed, target)); // throws if missing
    await writeFile(path.join(site, "resolve.mjs"), RESOLVE);
    const { stdout } = await run(process.execPath, ["resolve.mjs"], { cwd: site });
    const resolved = JSON.parse(stdout) as Record<string, string>;
    assert.equal(fileURLToPath(resolved["@anisync/client"]!), path.join(installed, pkg.exports["."].import));
    assert.equal(
      fileURLToPath(resolved["@anisync/client/browser"]!),
      path.join(installed, pkg.exports["./browser"].import),
    );
    for (const file of Object.values(resolved)) {
      assert.ok(
        fileURLToPath(file).startsWith(path.join(site, "node_modules")),
        `${file} is inside the site`,
      );
      await access(fileURLToPath(file));
    }
  });

  it("a Node ES module there joins a room of the running server and follows the host's seek", async () => {
    const host = await WatchParty.create(h.baseUrl, createOptions());
    await writeFile(path.join(site, "follow.mjs"), FOLLOWER);
    const child = spawn(process.execPath, ["follow.mjs", h.baseUrl, host.roomId, uid("site")], {
      cwd: site,
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const joined = JSON.parse((await lines.next()).value as string);
      assert.deepEqual(joined, { joined: host.roomId, clockSynced: true });
      host.control("seek", 42);
      const followed = JSON.parse((await lines.next()).value as string);
      assert.equal(followed.position, 42);
      assert.ok(Math.abs(followed.expected - 42) < 0.5, `expected position ${followed.expected}`);
      const code = await new Promise((resolve) => child.once("exit", resolve));
      assert.equal(code, 0);
    } finally {
      child.kill();
      await host.leave();
    }
  });

  it("tsc --strict accepts a TypeScript file on the public API, and refuses a misuse", async () => {
    await writeFile(path.join(site, "site.ts"), TYPED);
    await writeFile(path.join(site, "mistyped.ts"), MISTYPED);
    const config = (file: string) => JSON.stringify({ compilerOptions: COMPILER_OPTIONS, files: [file] });
    await writeFile(path.join(site, "tsconfig.json"), config("site.ts"));
    await writeFile(path.join(site, "tsconfig.mistyped.json"), config("mistyped.ts"));
    await run(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: site });
    const refused = await run(process.execPath, [TSC, "-p", "tsconfig.mistyped.json"], { cwd: site }).then(
      () => "",
      (err: { stdout: string }) => err.stdout,
    );
    assert.match(refused, /mistyped\.ts\(4,17\): error TS2345: Argument of type '"jump"'/);
  });
});
