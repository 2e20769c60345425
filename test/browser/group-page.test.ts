/**
 * The demo page's group-playback panel (public/group.js), as three people use it in Chromium: the host
 * starts a ready check and everyone answers (playback starts when all are ready); a member whose video is
 * starved is named as the one the room waits for, then as catching up; "Skip intro" takes all three past
 * the intro and auto-skip past a recap; a speed change reaches the members; reactions show up for everyone;
 * axe-core finds nothing serious with the panel in use.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { chromiumSuite } from "../helpers/browser.ts";
import { axeFindings, isSerious, summary } from "../helpers/axe.ts";
import { VIDEO_BYTES_PER_S, starve } from "../helpers/party-page.ts";

describe("the demo page's group playback: ready check, waiting for a starved member, skip, speed, reactions", function () {
  this.timeout(120_000);
  const suite = chromiumSuite();

  async function person(name: string): Promise<Page> {
    const ctx = await suite.newContext({ viewport: { width: 1000, height: 900 } });
    await ctx.addInitScript((n) => localStorage.setItem("anisync-name", JSON.stringify(n)), name);
    const page = await ctx.newPage();
    page.on("pageerror", (e) => console.error(`${name}: page error:`, e.message));
    return page;
  }
  const videoAt = (p: Page) =>
    p.evaluate(() => {
      const v = document.getElementById("video") as HTMLVideoElement;
      return { t: v.currentTime, paused: v.paused, rate: v.playbackRate };
    });
  const waitText = (p: Page, selector: string, pattern: RegExp, timeout = 10_000) =>
    p.waitForFunction(
      ([sel, src]) => new RegExp(src).test(document.querySelector(sel)?.textContent ?? ""),
      [selector, pattern.source] as const,
      { timeout },
    );

  it("three people: ready check, a starved member named and left behind, skip and auto-skip, speed, reactions", async () => {
    const host = await person("Hana");
    await host.goto(suite.h.baseUrl);
    await host.fill("#create-form [name=video_url]", `${suite.h.baseUrl}/media/test.webm`);
    await host.uncheck("#create-form [name=private]");
    await host.click("#create-form button[type=submit]");
    await host.waitForSelector("#party:not(.hidden)");
    const roomId = (await host.textContent("#room-id"))!.trim();
    const gus = await person("Gus");
    const ana = await person("Ana");
    // Ana's video gets about 10 s of data, then nothing until she recovers
    const starved = await starve(ana, Math.round(10 * VIDEO_BYTES_PER_S));
    for (const p of [gus, ana]) {
      await p.goto(`${suite.h.baseUrl}/r/${roomId}`);
      await p.waitForSelector("#party:not(.hidden)");
    }
    await host.waitForFunction(() => document.querySelectorAll("#members li").length === 3);
    assert.equal(await host.isVisible("#group-host"), true, "the host has the controls");
    assert.equal(await gus.isVisible("#group-host"), false, "a member does not");

    // the ready check: everyone answers; playback starts when all are ready
    await host.fill("#group-ready-timeout", "60");
    await host.click("#group-ready-check");
    for (const p of [host, gus, ana]) await p.waitForSelector("#group-ready", { state: "visible" });
    await waitText(host, "#group-status", /Ready check: 0 of 3 ready; waiting for Hana, Gus, Ana/);
    await gus.click("#group-ready");
    await waitText(host, "#group-status", /1 of 3 ready; waiting for Hana, Ana\./);
    assert.equal(await gus.getAttribute("#group-ready", "aria-pressed"), "true");
    assert.match((await host.textContent("#group-deadline"))!, /Starts in \d+ s at the latest/);
    const findings = await axeFindings(host);
    console.log(`      axe: party page with the group panel (ready check running): ${summary(findings)}`);
    assert.deepEqual(findings.filter(isSerious), [], "axe: no serious or critical violation");
    await ana.click("#group-ready");
    assert.equal((await videoAt(gus)).paused, true, "nothing plays before everyone is ready");
    await host.click("#group-ready");
    for (const p of [host, gus, ana]) {
      await p.waitForFunction(() => !(document.getElementById("video") as HTMLVideoElement).paused);
      await p.waitForSelector("#group-answer", { state: "hidden" });
    }

    // Ana runs dry: the room waits for her by name, then goes on without her
    await waitText(host, "#group-status", /waiting for Ana \(buffering\)/, 20_000);
    await waitText(gus, "#group-status", /waiting for Ana \(buffering\)/, 2_000);
    assert.equal((await videoAt(gus)).paused, true, "Gus waits too");
    await waitText(host, "#group-status", /Ana fell behind and is catching up/, 5_000);
    await gus.waitForFunction(() => !(document.getElementById("video") as HTMLVideoElement).paused);
    starved.recover();
    await waitText(host, "#group-status", /^$/, 10_000);

    // segments (a site backend would give them with the episode; here over the HTTP message route)
    const at = (await videoAt(host)).t;
    const intro = { kind: "intro", start_s: Math.ceil(at) + 2, end_s: Math.ceil(at) + 20 };
    const recap = { kind: "recap", start_s: intro.end_s + 4, end_s: intro.end_s + 24 };
    const token = await host.evaluate((id) => sessionStorage.getItem(`anisync-member-${id}`), roomId);
    const res = await fetch(`${suite.h.baseUrl}/api/rooms/${roomId}/messages/set_segments`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ segments: [intro, recap] }),
    });
    assert.equal(res.status, 200, await res.text());
    // in the intro: the host is offered "Skip intro"; a member is not (only the host moves the video)
    await host.waitForSelector("#group-skip:visible", { timeout: 10_000 });
    assert.equal(await host.textContent("#group-skip"), "Skip intro");
    assert.equal(await gus.isVisible("#group-skip"), false);
    await host.click("#group-skip");
    for (const p of [host, gus, ana])
      await p.waitForFunction(
        (end) => (document.getElementById("video") as HTMLVideoElement).currentTime >= end,
        intro.end_s,
        { timeout: 5_000 },
      );
    await host.waitForSelector("#group-skip", { state: "hidden" });

    // auto-skip: the room plays into the recap and everyone is taken past it
    await host.check("#group-auto-skip");
    const skipAt = Date.now();
    for (const p of [host, gus, ana])
      await p.waitForFunction(
        (end) => (document.getElementById("video") as HTMLVideoElement).currentTime >= end,
        recap.end_s,
        { timeout: 15_000 },
      );
    const autoSkipS = (Date.now() - skipAt) / 1000;
    assert.ok(autoSkipS < 12, `past the recap in ${autoSkipS.toFixed(1)} s (playing through it takes 24 s)`);
    assert.equal(await host.isChecked("#group-auto-skip"), true);

    // the speed: the host picks 1.5×, the members' videos follow and say so
    await host.selectOption("#group-speed", "1.5");
    for (const p of [gus, ana]) {
      await waitText(p, "#group-speed-line", /Playing at 1\.5×/);
      await p.waitForFunction(() => {
        const r = (document.getElementById("video") as HTMLVideoElement).playbackRate;
        return r >= 1.42 && r <= 1.58;
      });
    }

    // reactions: Gus laughs, everyone sees it
    await gus.click("#group-react [aria-label=Laugh]");
    for (const p of [host, gus, ana]) await waitText(p, "#group-reactions li", /😂 Gus at \d+:\d\d/);

    mkdirSync("test/browser/artifacts", { recursive: true });
    await host.screenshot({ path: "test/browser/artifacts/group-panel-host.png", fullPage: true });
    await ana.screenshot({ path: "test/browser/artifacts/group-panel-member.png", fullPage: true });
    const memberFindings = await axeFindings(ana);
    console.log(`      axe: party page with the group panel (member): ${summary(memberFindings)}`);
    assert.deepEqual(memberFindings.filter(isSerious), []);
    console.log(
      `      demo page: auto-skip took everyone past the recap ${autoSkipS.toFixed(1)} s after it was turned on`,
    );
    for (const p of [ana, gus, host]) await p.click("#leave");
  });
});
