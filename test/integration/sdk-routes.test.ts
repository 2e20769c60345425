import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { http, server, type Harness } from "../helpers/server.ts";

const VERSION = (JSON.parse(readFileSync("client/package.json", "utf8")) as { version: string }).version;

/** The client package's no-bundler build, served by every AniSync server at a versioned address. */
describe("GET /sdk/<version>/anisync-client.js", function () {
  this.timeout(30_000);
  let h: Harness;
  before(async () => {
    h = await server();
  });

  it("serves this version's ES module, cacheable forever and loadable from any origin, with its source map", async () => {
    const js = await http(h, "GET", `/sdk/${VERSION}/anisync-client.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /^text\/javascript/);
    assert.equal(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(js.headers.get("access-control-allow-origin"), "*");
    assert.match(js.body, /export\s*\{[^}]*WatchParty/);
    assert.match(js.body, /\/\/# sourceMappingURL=anisync-client\.js\.map\s*$/);

    const map = await http(h, "GET", `/sdk/${VERSION}/anisync-client.js.map`);
    assert.equal(map.status, 200);
    assert.equal(map.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(map.body.version, 3);
    assert.ok(map.body.sources.some((s: string) => s.endsWith("/watch-party.ts")));
  });

  it("the READMEs show the version this server serves", () => {
    for (const file of ["README.md", "client/README.md"]) {
      const shown = [...readFileSync(file, "utf8").matchAll(/\/sdk\/(\d[^/]*)\/anisync-client\.js/g)].map(
        (m) => m[1],
      );
      assert.ok(shown.length > 0, `${file} shows a versioned URL`);
      assert.deepEqual([...new Set(shown)], [VERSION], file);
    }
  });

  it("another version is not found", async () => {
    assert.equal((await http(h, "GET", "/sdk/0.0.0-nope/anisync-client.js")).status, 404);
    assert.equal((await http(h, "GET", `/sdk/${VERSION}/other.js`)).status, 404);
  });

  it("the demo page's old address redirects to the current version", async () => {
    const res = await fetch(`${h.baseUrl}/vendor/anisync-client.js`, { redirect: "manual" });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get("location"), `/sdk/${VERSION}/anisync-client.js`);
  });
});
