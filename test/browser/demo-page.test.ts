import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { chromiumSuite } from "../helpers/browser.ts";

describe("the demo page, as a person uses it", function () {
  this.timeout(60_000);
  const suite = chromiumSuite();

  it("creates a private room, a friend joins with the key, both are listed, a comment arrives", async () => {
    mkdirSync("test/browser/artifacts", { recursive: true });
    const hostCtx = await suite.newContext({ viewport: { width: 1100, height: 800 } });
    const guestCtx = await suite.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const host = await hostCtx.newPage();
    const guest = await guestCtx.newPage();
    const errors: string[] = [];
    for (const p of [host, guest]) p.on("pageerror", (e) => errors.push(e.message));

    await host.goto(suite.h.baseUrl);
    await host.fill("#create-form [name=username]", "Hana");
    await host.fill("#create-form [name=title]", "Frieren night <script>alert(1)</script>");
    await host.click("#create-form button");
    await host.waitForSelector("#party:not(.hidden)");
    const roomId = (await host.textContent("#room-id"))!.trim();
    const key = (await host.textContent("#room-key"))!.trim();
    assert.match(key, /^\d{6}$/);
    assert.equal(await host.textContent("#room-title"), "Frieren night <script>alert(1)</script>");

    await guest.goto(suite.h.baseUrl);
    await guest.fill("#join-form [name=username]", "Gus <b>bold</b>");
    await guest.fill("#join-form [name=room_id]", roomId);
    await guest.fill("#join-form [name=access_key]", key);
    await guest.click("#join-form button");
    await guest.waitForSelector("#party:not(.hidden)");

    const names = (p: Page) => p.$$eval("#members li b", (bs) => bs.map((b) => b.textContent));
    await host.waitForFunction(() => document.querySelectorAll("#members li").length === 2);
    assert.deepEqual(await names(host), ["Hana", "Gus <b>bold</b>"]);
    assert.deepEqual(await names(guest), ["Hana", "Gus <b>bold</b>"]);
    assert.equal(await guest.$("#members b b"), null, "user text is never parsed as HTML");

    await guest.fill("#comment-form [name=message]", "that scene <i>!</i>");
    await guest.click("#comment-form button");
    await host.waitForFunction(
      () => document.querySelector("#comments .msg")?.textContent === "that scene <i>!</i>",
    );
    assert.equal(await host.$("#comments i"), null);

    await guest.screenshot({ path: "test/browser/artifacts/demo-phone.png", fullPage: true });
    await host.screenshot({ path: "test/browser/artifacts/demo.png", fullPage: true });
    assert.deepEqual(errors, []);
    await guest.click("#leave");
    await host.click("#leave");
  });

  it("the owner copies an invite link; a second browser opens it and joins without the key", async () => {
    const ownerCtx = await suite.newContext({ viewport: { width: 1100, height: 800 } });
    const friendCtx = await suite.newContext({ viewport: { width: 390, height: 844 } });
    const owner = await ownerCtx.newPage();
    const friend = await friendCtx.newPage();
    const errors: string[] = [];
    for (const p of [owner, friend]) p.on("pageerror", (e) => errors.push(e.message));
    await owner.goto(suite.h.baseUrl);
    await owner.fill("#create-form [name=username]", "Olga");
    await owner.click("#create-form button");
    await owner.waitForSelector("#party:not(.hidden)");
    assert.match((await owner.textContent("#role"))!, /owner/);
    await owner.click("#invite-copy");
    const link = (await owner.textContent("#invite-link"))!.trim();
    assert.match(link, /\/\?room=[A-Za-z0-9_-]+#invite=[A-Za-z0-9_-]{22,}$/);

    await friend.goto(link);
    await friend.waitForSelector("#party:not(.hidden)");
    await owner.waitForFunction(() => document.querySelectorAll("#members li").length === 2);
    assert.equal(await friend.textContent("#room-id"), await owner.textContent("#room-id"));
    assert.ok(
      !(await friend.evaluate(() => location.href)).includes("invite="),
      "the secret leaves the address bar",
    );
    assert.deepEqual(errors, []);
    await friend.click("#leave");
    await owner.click("#leave");
  });
});
