/**
 * "Use my own file" on the demo page: a member plays a local copy of the episode instead of the
 * room's video. The room keeps it in sync by time (also right after the copy loads, and after the
 * host seeks), and the member list marks a copy whose length is not the episode's ("different file"),
 * as it does for a Syncplay member. Going back to the room's video clears the mark. A host's own copy
 * starts where the room is (the room is not paused nor sent back to 0:00); the next episode ends it.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { chromiumSuite } from "../helpers/browser.ts";
import { axeFindings, isSerious, summary } from "../helpers/axe.ts";
import { FFMPEG } from "../helpers/hls.ts";
import { uid } from "../helpers/server.ts";

const SOURCE = path.resolve(import.meta.dirname, "../../public/media/test.webm");

/** The demo page's party (party.js `currentParty`), as `window.__party()`, for the checks below. */
async function exposeParty(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const { currentParty } = await import("/party.js" as string);
    (window as any).__party = currentParty;
  });
}

/** The page's video against the room's expected position now, in seconds (positive: ahead). */
function offset(page: Page): Promise<{ error: number; expected: number; src: string }> {
  return page.evaluate(() => {
    const video = document.getElementById("video") as HTMLVideoElement;
    const expected = (window as any).__party().expectedPosition() as number;
    return { error: video.currentTime - expected, expected, src: video.src };
  });
}

/** Resolves once the page's video plays within `withinS` of the room, the room at least `from` s in. */
async function inSync(page: Page, from: number, withinS = 0.3): Promise<void> {
  await page.waitForFunction(
    ({ from, withinS }) => {
      const video = document.getElementById("video") as HTMLVideoElement;
      const expected = (window as any).__party().expectedPosition() as number;
      return (
        video.readyState >= 3 &&
        !video.paused &&
        expected >= from &&
        Math.abs(video.currentTime - expected) < withinS
      );
    },
    { from, withinS },
    { polling: 50, timeout: 15_000 },
  );
}

/** The member's badges in this page's member list, as text. */
const badges = (page: Page, name: string): Promise<string[]> =>
  page.$$eval(`#members li:has(b:text-is("${name}")) .pill`, (ps) => ps.map((p) => p.textContent ?? ""));

describe("the demo page: a member plays its own copy of the episode", function () {
  this.timeout(90_000);
  const suite = chromiumSuite();
  let dir: string;
  let same: string;
  let short: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "anisync-own-file-"));
    same = path.join(dir, "Demo 02 [my rip].webm");
    short = path.join(dir, "Demo 02 (recap cut).webm");
    await copyFile(SOURCE, same);
    // the first 60 s: 30 s shorter than the 90 s episode
    await promisify(execFile)(FFMPEG, ["-loglevel", "error", "-i", SOURCE, "-t", "60", "-c", "copy", short]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function open(): Promise<{ page: Page; errors: string[] }> {
    const ctx = await suite.newContext({ viewport: { width: 1000, height: 900 } });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(suite.h.baseUrl);
    return { page, errors };
  }

  /** A public room on a 90 s episode the room knows the length of, playing; Mio joined and in sync. */
  async function party(): Promise<{ host: Page; member: Page; errors: string[] }> {
    const { page: host, errors } = await open();
    await host.fill("#create-form [name=username]", "Hana");
    await host.fill("#create-form [name=anime_id]", uid("ownfile"));
    await host.fill("#create-form [name=anime_title]", "Demo");
    await host.uncheck("#create-form [name=private]");
    await host.click("#create-form button");
    await host.waitForSelector("#party:not(.hidden)");
    const roomId = (await host.textContent("#room-id"))!.trim();
    // an episode whose length the room knows (90 s, the test video's), played now
    await host.fill("#queue-form [name=video_url]", `${suite.h.baseUrl}/media/test.webm?ep=2`);
    await host.fill("#queue-form [name=duration_s]", "90");
    await host.click("#queue-form button[type=submit]");
    await host.click('#queue button[aria-label^="Play now: Episode 2 "]');
    await host.waitForFunction(() =>
      (document.getElementById("video") as HTMLVideoElement).src.endsWith("?ep=2"),
    );

    const { page: member, errors: memberErrors } = await open();
    await member.fill("#join-form [name=username]", "Mio");
    await member.fill("#join-form [name=room_id]", roomId);
    await member.click("#join-form button");
    await member.waitForSelector("#party:not(.hidden)");
    await exposeParty(member);
    await exposeParty(host);
    await host.waitForFunction(() => document.querySelectorAll("#members li").length === 2);
    await host.evaluate(() => (document.getElementById("video") as HTMLVideoElement).play());
    await inSync(member, 1);
    return { host, member, errors: errors.concat(memberErrors) };
  }

  /** The page's largest distance from the room over about a second, ms. */
  async function worstOverASecond(page: Page): Promise<number> {
    let worst = 0;
    for (let i = 0; i < 10; i++) {
      worst = Math.max(worst, Math.abs((await offset(page)).error) * 1000);
      await new Promise((r) => setTimeout(r, 100));
    }
    return worst;
  }

  it("same length: no badge and in sync after a host seek; another length: 'different file' on the host's list", async () => {
    const { host, member, errors } = await party();

    // the member's own copy, of the episode's length: it takes the room's position and plays on
    assert.equal(await member.isVisible("#own-file-back"), false);
    await member.setInputFiles("#own-file", same);
    await member.waitForFunction(() =>
      (document.getElementById("video") as HTMLVideoElement).src.startsWith("blob:"),
    );
    await inSync(member, 2);
    await member.waitForSelector("#own-file-back:not(.hidden)");
    await host.waitForSelector('#members li:has(b:text-is("Mio")) .pill.own-file');
    assert.deepEqual(
      (await badges(host, "Mio")).filter((b) => /file/.test(b)),
      ["own file"],
      "the same length: listed as an own file, not a different one",
    );
    const title = await host.getAttribute('#members li:has(b:text-is("Mio")) .pill.own-file', "title");
    assert.match(title ?? "", /Demo 02 \[my rip\]\.webm/);

    // the host seeks: the member's own copy follows to within 300 ms
    await host.evaluate(() => ((document.getElementById("video") as HTMLVideoElement).currentTime = 40));
    await inSync(member, 40);
    const worst = await worstOverASecond(member);
    assert.ok(worst < 300, `the own copy stays within 300 ms of the room (${worst.toFixed(0)} ms)`);
    const after = await offset(member);
    assert.ok(after.src.startsWith("blob:"), "still the member's own file");
    console.log(
      `      own copy after the host's seek: at most ${worst.toFixed(0)} ms from the room over 1 s`,
    );

    // a copy 30 s shorter: the host's list says "different file" for that member
    await member.setInputFiles("#own-file", short);
    await host.waitForSelector('#members li:has(b:text-is("Mio")) .pill:text-is("different file")');
    const differs = await host.getAttribute('#members li:has(b:text-is("Mio")) .pill.own-file', "title");
    assert.match(differs ?? "", /"Demo 02 \(recap cut\)\.webm" \((0:59|1:00)\); this episode is 1:30/);
    await member.waitForSelector('#members li:has(b:text-is("Mio")) .pill:text-is("different file")');
    assert.deepEqual(
      (await badges(host, "Hana")).filter((b) => /file/.test(b)),
      [],
      "the host plays the room's video",
    );
    mkdirSync("test/browser/artifacts", { recursive: true });
    await host.screenshot({ path: "test/browser/artifacts/own-file-host.png", fullPage: true });
    const findings = await axeFindings(member);
    console.log(`      axe: room view with an own file (member): ${summary(findings)}`);
    assert.deepEqual(findings.filter(isSerious), [], "axe: no serious or critical violation");

    // back to the room's video: the mark goes, the video is the room's again and in sync
    await member.click("#own-file-back");
    await host.waitForFunction(
      () => !document.querySelector("#members li[data-user-id] .pill.own-file"),
      undefined,
      { timeout: 10_000 },
    );
    assert.ok((await offset(member)).src.endsWith("/media/test.webm?ep=2"));
    await inSync(member, 42);
    assert.equal(await member.isVisible("#own-file-back"), false);
    assert.deepEqual(errors, []);
    await member.click("#leave");
    await host.click("#leave");
  });

  it("the host plays its own copy: the room plays on from where it was; the next episode ends it", async () => {
    const { host, member, errors } = await party();
    await inSync(member, 3);
    const before = (await offset(member)).expected;
    await host.setInputFiles("#own-file", same);
    await host.waitForSelector('#members li:has(b:text-is("Hana")) .pill.own-file');
    await inSync(host, before + 1);
    await inSync(member, before + 1);
    const worst = await worstOverASecond(host);
    assert.ok(worst < 300, `the host's own copy is where the room is (${worst.toFixed(0)} ms)`);
    assert.ok((await offset(host)).src.startsWith("blob:"));
    console.log(`      host's own copy: at most ${worst.toFixed(0)} ms from the room over 1 s`);

    // the queue moves on: the copy was of the last episode; the room's next video plays, the mark goes
    await host.fill("#queue-form [name=video_url]", `${suite.h.baseUrl}/media/test.webm?ep=3`);
    await host.click("#queue-form button[type=submit]");
    await host.click("#queue-next");
    await member.waitForFunction(() => !document.querySelector("#members .pill.own-file"));
    assert.ok((await offset(host)).src.endsWith("/media/test.webm?ep=3"));
    assert.match((await host.textContent("#own-file-note"))!, /moved on to another episode/);
    assert.equal(await host.isVisible("#own-file-back"), false);
    assert.deepEqual(errors, []);
    await member.click("#leave");
    await host.click("#leave");
  });
});
