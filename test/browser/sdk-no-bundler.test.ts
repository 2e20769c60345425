import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { WatchParty } from "../../client/index.ts";
import { chromiumSuite } from "../helpers/browser.ts";
import { createOptions, eventually, uid } from "../helpers/server.ts";

const VERSION = (JSON.parse(readFileSync("client/package.json", "utf8")) as { version: string }).version;
/** a site of its own origin (one of the test server's ALLOWED_ORIGINS), served by the test itself */
const SITE = "https://friends.example";

/** The README's no-bundler page: a site's own page imports the SDK from the AniSync server's versioned URL. */
const page = (sdkUrl: string, endpoint: string, roomId: string, userId: string) => `<!doctype html>
<html><body><video muted></video>
<script type="module">
  import { WatchParty, attach } from "${sdkUrl}";
  const party = await WatchParty.join("${endpoint}", "${roomId}", { user_id: "${userId}", username: "Site" });
  attach(party, document.querySelector("video"));
  window.joined = { roomId: party.roomId, members: party.state.members.size };
</script></body></html>`;

describe("browser: a site's page loads the SDK from /sdk/<version>/ with no bundler and joins a party", function () {
  this.timeout(60_000);
  const suite = chromiumSuite();

  it("imports the module across origins and takes a seat", async () => {
    const host = await WatchParty.create(suite.h.baseUrl, createOptions());
    try {
      // the site is a public origin and the test server is on 127.0.0.1: Chromium asks the user
      // before a public page reaches the local network (a real site's AniSync server is public too)
      const ctx = await suite.newContext({ permissions: ["local-network-access"] });
      const sdkUrl = `${suite.h.baseUrl}/sdk/${VERSION}/anisync-client.js`;
      const html = page(sdkUrl, suite.h.baseUrl, host.roomId, uid("site"));
      await ctx.route(`${SITE}/`, (route) => route.fulfill({ contentType: "text/html", body: html }));
      const tab = await ctx.newPage();
      const errors: string[] = [];
      tab.on("pageerror", (e) => errors.push(e.message));
      const loaded: string[] = [];
      tab.on("response", (r) => loaded.push(`${r.status()} ${r.url()}`));
      await tab.goto(`${SITE}/`);
      tab.on("console", (m) => errors.push(`console: ${m.text()}`));
      const joined = await tab
        .waitForFunction(() => (window as any).joined, undefined, { timeout: 15_000 })
        .catch((err: unknown) => {
          throw new Error(`${String(err)}\n${errors.join("\n")}\n${loaded.join("\n")}`);
        });
      assert.deepEqual(await joined.jsonValue(), { roomId: host.roomId, members: 2 });
      assert.deepEqual(errors, []);
      assert.ok(
        loaded.includes(`200 ${sdkUrl}`),
        `the module came from the versioned URL: ${loaded.join(", ")}`,
      );
      await eventually(() => host.state.members.size === 2, 5000, "the site's member in the host's state");
    } finally {
      await host.leave();
    }
  });
});
