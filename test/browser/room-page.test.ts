/**
 * Issue 14, parts 3 and 4 (the room page half): `/s/<room_id>` shows a room's stats and its
 * episode's 30 s hot moments as uPlot charts, with the values also in the DOM; the top moments
 * link to the party at their time; a private room's page is for its members only. Checked against
 * the API's own answers at phone and desktop width, with screenshots as artifacts.
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

interface Bucket {
  start_s: number;
  comments: number;
  reactions: number;
}

async function waitUntilAsync(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the room page /s/<room_id>: stats and hot moments as charts", function () {
  this.timeout(90_000);
  let h: Harness;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const parties: WatchParty[] = [];
  const anime = uid("roompage");
  let host: WatchParty;
  let secret: WatchParty;

  async function open(over: Record<string, unknown> = {}): Promise<WatchParty> {
    const party = await WatchParty.create(h.baseUrl, {
      title: "Stats night",
      anime_id: anime,
      anime_title: "Room page",
      episode_number: 2,
      video_url: `${h.baseUrl}/media/test.webm`,
      host_user_id: uid("host"),
      host_username: "Hana",
      is_public: true,
      ...over,
    });
    parties.push(party);
    return party;
  }

  async function page(device: typeof PHONE | typeof DESKTOP, init?: () => void): Promise<Page> {
    const ctx = await browser.newContext(device);
    contexts.push(ctx);
    const p = await ctx.newPage();
    if (init) await p.addInitScript(init);
    p.on("pageerror", (e) => assert.fail(`page error: ${e.message}`));
    return p;
  }

  const episodeHistory = async () => {
    const res = await fetch(`${h.baseUrl}/api/comments/history?anime_id=${anime}&episode_number=2`);
    return (await res.json()).data as { hot_moments: { bucket_s: number; buckets: Bucket[] } };
  };

  before(function () {
    skipWithoutChromium(this);
  });
  before(async () => {
    h = await server();
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
    host = await open();
    const member = await WatchParty.join(h.baseUrl, host.roomId, { user_id: uid("u"), username: "Stark" });
    parties.push(member);
    host.comment({ message: "the opening", video_timestamp: 10 });
    member.comment({ message: "here it comes", video_timestamp: 40 });
    host.comment({ message: "that scene", video_timestamp: 45 });
    member.react("🔥", 41);
    member.react("🔥", 41);
    await waitUntilAsync(async () => {
      const b = (await episodeHistory()).hot_moments.buckets;
      const at30 = b.find((x) => x.start_s === 30);
      return at30?.comments === 2 && at30.reactions === 2 && b.find((x) => x.start_s === 0)?.comments === 1;
    }, "comments and reactions in the history");
    secret = await open({ title: "Secret stats", is_public: false });
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    for (const p of parties) await p.leave().catch(() => undefined);
  });

  for (const [device, settings] of [
    ["phone", PHONE],
    ["desktop", DESKTOP],
  ] as const) {
    it(`shows the API's stats and hot moments, in the DOM and in uPlot's data (${device})`, async () => {
      const p = await page(settings);
      await p.goto(`${h.baseUrl}/s/${host.roomId}`);
      await p.waitForSelector("#room-stats:not(.hidden)");
      await p.waitForSelector("#stat-figures [data-stat=comments]");
      await p.waitForSelector("#hot-table tbody tr");

      const stats = (await (await fetch(`${h.baseUrl}/api/rooms/${host.roomId}/stats`)).json()).data;
      const figure = (name: string) =>
        p.getAttribute(`#stat-figures [data-stat=${name}]`, "data-value").then((v) => v ?? "");
      for (const name of ["current_members", "peak_members", "host_actions", "comments"])
        assert.equal(await figure(name), String(stats[name]), name);
      assert.equal(stats.comments, 3);
      assert.equal(stats.current_members, 2);
      assert.equal(await figure("in_sync_share"), String(stats.sync.in_sync_share ?? ""));
      assert.equal(await figure("median_abs_drift_s"), String(stats.sync.median_abs_drift_s ?? ""));
      assert.equal(await figure("p95_abs_drift_s"), String(stats.sync.p95_abs_drift_s ?? ""));

      const { buckets } = (await episodeHistory()).hot_moments;
      const rows = await p.$$eval("#hot-table tbody tr", (trs) =>
        trs.map((tr) => ({
          start_s: Number((tr as HTMLElement).dataset.start),
          comments: Number(tr.children[1]!.textContent),
          reactions: Number(tr.children[2]!.textContent),
        })),
      );
      assert.deepEqual(rows, buckets, "the hidden table holds the buckets");
      assert.deepEqual(
        rows.find((r) => r.start_s === 30),
        { start_s: 30, comments: 2, reactions: 2 },
      );
      assert.deepEqual(
        rows.find((r) => r.start_s === 0),
        { start_s: 0, comments: 1, reactions: 0 },
      );

      const charted = await p.evaluate(() => {
        const charts = (window as any).anisyncCharts;
        return { hot: charts.hot.data, stats: charts.stats.data };
      });
      assert.deepEqual(charted.hot, [
        buckets.map((b) => b.start_s),
        buckets.map((b) => b.comments),
        buckets.map((b) => b.reactions),
      ]);
      assert.deepEqual(charted.stats[1], [
        stats.current_members,
        stats.peak_members,
        stats.host_actions,
        stats.comments,
      ]);

      const top = p.locator("#top-moments a").first();
      assert.equal(await top.getAttribute("href"), `/r/${host.roomId}#t=30`);
      assert.match(await top.innerText(), /0:30/);
      assert.ok((await p.locator("#top-moments a").count()) <= 5);

      const findings = await axeFindings(p);
      console.log(`      axe: room page (${device}): ${summary(findings)}`);
      assert.deepEqual(findings.filter(isSerious), [], "axe: no serious or critical violation");

      // clientWidth, not innerWidth: a phone zooms out to a too wide page, and innerWidth grows with it
      const overflow = await p.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px too wide)`);
      await p.screenshot({ path: `${ARTIFACTS}/room-page-${device}.png`, fullPage: true });
    });
  }

  it("a moment link seeks the party when the host opens it, and tells a member the time", async () => {
    const p = await page(DESKTOP);
    await p.goto(h.baseUrl);
    await p.fill("#create-form [name=anime_id]", anime);
    await p.fill("#create-form [name=video_url]", `${h.baseUrl}/media/test.webm`);
    await p.uncheck("#create-form [name=private]");
    await p.click("#create-form button[type=submit]");
    await p.waitForSelector("#party:not(.hidden)");
    const roomId = (await p.textContent("#room-id"))!;
    await p.evaluate(() => history.replaceState(null, "", `${location.pathname}#t=30`));
    await p.reload();
    await p.waitForSelector("#party:not(.hidden)");
    await waitUntilAsync(async () => {
      const res = await fetch(`${h.baseUrl}/api/rooms/${roomId}/playback`);
      return Math.abs((await res.json()).data.position - 30) < 1;
    }, "the host's party seeks to 0:30");
    assert.equal(new URL(p.url()).hash, "", "the moment leaves the address");

    const q = await page(PHONE);
    await q.goto(`${h.baseUrl}/r/${roomId}#t=45`);
    await q.waitForFunction(() => /0:45/.test(document.getElementById("moment-note")!.textContent!));
    assert.match((await q.textContent("#moment-note"))!, /only the host/);
    await q.click("#leave");
    await p.click("#leave");
  });

  it("a private room's page says members only without a token, and shows the stats with one", async () => {
    const p = await page(PHONE);
    await p.goto(`${h.baseUrl}/s/${secret.roomId}`);
    await p.waitForFunction(() => /members only/i.test(document.getElementById("stats-error")!.textContent!));
    assert.equal(await p.isVisible("#stat-figures [data-stat=comments]"), false);

    const roomId = secret.roomId;
    const token = secret.memberToken;
    const q = await page(DESKTOP);
    await q.addInitScript(([id, t]) => sessionStorage.setItem(`anisync-member-${id}`, t!), [
      roomId,
      token,
    ] as const);
    await q.goto(`${h.baseUrl}/s/${roomId}`);
    await q.waitForSelector("#stat-figures [data-stat=current_members]");
    assert.equal(await q.getAttribute("#stat-figures [data-stat=current_members]", "data-value"), "1");
    assert.equal(await q.textContent("#stats-error"), "");
    // nobody reported playback in this room: the last hour says so, and its charts hold zeros and gaps
    await q.waitForSelector("#timeline-empty:not(.hidden)");
    const charted = await q.evaluate(() => {
      const charts = (window as any).anisyncCharts;
      return { members: charts.members.data[1], sync: charts.sync.data[1] };
    });
    assert.deepEqual(charted.members, Array(60).fill(0));
    assert.deepEqual(charted.sync, Array(60).fill(null));
    assert.equal(await q.locator("#timeline-table tbody tr").count(), 0);
  });
});
