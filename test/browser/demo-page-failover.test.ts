import assert from "node:assert/strict";
import { Redis } from "ioredis";
import type { Browser, Page } from "playwright-core";
import { launchChromium, skipWithoutChromium } from "../helpers/browser.ts";
import { PartyPages } from "../helpers/party-page.ts";
import { eventually } from "../helpers/server.ts";
import { startServerProcess, stoppedAfterEach, type ServerProcess } from "../helpers/process.ts";
import { startBalancer, type Balancer } from "../helpers/balancer.ts";
import { clusterRedisUrl } from "../helpers/cluster-redis.ts";

const base = process.env.DATABASE_URL;
const redisBase = process.env.REDIS_URL;

/** What the member's page showed, sampled every 50 ms (and every change of #sync-status). */
interface Trace {
  real: number;
  status: string;
  paused: boolean;
  /** the video's currentTime − the room's expected position (the page's party), s */
  error: number;
  /** the room's expected position (the page's party), s */
  expected: number;
}

const RECONNECTING = "reconnecting…";

/** Samples the demo page's status line and video against the party the page holds. */
async function record(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const { currentParty } = await import("/party.js" as string);
    const w = window as any;
    const video = document.getElementById("video") as HTMLVideoElement;
    const status = document.getElementById("sync-status")!;
    w.__trace = [];
    const sample = () => {
      let expected = NaN; // (a throw here would count as the page's error)
      try {
        expected = currentParty().expectedPosition();
      } catch {
        /* no state to tell: not in sync */
      }
      w.__trace.push({
        real: w.__realNow(),
        status: status.textContent ?? "",
        paused: video.paused,
        error: video.currentTime - expected,
        expected,
      });
    };
    setInterval(sample, 50);
    new MutationObserver(sample).observe(status, { childList: true, characterData: true, subtree: true });
  });
}

const ms = (n: number) => `${Math.round(n)} ms`;

/** The member plays in sync: not paused, within 500 ms of the room, 'reconnecting…' gone. */
const inSync = (t: Trace) => !t.paused && Math.abs(t.error) <= 0.5 && !t.status.includes(RECONNECTING);

/**
 * The samples since the member last was out of sync after `from` (the streak it plays in sync
 * now), or undefined if 'reconnecting…' was never shown after `from` or it is out of sync now.
 */
function inSyncSince(samples: Trace[], from: number): { first: Trace; last: Trace } | undefined {
  const after = samples.filter((t) => t.real > from);
  if (!after.some((t) => t.status.includes(RECONNECTING))) return undefined;
  const streak = after.slice(after.findLastIndex((t) => !inSync(t)) + 1);
  return streak.length > 0 ? { first: streak[0]!, last: streak.at(-1)! } : undefined;
}

const trace = (page: Page): Promise<Trace[]> => page.evaluate(() => (window as any).__trace);
const text = async (page: Page, selector: string) => (await page.textContent(selector)) ?? "";

/** Waits for the party view; else fails with what the page says instead. */
async function inParty(page: Page): Promise<void> {
  await page.waitForSelector("#party:not(.hidden)", { timeout: 20_000 }).catch(async (err: Error) => {
    const said = await Promise.all(
      ["#lobby-error", "#video-check", "#key-error", "#conn"].map((s) => text(page, s)),
    );
    throw new Error(`${err.message.split("\n")[0]}; the page says: ${said.join(" | ")}`);
  });
}

/** Two processes on one PostgreSQL and one Redis, a load balancer in front, the demo page through it. */
describe("the demo page when the room's process dies", function () {
  this.timeout(180_000);
  const processes = stoppedAfterEach();
  let browser: Browser | undefined;
  let redis: Redis | undefined;
  let lb: Balancer | undefined;
  let pages: PartyPages | undefined;
  const excluded = new Set<ServerProcess>();

  before(function () {
    if (!base || !redisBase) {
      console.log("  skipping demo-page-failover: needs DATABASE_URL and REDIS_URL (PostgreSQL and Redis)");
      this.skip();
    }
    skipWithoutChromium(this);
  });
  before(async () => {
    redis = new Redis(clusterRedisUrl());
    await redis.flushdb();
    const env = {
      DATABASE_URL: base,
      REDIS_URL: clusterRedisUrl(),
      PUBLIC_ADDRESS: "auto",
      LOG_LEVEL: "warn",
      AUTH_MODE: "open",
      RATE_JOIN_PER_MIN: "1000", // the pages and their rejoin probes join from one address
      RATE_ROOM_CREATE_PER_HOUR: "1000",
    };
    processes.push(...(await Promise.all([0, 1].map(() => startServerProcess(env)))));
    lb = await startBalancer(() =>
      processes.filter((p) => !excluded.has(p) && p.child.exitCode === null).map((p) => p.port),
    );
    browser = await launchChromium();
    pages = new PartyPages(browser, lb.url);
  });
  after(async () => {
    await pages?.close();
    await browser?.close();
    await lb?.close();
    redis?.disconnect();
  });

  it("SIGKILL of the room's process: the member sees 'reconnecting…', then plays on in sync; the owner is host again", async () => {
    const host = await pages!.open();
    await host.fill("#create-form [name=username]", "Hana");
    await host.click("#create-form button");
    await inParty(host);
    const roomId = (await text(host, "#room-id")).trim();
    const key = (await text(host, "#room-key")).trim(); // the form makes a private room

    const member = await pages!.open();
    await member.fill("#join-form [name=username]", "Gus");
    await member.fill("#join-form [name=room_id]", roomId);
    await member.fill("#join-form [name=access_key]", key);
    await member.click("#join-form button");
    await inParty(member);
    await member.waitForFunction(
      () => (document.getElementById("video") as HTMLVideoElement).readyState >= 3,
    );

    // the host presses play; the member follows
    await host.evaluate(() => (document.getElementById("video") as HTMLVideoElement).play());
    await member.waitForFunction(
      () => {
        const v = document.getElementById("video") as HTMLVideoElement;
        return !v.paused && v.currentTime > 1;
      },
      undefined,
      { timeout: 20_000 },
    );
    await record(member);
    await record(host);
    const errors: string[] = [];
    for (const page of [host, member]) page.on("pageerror", (e) => errors.push(e.message));
    await new Promise((r) => setTimeout(r, 1000)); // the play is stored and sampled before the kill

    const listing = JSON.parse((await redis!.hget("roomcaches", roomId)) ?? "null") as {
      publicAddress: string;
    } | null;
    assert.ok(listing, `room ${roomId} is listed`);
    const victim = processes.find((p) => listing.publicAddress === `127.0.0.1:${p.port}`);
    assert.ok(victim, `a process at ${listing.publicAddress}`);
    const killedAt = Date.now();
    victim.child.kill("SIGKILL");
    excluded.add(victim);

    // each page's status line says it, then no longer does; the member's video plays on in sync
    const away = async (page: Page) =>
      (await trace(page)).some((t) => t.real > killedAt && t.status.includes(RECONNECTING));
    await eventually(
      async () => (await away(member)) && (await away(host)),
      15_000,
      "both pages show 'reconnecting…'",
    );
    await eventually(
      async () => {
        const streak = inSyncSince(await trace(member), killedAt);
        return streak !== undefined && streak.last.real - streak.first.real >= 1000;
      },
      30_000,
      "the member's video plays again within 500 ms of the room's position, for a second",
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify((await trace(member)).slice(-5))}`);
    });
    const seen = (await trace(member)).filter((t) => t.real > killedAt);
    const shown = seen.find((t) => t.status.includes(RECONNECTING))!;
    const cleared = seen.find((t) => t.real > shown.real && !t.status.includes(RECONNECTING))!;
    const playing = inSyncSince(seen, killedAt)!.first;
    const before = (await trace(member)).filter((t) => t.real <= killedAt).at(-1)!;
    // where the room is after the failover against where it would be had nothing happened
    const jump = playing.expected - (before.expected + (playing.real - before.real) / 1000);
    console.log(
      `    kill → 'reconnecting…' shown ${ms(shown.real - killedAt)} → cleared ${ms(cleared.real - killedAt)}` +
        ` → playing in sync ${ms(playing.real - killedAt)} (video − room ${ms(playing.error * 1000)};` +
        ` the room's position moved ${ms(jump * 1000)} by the failover;` +
        ` the video was paused in ${seen.filter((t) => t.real < playing.real && t.paused).length} samples of 50 ms)`,
    );
    await member.waitForFunction(
      () => document.getElementById("sync-status")!.textContent === "In sync with the host.",
      undefined,
      { timeout: 15_000 },
    );

    // the owner's page is back, host again, and can still pause the party
    await host.waitForFunction(
      () =>
        document.getElementById("role")!.textContent === "owner · host" &&
        document.getElementById("sync-status")!.textContent ===
          "You are the host: everyone follows your video.",
      undefined,
      { timeout: 15_000 },
    );
    await host.evaluate(() => (document.getElementById("video") as HTMLVideoElement).pause());
    await member.waitForFunction(
      () => (document.getElementById("video") as HTMLVideoElement).paused,
      undefined,
      {
        timeout: 10_000,
      },
    );
    assert.match(await text(member, "#playback-line"), /^Paused/);
    assert.deepEqual(errors, [], "no page error through the failover");
  });
});
