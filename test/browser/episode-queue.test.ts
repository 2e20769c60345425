/**
 * Issue 11 on the demo page: a host and two members, each in a Chromium context of their own, watch a
 * three-episode queue of short test videos through two auto-advances (the shared test server counts
 * down ADVANCE_COUNTDOWN_S = 1 s) and end on the third item together. The host builds the queue with
 * the page's form, names a co-host and sees the moderation buttons; axe checks the room view with
 * the queue panel and those buttons on. A second test: an item without a length advances when the host's
 * player reaches the end of the video.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { uid } from "../helpers/server.ts";
import { chromiumSuite } from "../helpers/browser.ts";
import { axeFindings, isSerious, summary } from "../helpers/axe.ts";
import { startServerProcess } from "../helpers/process.ts";

const ARTIFACTS = "test/browser/artifacts";

/** What a page shows of the queue and its video. */
interface Seen {
  src: string;
  current: string;
  time: number;
  paused: boolean;
  countdown: string | null;
}

function seen(page: Page): Promise<Seen> {
  return page.evaluate(() => {
    const video = document.getElementById("video") as HTMLVideoElement;
    const box = document.getElementById("queue-countdown")!;
    return {
      src: video.currentSrc || video.src,
      current: document.querySelector("#queue li[aria-current] b")?.textContent ?? "",
      time: video.currentTime,
      paused: video.paused,
      countdown: box.classList.contains("hidden") ? null : box.textContent!.replace(/\s+/g, " ").trim(),
    };
  });
}

/** Resolves once the page shows the countdown to `title`, with its seconds, and returns its text. */
async function countdownShown(page: Page, title: string): Promise<string> {
  await page.waitForFunction(
    (title) => {
      const box = document.getElementById("queue-countdown")!;
      const timer = document.getElementById("queue-timer")!.textContent;
      return (
        !box.classList.contains("hidden") &&
        document.getElementById("queue-next-title")!.textContent === title &&
        /^\d+$/.test(timer ?? "")
      );
    },
    title,
    { polling: 20, timeout: 20_000 },
  );
  return (await seen(page)).countdown!;
}

/** Resolves once the page's video element plays (or sits paused) on `ep`, near the room's position. */
async function onEpisode(page: Page, ep: number, playing: boolean): Promise<void> {
  await page.waitForFunction(
    ({ ep, playing }) => {
      const video = document.getElementById("video") as HTMLVideoElement;
      const current = document.querySelector("#queue li[aria-current] b")?.textContent ?? "";
      return (
        video.src.endsWith(`?ep=${ep}`) &&
        current.startsWith(`Episode ${ep} `) &&
        video.readyState >= 2 &&
        video.paused === !playing &&
        (playing ? video.currentTime > 0 : video.currentTime < 0.05)
      );
    },
    { ep, playing },
    { polling: 50, timeout: 20_000 },
  );
}

describe("the demo page's episode queue: three browsers binge through two auto-advances", function () {
  this.timeout(150_000);
  const suite = chromiumSuite();

  async function open(width: number, base = suite.h.baseUrl): Promise<{ page: Page; errors: string[] }> {
    const ctx = await suite.newContext({ viewport: { width, height: 900 } });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(base);
    return { page, errors };
  }

  it("host and two members end on episode 3 together, at 0:00 and paused as the room's setting says", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const anime = uid("binge");
    const video = (ep: number) => `${suite.h.baseUrl}/media/test.webm?ep=${ep}`;
    const { page: host, errors: hostErrors } = await open(1100);
    await host.fill("#create-form [name=username]", "Hana");
    await host.fill("#create-form [name=anime_id]", anime);
    await host.fill("#create-form [name=anime_title]", "Binge");
    await host.fill("#create-form [name=episode_number]", "0");
    await host.fill("#create-form [name=video_url]", video(0));
    await host.uncheck("#create-form [name=private]");
    await host.click("#create-form button");
    await host.waitForSelector("#party:not(.hidden)");
    const roomId = (await host.textContent("#room-id"))!.trim();

    // the host queues episodes 1–3 with the page's form (the form starts at the next episode)
    await host.waitForSelector("#queue-form:not(.hidden)");
    assert.equal(await host.inputValue("#queue-form [name=episode_number]"), "1");
    assert.equal(await host.inputValue("#queue-form [name=anime_id]"), anime);
    const lengths = [6, 8, 30];
    for (const [i, length] of lengths.entries()) {
      await host.fill("#queue-form [name=video_url]", video(i + 1));
      await host.fill("#queue-form [name=duration_s]", String(length));
      await host.click("#queue-form button[type=submit]");
      await host.waitForFunction((n) => document.querySelectorAll("#queue li").length === n, i + 2);
    }
    assert.equal(await host.inputValue("#queue-form [name=episode_number]"), "4");

    const members = [];
    for (const name of ["Mio", "Ren"]) {
      const m = await open(390);
      await m.page.fill("#join-form [name=username]", name);
      await m.page.fill("#join-form [name=room_id]", roomId);
      await m.page.click("#join-form button");
      await m.page.waitForSelector("#party:not(.hidden)");
      members.push(m);
    }
    const pages = [host, ...members.map((m) => m.page)];
    await host.waitForFunction(() => document.querySelectorAll("#members li").length === 3);

    // roles: the host names Mio co-host; Mio's page offers the queue, Ren's does not
    await host.click('#members button[aria-label="Make Mio a co-host"]');
    await members[0]!.page.waitForSelector("#queue-form:not(.hidden)");
    assert.match((await members[0]!.page.textContent("#role"))!, /co-host/);
    assert.equal(await members[1]!.page.isVisible("#queue-form"), false, "a plain member cannot queue");
    assert.equal(await members[1]!.page.$("#members button"), null, "nor moderate");
    await host.waitForSelector('#members li:has-text("Mio") .pill.cohost');
    for (const label of ["Remove Ren from the party", "Ban Ren from this room", "Demote Mio from co-host"])
      assert.ok(await host.isVisible(`#members button[aria-label="${label}"]`), label);
    assert.ok(await host.isVisible("#mod-reason"), "the reason field is shown to the host");

    // the host starts episode 1 and drops the room's own episode 0 (the co-host could, too)
    await host.click('#queue li:nth-child(2) button[aria-label^="Play now: Episode 1 "]');
    for (const page of pages) await onEpisode(page, 1, true);
    await host.click('#queue li:nth-child(1) button[aria-label^="Remove Episode 0 "]');
    for (const page of pages)
      await page.waitForFunction(() => document.querySelectorAll("#queue li").length === 3);

    // a comment on episode 1 shows on every page; after the switch the list is episode 2's
    await host.fill("#comment-form [name=message]", "said during episode one");
    await host.click("#comment-form button");
    for (const page of pages) await page.waitForSelector('#comments li:has-text("said during episode one")');

    // episode 1 runs out (6 s): every page counts down, then all play episode 2 from 0
    const first = await Promise.all(pages.map((p) => countdownShown(p, "Episode 2 · Binge")));
    for (const text of first) assert.match(text, /^Next: Episode 2 · Binge in \d+ s$/);
    for (const page of pages) await onEpisode(page, 2, true);
    for (const page of pages)
      await page.waitForFunction(
        () => !document.getElementById("comments")!.textContent!.includes("said during episode one"),
        undefined,
        { timeout: 5000 },
      );
    const onTwo = await Promise.all(pages.map(seen));
    for (const s of onTwo) assert.ok(s.time < 3, `episode 2 started at 0 (${s.time.toFixed(2)} s)`);

    // the next switch leaves everyone paused at 0:00 (the room's setting, changed by the host)
    await host.uncheck("#autoplay-next");
    await members[0]!.page.waitForFunction(
      () => !(document.getElementById("autoplay-next") as HTMLInputElement).checked,
    );
    const second = await Promise.all(pages.map((p) => countdownShown(p, "Episode 3 · Binge")));
    for (const text of second) assert.match(text, /^Next: Episode 3 · Binge in \d+ s$/);
    for (const page of pages) await onEpisode(page, 3, false);

    const end = await Promise.all(pages.map(seen));
    for (const [i, s] of end.entries()) {
      assert.ok(s.src.endsWith("/media/test.webm?ep=3"), `page ${i}: ${s.src}`);
      assert.equal(s.current, "Episode 3 · Binge", `page ${i}: the current item`);
      assert.equal(s.paused, true, `page ${i}: paused, as the setting says`);
      assert.ok(Math.abs(s.time) < 0.05, `page ${i}: at 0:00 (${s.time})`);
      assert.equal(s.countdown, null, `page ${i}: no countdown after the last item`);
    }
    console.log(
      `      countdowns seen: ${first[0]} / ${second[0]}; end positions ${end.map((s) => s.time.toFixed(3)).join(", ")} s`,
    );

    for (const [name, page] of [
      ["host", host],
      ["member", members[1]!.page],
    ] as const) {
      const findings = await axeFindings(page);
      console.log(`      axe: room view with the queue (${name}): ${summary(findings)}`);
      assert.deepEqual(findings.filter(isSerious), [], `axe (${name}): no serious or critical violation`);
    }
    await host.screenshot({ path: `${ARTIFACTS}/queue-host.png`, fullPage: true });
    await members[1]!.page.screenshot({ path: `${ARTIFACTS}/queue-member.png`, fullPage: true });

    // the host removes Ren with a reason; Ren's page says why
    await host.fill("#mod-reason", "spoilers");
    await host.click('#members button[aria-label="Remove Ren from the party"]');
    await members[1]!.page.waitForFunction(
      () =>
        document.getElementById("party-error")!.textContent === "You were removed from the party: spoilers",
    );
    await host.waitForFunction(() => document.querySelectorAll("#members li").length === 2);

    assert.deepEqual([hostErrors, ...members.map((m) => m.errors)].flat(), []);
    await members[0]!.page.click("#leave");
    await host.click("#leave");
  });

  it("an item without a length: the host's player reaching the end starts the countdown, then the next episode plays", async () => {
    // a server of its own with a 3 s countdown: the SDK treats a room change less than 2 s after the
    // host's own control (here the pause its player sends at the end) as that control's echo
    const srv = await startServerProcess({
      DATABASE_URL: process.env.DATABASE_URL,
      DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-ended-")),
      REDIS_URL: "",
      LOG_LEVEL: "warn",
      AUTH_MODE: "open",
      ADVANCE_COUNTDOWN_S: "3",
    });
    try {
      const { page: host, errors } = await open(1100, srv.baseUrl);
      await host.fill("#create-form [name=username]", "Hana");
      await host.fill("#create-form [name=anime_id]", uid("ended"));
      await host.fill("#create-form [name=episode_number]", "1");
      await host.fill("#create-form [name=video_url]", `${srv.baseUrl}/media/test.webm?ep=1`);
      await host.uncheck("#create-form [name=private]");
      await host.click("#create-form button");
      await host.waitForSelector("#queue-form:not(.hidden)");
      await host.fill("#queue-form [name=video_url]", `${srv.baseUrl}/media/test.webm?ep=2`);
      await host.click("#queue-form button[type=submit]");
      await host.waitForFunction(() => document.querySelectorAll("#queue li").length === 2);
      // the host plays the last second of the 90 s video
      await host.evaluate(async () => {
        const video = document.getElementById("video") as HTMLVideoElement;
        video.currentTime = 89;
        await video.play();
      });
      const text = await countdownShown(host, "Episode 2 · AniSync demo");
      // 3 s, counted against the page's estimate of the server clock: on a loaded box the estimate
      // may run a little behind, so the first second can show as 4
      assert.match(text, /^Next: Episode 2 · AniSync demo in [1-4] s$/);
      await onEpisode(host, 2, true);
      assert.deepEqual(errors, []);
      await host.click("#leave");
    } finally {
      await srv.stop();
    }
  });
});
