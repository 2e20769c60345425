import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { Client, type Room } from "@colyseus/sdk";
import { chromiumSuite } from "../helpers/browser.ts";
import { uid } from "../helpers/server.ts";

/**
 * The demo page in a big room (audience mode above the test server's AUDIENCE_MODE_ABOVE, 200):
 * on a phone, a member sees how many watch and how many are in sync, a short list, and
 * reactions as counts; when the room shrinks the full list is back.
 */
describe("the demo page in a big room, on a phone", function () {
  this.timeout(120_000);
  const suite = chromiumSuite();
  const crowd: Room<any>[] = [];
  after(() => {
    for (const m of crowd.splice(0)) void m.leave().catch(() => undefined);
  });
  const join = async (roomId: string, options: Record<string, unknown>) => {
    const room = await new Client(suite.h.baseUrl).joinById(roomId, options);
    room.reconnection.enabled = false;
    room.onMessage("*", () => {});
    return room;
  };

  it("shows the crowd's figures and a short list; reactions as counts; the full list when it shrinks", async () => {
    mkdirSync("test/browser/artifacts", { recursive: true });
    const ctx = await suite.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(suite.h.baseUrl);
    await page.fill("#create-form [name=username]", "Hana");
    await page.fill("#create-form [name=title]", "Premiere night");
    await page.click("#create-form button");
    await page.waitForSelector("#party:not(.hidden)");
    const roomId = (await page.textContent("#room-id"))!.trim();
    const key = (await page.textContent("#room-key"))?.trim() || undefined;

    const threshold = suite.h.config.AUDIENCE_MODE_ABOVE;
    for (let batch = 0; crowd.length < threshold + 20; batch++)
      crowd.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            join(roomId, {
              user_id: uid(`crowd${batch}-${i}`),
              username: `Viewer ${batch * 20 + i}`,
              ...(key ? { access_key: key } : {}),
            }),
          ),
        )),
      );
    const total = crowd.length + 1;
    await page.waitForFunction(
      (n) => document.querySelector("#members-summary")?.textContent?.startsWith(`${n} members watching`),
      total.toLocaleString("en"),
      { timeout: 10_000 },
    );
    const listed = await page.$$eval("#members li", (lis) => lis.length);
    assert.ok(listed <= suite.h.config.AUDIENCE_VISIBLE_MAX, `${listed} listed`);
    assert.deepEqual(await page.$$eval("#members li b", (bs) => bs.map((b) => b.textContent)), ["Hana"]);

    // reactions from the crowd arrive as one line of counts
    for (const m of crowd.slice(0, 12)) m.send("reaction", { emoji: "🔥", video_timestamp: 1 });
    await page.waitForFunction(
      () => /🔥 ×\d+ in the last second/.test(document.querySelector("#group-reactions")?.textContent ?? ""),
      undefined,
      { timeout: 5000 },
    );
    await page.screenshot({ path: "test/browser/artifacts/big-room-phone.png", fullPage: true });

    // the room shrinks below 90 % of the threshold: everyone is listed again
    const leaving = crowd.splice(0, total - Math.floor(threshold * 0.9));
    for (const m of leaving) void m.leave();
    const left = crowd.length + 1;
    await page.waitForFunction((n) => document.querySelectorAll("#members li").length === n, left, {
      timeout: 10_000,
    });
    assert.equal(await page.isHidden("#members-summary"), true);
    assert.deepEqual(errors, []);
    await page.click("#leave");
  });
});
