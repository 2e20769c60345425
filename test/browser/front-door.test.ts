/**
 * Issue 15, "Done when": the demo site as a front door. A lobby of live public parties (three
 * public rooms and one private room open), a fourth appearing without a reload, the anime filter,
 * one click to join and follow the host's video, deep links in fresh browsers, the episode thread
 * with its spoiler slider, and axe-core on lobby, room and thread, on a phone and a desktop.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { WatchParty } from "../../client/index.ts";
import { server, uid, type Harness } from "../helpers/server.ts";
import { launchChromium, skipWithoutChromium } from "../helpers/browser.ts";
import { axeFindings, isSerious, summary } from "../helpers/axe.ts";

const ARTIFACTS = "test/browser/artifacts";
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 860 } };

describe("the front door: lobby, deep links and episode threads, as a visitor uses them", function () {
  this.timeout(90_000);
  let h: Harness;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const parties: WatchParty[] = [];
  const frieren = uid("frieren");
  const apothecary = uid("apothecary");
  let rooms: { one: WatchParty; two: WatchParty; three: WatchParty; secret: WatchParty };

  /** A party opened elsewhere (the SDK in this process), with the test video. */
  async function open(over: Record<string, unknown>, username = "Hana"): Promise<WatchParty> {
    const party = await WatchParty.create(h.baseUrl, {
      title: "Friday night",
      anime_id: frieren,
      anime_title: "Frieren",
      episode_number: 3,
      video_url: `${h.baseUrl}/media/test.webm`,
      host_user_id: uid("host"),
      host_username: username,
      is_public: true,
      ...over,
    });
    parties.push(party);
    return party;
  }

  async function page(device: typeof PHONE | typeof DESKTOP = DESKTOP): Promise<Page> {
    const ctx = await browser.newContext(device);
    contexts.push(ctx);
    const p = await ctx.newPage();
    p.on("pageerror", (e) => assert.fail(`page error: ${e.message}`));
    return p;
  }

  const row = (p: Page, roomId: string) => p.locator(`#rooms li[data-room-id="${roomId}"]`);
  const listedIds = (p: Page) =>
    p.$$eval("#rooms li[data-room-id]", (lis) => lis.map((li) => (li as HTMLElement).dataset.roomId!));

  before(function () {
    skipWithoutChromium(this);
  });
  before(async () => {
    h = await server();
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
    const one = await open({ title: "Frieren marathon 0" });
    const two = await open({ title: "Frieren marathon 1", episode_number: 4 }, "Fern");
    const guest = await WatchParty.join(h.baseUrl, two.roomId, { user_id: uid("u"), username: "Stark" });
    parties.push(guest);
    const three = await open({ title: "Frieren marathon 2", episode_number: 5 }, "Himmel");
    const secret = await open({ title: "Secret screening", is_public: false }, "Serie");
    rooms = { one, two, three, secret };
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    for (const p of parties) await p.leave().catch(() => undefined);
  });

  it("lists the public parties with anime, episode, members, host and playback; never the private one; a new one appears without a reload", async () => {
    const p = await page();
    await p.goto(h.baseUrl);
    const { one, two, three, secret } = rooms;
    for (const r of [one, two, three]) await row(p, r.roomId).waitFor();
    assert.match(await row(p, one.roomId).innerText(), /Frieren marathon 0/);
    assert.match(await row(p, one.roomId).innerText(), /Frieren\s*·\s*Episode 3/);
    assert.match(await row(p, two.roomId).innerText(), /Episode 4/);
    assert.match(await row(p, three.roomId).innerText(), /Episode 5/);
    assert.match(await row(p, one.roomId).locator(".room-members").innerText(), /^1 watching$/);
    assert.match(await row(p, two.roomId).locator(".room-members").innerText(), /^2 watching$/);
    assert.match(await row(p, two.roomId).locator(".room-host").innerText(), /Fern/);
    assert.match(await row(p, one.roomId).locator(".room-playback").innerText(), /Paused at 0:00/);
    assert.ok(!(await listedIds(p)).includes(secret.roomId), "the private room is not listed");

    await p.evaluate(() => ((window as any).__sameDocument = true));
    const four = await open({ title: "Apothecary night", anime_id: apothecary, anime_title: "Apothecary" });
    await row(p, four.roomId).waitFor({ timeout: 10_000 });
    assert.equal(await p.evaluate(() => (window as any).__sameDocument), true, "no reload");
    assert.match(await row(p, four.roomId).innerText(), /Apothecary\s*·\s*Episode 3/);
  });

  it("says what to do when no party is listed, and when the listing fails (then recovers by itself)", async () => {
    const p = await page(PHONE);
    let answer: "empty" | "fail" | "real" = "empty";
    await p.route("**/api/rooms?*", (r) => {
      if (answer === "real") return r.continue();
      if (answer === "fail") return r.fulfill({ status: 503, body: "" });
      return r.fulfill({ json: { data: [], next_cursor: null } });
    });
    await p.goto(h.baseUrl);
    await p.waitForSelector("#rooms-empty:not(.hidden)");
    assert.match((await p.textContent("#rooms-empty"))!, /Start one below/);
    answer = "fail";
    await p.waitForFunction(() =>
      /try|trying again/i.test(document.getElementById("rooms-error")!.textContent!),
    );
    assert.match((await p.textContent("#rooms-error"))!, /join by id/);
    answer = "real";
    await row(p, rooms.one.roomId).waitFor({ timeout: 10_000 });
    assert.equal(await p.textContent("#rooms-error"), "");
  });

  it("filtering by anime narrows the list, and fullest first puts the busiest party first", async () => {
    const p = await page(PHONE);
    await p.goto(h.baseUrl);
    const apothecaryRoom = parties.find((x) => x.state.anime_id === apothecary)!;
    await row(p, apothecaryRoom.roomId).waitFor();
    await p.selectOption("#anime-filter", frieren);
    await row(p, apothecaryRoom.roomId).waitFor({ state: "detached" });
    const ids = await listedIds(p);
    const ours = [rooms.one, rooms.two, rooms.three].map((r) => r.roomId);
    assert.deepEqual(ids, [...ours].reverse(), "only Frieren's parties, newest first");

    await p.selectOption("#room-order", "fullest");
    await p.waitForFunction(
      (first) => document.querySelector("#rooms li[data-room-id]")?.getAttribute("data-room-id") === first,
      rooms.two.roomId,
    );
    await p.selectOption("#anime-filter", "");
    await row(p, apothecaryRoom.roomId).waitFor();
  });

  it("one click joins and the video follows the host; back leaves the room; reload rejoins the same seat", async () => {
    const { one } = rooms;
    one.control("seek", 20);
    one.control("play", 20);
    const p = await page();
    await p.goto(h.baseUrl);
    await p.fill("#join-form [name=username]", "Visitor");
    await row(p, one.roomId).locator("button.join").click();
    await p.waitForSelector("#party:not(.hidden)");
    assert.equal(new URL(p.url()).pathname, `/r/${one.roomId}`);
    await p.waitForFunction(() => {
      const v = document.querySelector("video")!;
      return !v.paused && v.currentTime > 20;
    });
    // the player may start a little behind and catch up (a seek or a faster rate): within seconds
    // of starting it is on the host's position, as a viewer would see
    let gap = Infinity;
    await waitUntilAsync(async () => {
      const currentTime = await p.evaluate(() => document.querySelector("video")!.currentTime);
      gap = Math.abs(currentTime - one.expectedPosition());
      return gap < 0.5;
    }, "the video follows the host").catch((err: Error) => {
      // a timeout says how far apart they stayed; anything else (the page went away) as it is
      if (!err.message.startsWith("timed out")) throw err;
      assert.fail(`the video follows the host (${gap.toFixed(3)} s apart)`);
    });
    await p.waitForFunction(() =>
      /in sync|drifting/i.test(document.getElementById("sync-status")!.textContent!),
    );
    const me = (await p.getAttribute("#me", "data-user-id"))!;
    assert.ok(one.state.members.has(me));

    await p.goBack();
    await p.waitForSelector("#lobby:not(.hidden)");
    assert.equal(new URL(p.url()).pathname, "/");
    await waitUntil(() => !one.state.members.has(me), "the visitor left the room");

    await p.goForward();
    await p.waitForSelector("#party:not(.hidden)");
    await waitUntil(() => one.state.members.get(me)?.connected === true, "back in the room");
    await p.reload();
    await p.waitForSelector("#party:not(.hidden)");
    assert.equal(await p.getAttribute("#me", "data-user-id"), me, "the same user after a reload");
    await waitUntil(() => one.state.members.get(me)?.connected === true, "reconnected");
    assert.equal(one.state.members.size, 2, "the same seat, not a second one");
    await p.click("#leave");
    await p.waitForSelector("#lobby:not(.hidden)");
  });

  it("works from the keyboard: Tab reaches a party's Join with a visible focus ring, Enter joins, Enter comments", async () => {
    const p = await page();
    await p.goto(h.baseUrl);
    const join = row(p, rooms.three.roomId).locator("button.join");
    await join.waitFor();
    for (let i = 0; i < 60 && !(await join.evaluate((b) => b === document.activeElement)); i++) {
      await p.keyboard.press("Tab");
      const ring = await p.evaluate(() => {
        const style = getComputedStyle(document.activeElement!);
        return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
      });
      assert.ok(ring, `a visible focus ring on ${await p.evaluate(() => document.activeElement!.outerHTML)}`);
    }
    assert.ok(await join.evaluate((b) => b === document.activeElement), "Tab reaches the Join button");
    await p.keyboard.press("Enter");
    await p.waitForSelector("#party:not(.hidden)");
    await p.focus("#comment-form [name=message]");
    await p.keyboard.type("typed, not clicked");
    await p.keyboard.press("Enter");
    await p.waitForFunction(() =>
      [...document.querySelectorAll("#comments .msg")].some((m) => m.textContent === "typed, not clicked"),
    );
    await p.click("#leave");
  });

  it("/r/<id> opens a public party in a fresh browser; a private one asks for its key", async () => {
    const p = await page(PHONE);
    await p.goto(`${h.baseUrl}/r/${rooms.three.roomId}`);
    await p.waitForSelector("#party:not(.hidden)");
    assert.equal(await p.textContent("#room-title"), "Frieren marathon 2");

    const q = await page();
    const joins: string[] = [];
    q.on("request", (r) => r.url().includes("/matchmake/") && joins.push(r.url()));
    await q.goto(`${h.baseUrl}/r/${rooms.secret.roomId}`);
    await q.waitForSelector("#key-form:not(.hidden)");
    assert.equal(await q.isVisible("#party"), false);
    assert.deepEqual(joins, [], "no keyless join is tried (it would count as a wrong key)");
    await q.fill("#key-form [name=access_key]", "000000" === rooms.secret.accessKey ? "111111" : "000000");
    await q.click("#key-form button[type=submit]");
    await q.waitForFunction(() => /key/i.test(document.getElementById("key-error")!.textContent!));
    await q.fill("#key-form [name=access_key]", rooms.secret.accessKey!);
    await q.click("#key-form button[type=submit]");
    await q.waitForSelector("#party:not(.hidden)");
    assert.equal(await q.textContent("#room-title"), "Secret screening");
    await p.click("#leave");
    await q.click("#leave");
  });

  it("/a/<anime>/<episode> shows the thread with timestamps; the spoiler slider hides later comments; more pages load", async () => {
    const one = rooms.one;
    const stamps = [30, 400, 900];
    for (const [i, s] of stamps.entries()) one.comment({ message: `at ${s} s #${i}`, video_timestamp: s });
    for (let i = 0; i < 22; i++) one.comment({ message: `filler ${i}`, video_timestamp: 5 });
    await waitUntilAsync(async () => {
      const res = await fetch(`${h.baseUrl}/api/comments?anime_id=${frieren}&episode_number=3&limit=100`);
      return ((await res.json()).data.comments.length as number) >= 25;
    }, "comments stored");

    const p = await page();
    await p.goto(`${h.baseUrl}/a/${frieren}/3`);
    await p.waitForSelector("#thread:not(.hidden)");
    await p.waitForSelector("#thread-comments li[data-comment-id]");
    assert.match((await p.textContent("#thread-title"))!, /Episode 3/);
    // the first page holds 20; the rest come with "Load more"
    await p.click("#thread-more");
    await p.waitForFunction(
      () => document.querySelectorAll("#thread-comments li[data-comment-id]").length >= 25,
    );
    assert.equal(await p.isVisible("#thread-more"), false, "no more pages");
    const texts = () => p.$$eval("#thread-comments .msg", (ms) => ms.map((m) => m.textContent));
    assert.ok((await texts()).includes("at 900 s #2"));
    assert.match(await p.locator("#thread-comments li", { hasText: "at 400 s" }).innerText(), /6:40/);

    await p.fill("#spoiler", "600");
    await p.waitForFunction(() => /10:00/.test(document.getElementById("spoiler-value")!.textContent!));
    await p.waitForFunction(
      () =>
        ![...document.querySelectorAll("#thread-comments .msg")].some((m) => m.textContent === "at 900 s #2"),
    );
    const shown = await texts();
    assert.ok(shown.includes("at 30 s #0") && shown.includes("at 400 s #1"), "earlier comments stay");
  });

  it("the create form remembers anime and episode, and refuses a video that does not load", async () => {
    const p = await page();
    await p.goto(h.baseUrl);
    await p.fill("#create-form [name=anime_id]", apothecary);
    await p.fill("#create-form [name=anime_title]", "Apothecary");
    await p.fill("#create-form [name=episode_number]", "7");
    await p.fill("#create-form [name=video_url]", `${h.baseUrl}/media/missing.webm`);
    await p.click("#create-form button[type=submit]");
    await p.waitForFunction(() => /video/i.test(document.getElementById("video-check")!.textContent!));
    assert.equal(await p.isVisible("#party"), false, "no room is created");

    await p.fill("#create-form [name=video_url]", `${h.baseUrl}/media/test.webm`);
    await p.click("#create-form button[type=submit]");
    await p.waitForSelector("#party:not(.hidden)");
    await p.click("#leave");
    await p.waitForSelector("#lobby:not(.hidden)");
    await p.reload();
    assert.equal(await p.inputValue("#create-form [name=anime_id]"), apothecary);
    assert.equal(await p.inputValue("#create-form [name=anime_title]"), "Apothecary");
    assert.equal(await p.inputValue("#create-form [name=episode_number]"), "7");
  });

  it("axe-core finds no serious or critical violation on lobby, room and thread, on a phone and a desktop", async () => {
    const report: string[] = [];
    rooms.one.comment({ message: "so the room and thread have comments", video_timestamp: 1 });
    for (const [device, settings] of [
      ["phone", PHONE],
      ["desktop", DESKTOP],
    ] as const) {
      const p = await page(settings);
      const check = async (name: string) => {
        const findings = await axeFindings(p);
        report.push(`${name} (${device}): ${summary(findings)}`);
        await p.screenshot({ path: `${ARTIFACTS}/front-door-${name}-${device}.png`, fullPage: true });
        assert.deepEqual(findings.filter(isSerious), [], `${name} on a ${device}`);
      };
      await p.goto(h.baseUrl);
      await row(p, rooms.one.roomId).waitFor();
      await check("lobby");
      await row(p, rooms.one.roomId).locator("button.join").click();
      await p.waitForSelector("#party:not(.hidden)");
      await p.waitForSelector("#comments li");
      await check("room");
      await p.click("#leave");
      await p.goto(`${h.baseUrl}/r/${rooms.secret.roomId}`);
      await p.waitForSelector("#key-form:not(.hidden)");
      await check("key-prompt");
      await p.goto(`${h.baseUrl}/a/${frieren}/3`);
      await p.waitForSelector("#thread-comments li[data-comment-id]");
      await check("thread");
    }
    console.log(`      axe: ${report.join("\n      axe: ")}`);
  });
});

async function waitUntil(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  return waitUntilAsync(async () => check(), what, timeoutMs);
}

async function waitUntilAsync(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
