/**
 * Issue 14, part 4 (the last hour and the monitor): members join two rooms with the SDK and report
 * their playback; the room writes sync samples; the room page `/s/<room_id>` charts members and the
 * share in sync per minute, and its uPlot data and hidden table equal the API's timeline and the
 * stored rows; the monitor (basic auth) names both rooms and shows no key. Screenshots at phone and
 * desktop width go to test/browser/artifacts/.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { WatchParty } from "../../client/index.ts";
import type { TimelineBucket } from "../../schema/timeline.ts";
import { eventually, server, uid, type Harness } from "../helpers/server.ts";
import { launchChromium, skipWithoutChromium } from "../helpers/browser.ts";
import { axeFindings, isSerious, summary } from "../helpers/axe.ts";

const ARTIFACTS = "test/browser/artifacts";
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 800 } };
const DEVICES = [
  ["phone", PHONE],
  ["desktop", DESKTOP],
] as const;
const ADMIN = { username: "admin", password: "test-admin-password" };
const MINUTE = 60_000;

describe("the room page's last hour and the monitor, from a real run", function () {
  this.timeout(120_000);
  let h: Harness;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const parties: WatchParty[] = [];
  let open: WatchParty;
  let secret: WatchParty;
  const anime = uid("timeline");

  async function create(over: Record<string, unknown>): Promise<WatchParty> {
    const party = await WatchParty.create(h.baseUrl, {
      anime_id: anime,
      video_url: `${h.baseUrl}/media/test.webm`,
      host_user_id: uid("host"),
      host_username: "Hana",
      ...over,
    } as Parameters<typeof WatchParty.create>[1]);
    parties.push(party);
    return party;
  }

  async function page(device: typeof PHONE | typeof DESKTOP, opts: object = {}): Promise<Page> {
    const ctx = await browser.newContext({ ...device, ...opts });
    contexts.push(ctx);
    const p = await ctx.newPage();
    p.on("pageerror", (e) => assert.fail(`page error: ${e.message}`));
    return p;
  }

  /** The room's stored samples, as the database holds them. */
  async function storedSamples(roomId: string) {
    const { db } = h.app.services.database;
    return db.query.syncSamples.findMany({ where: (s, { eq }) => eq(s.room_id, roomId) });
  }

  before(function () {
    skipWithoutChromium(this);
  });
  before(async () => {
    h = await server();
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
    open = await create({
      title: "Timeline night",
      anime_title: "Planetes",
      episode_number: 4,
      is_public: true,
    });
    const members = await Promise.all(
      ["Ivo", "Jun"].map((username) =>
        WatchParty.join(h.baseUrl, open.roomId, { user_id: uid("m"), username }),
      ),
    );
    parties.push(...members);
    secret = await create({
      title: "Secret timeline",
      anime_title: "Haibane Renmei",
      episode_number: 9,
      is_public: false,
    });
    const friend = await WatchParty.join(h.baseUrl, secret.roomId, {
      user_id: uid("f"),
      username: "Kai",
      access_key: secret.accessKey,
    });
    parties.push(friend);

    // the room is paused at 0: the host is in sync, Ivo is 100 s ahead, Jun is buffering
    open.status({ current_time: 0, is_playing: false });
    members[0]!.status({ current_time: 100, is_playing: false });
    members[1]!.status({ current_time: 0, is_playing: false, buffering: true });
    secret.status({ current_time: 0, is_playing: false });
    friend.status({ current_time: 0, is_playing: false });
    await eventually(
      async () => (await storedSamples(open.roomId)).length === 3,
      10_000,
      "the open room's three samples stored",
    );
    await eventually(
      async () => (await storedSamples(secret.roomId)).length === 2,
      10_000,
      "the private room's two samples stored",
    );
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    for (const p of parties) await p.leave().catch(() => undefined);
  });

  for (const [device, settings] of DEVICES) {
    it(`charts members and the share in sync per minute as the API and the stored rows say (${device})`, async () => {
      const res = await fetch(`${h.baseUrl}/api/rooms/${open.roomId}/timeline`);
      const buckets = (await res.json()).data.buckets as TimelineBucket[];
      // the API's minutes are the stored rows': distinct members, last sample of the minute synced
      const rows = await storedSamples(open.roomId);
      for (const b of buckets) {
        const inMinute = rows.filter((r) => Math.floor(r.at.getTime() / MINUTE) * MINUTE === b.start);
        assert.equal(b.members, new Set(inMinute.map((r) => r.user_id)).size);
        assert.equal(b.in_sync, inMinute.filter((r) => r.sync_status === "synced").length);
      }
      const reported = buckets.filter((b) => b.members > 0);
      assert.equal(
        reported.reduce((n, b) => n + b.members, 0),
        3,
      );
      assert.equal(
        reported.reduce((n, b) => n + b.in_sync, 0),
        1,
      );

      const p = await page(settings);
      await p.goto(`${h.baseUrl}/s/${open.roomId}`);
      await p.waitForSelector("#room-stats:not(.hidden)");
      await p.waitForFunction(() => (window as any).anisyncCharts?.sync);
      await p.waitForSelector("#hot-table", { state: "attached" });
      const charted = await p.evaluate(() => {
        const charts = (window as any).anisyncCharts;
        return { members: charts.members.data, sync: charts.sync.data };
      });
      // the same minutes as the API's answer; a page that loaded after a minute turned starts a minute later
      const x = buckets.map((b) => b.start / 1000);
      const k = x.indexOf(charted.members[0][0]);
      assert.ok(k === 0 || k === 1, `the page's window starts at the API's first or second minute (${k})`);
      const api = [x, buckets.map((b) => b.members), buckets.map((b) => b.in_sync_share)];
      const drawn = [charted.members[0], charted.members[1], charted.sync[1]];
      assert.deepEqual(charted.sync[0], charted.members[0], "both charts over the same minutes");
      for (const [i, what] of ["minutes", "members per minute", "share in sync per minute"].entries())
        assert.deepEqual(drawn[i]!.slice(0, 60 - k), api[i]!.slice(k), what);
      assert.equal(
        (charted.members[1] as number[]).reduce((n, v) => n + v, 0),
        3,
      );

      const tableRows = await p.$$eval("#timeline-table tbody tr", (trs) =>
        trs.map((tr) => ({
          start: Number((tr as HTMLElement).dataset.start),
          members: Number(tr.children[1]!.textContent),
          share: tr.children[2]!.textContent,
        })),
      );
      assert.deepEqual(
        tableRows,
        reported.map((b) => ({
          start: b.start,
          members: b.members,
          share: `${Math.round(b.in_sync_share! * 1000) / 10}%`,
        })),
      );
      assert.equal(await p.isVisible("#timeline-empty"), false);
      for (const id of ["#members-chart canvas", "#sync-chart canvas"])
        assert.ok(await p.isVisible(id), `${id} drawn`);

      const findings = await axeFindings(p);
      console.log(`      axe: room page, last hour (${device}): ${summary(findings)}`);
      assert.deepEqual(findings.filter(isSerious), [], "axe: no serious or critical violation");
      // clientWidth, not innerWidth: a phone zooms out to a too wide page, and innerWidth grows with it
      const overflow = await p.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px too wide)`);
      await p.screenshot({ path: `${ARTIFACTS}/room-timeline-${device}.png`, fullPage: true });
    });
  }

  it("a private room's last hour shows for its member (with the member token the party keeps)", async () => {
    const p = await page(DESKTOP);
    await p.addInitScript(([id, t]) => sessionStorage.setItem(`anisync-member-${id}`, t!), [
      secret.roomId,
      secret.memberToken,
    ] as const);
    await p.goto(`${h.baseUrl}/s/${secret.roomId}`);
    await p.waitForFunction(() => (window as any).anisyncCharts?.members);
    const members = await p.evaluate(() => (window as any).anisyncCharts.members.data[1] as number[]);
    assert.equal(
      members.reduce((n, v) => n + v, 0),
      2,
    );
  });

  for (const [device, settings] of DEVICES) {
    it(`the monitor lists both rooms by title, anime and episode, and shows no key (${device})`, async () => {
      const none = await fetch(`${h.baseUrl}/monitor/`);
      assert.equal(none.status, 401, "the monitor needs its password");

      const p = await page(settings, { httpCredentials: ADMIN });
      const bodies: string[] = [];
      p.on("response", (r) => {
        if (r.url().includes("/monitor/api"))
          void r
            .text()
            .then((t) => bodies.push(t))
            .catch(() => undefined);
      });
      await p.goto(`${h.baseUrl}/monitor/`);
      // the rooms refresh their metadata on their clock (STATUS_FLUSH_MS): the list may need a reload
      await eventually(
        async () => {
          const text = await p.innerText("body");
          if (text.includes("Timeline night") && text.includes("Secret timeline")) return true;
          await p.reload();
          return false;
        },
        20_000,
        "the monitor lists both rooms by title",
      );
      const text = await p.innerText("body");
      // the monitor's grid: a row per room (data-id), a cell per column (data-field)
      const cell = (roomId: string, field: string) =>
        p.locator(`[role=row][data-id="${roomId}"] [data-field="${field}"]`).textContent({ timeout: 5000 });
      const row = async (roomId: string) => {
        const fields = ["title", "anime_title", "episode_number", "visibility", "host_username", "members"];
        return Object.fromEntries(await Promise.all(fields.map(async (f) => [f, await cell(roomId, f)])));
      };
      assert.deepEqual(await row(open.roomId), {
        title: "Timeline night",
        anime_title: "Planetes",
        episode_number: "4",
        visibility: "public",
        host_username: "Hana",
        members: "3",
      });
      assert.deepEqual(await row(secret.roomId), {
        title: "Secret timeline",
        anime_title: "Haibane Renmei",
        episode_number: "9",
        visibility: "private",
        host_username: "Hana",
        members: "2",
      });

      const key = secret.accessKey!;
      assert.match(key, /^\d{6}$/);
      assert.ok(bodies.length > 0, "the monitor's API answers were read");
      const everything = [await p.content(), text, ...bodies].join("\n");
      // the six-digit key as a number of its own (a longer number, a timestamp, may hold its digits)
      assert.doesNotMatch(everything, new RegExp(`(?<![0-9])${key}(?![0-9])`), "no access key");
      for (const s of [secret.invite!, ...parties.map((x) => x.memberToken)])
        assert.ok(!everything.includes(s), "no invite or member token on the monitor");
      await p.screenshot({ path: `${ARTIFACTS}/monitor-${device}.png`, fullPage: true });
    });
  }
});
