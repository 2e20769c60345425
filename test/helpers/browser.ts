/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser); playwright gives it a fresh
 * profile. The executable is CHROMIUM_PATH (default /usr/bin/chromium). Every browser suite calls
 * `skipWithoutChromium(this)` first in a `before`: without Chromium the suite is skipped and one line
 * names the skipped files and how to install it (`apt-get install -y chromium`); with
 * ANISYNC_REQUIRE_BROWSER=1 (set by .ci/run) a missing Chromium fails the suite instead.
 */
import { accessSync, constants } from "node:fs";
import { relative } from "node:path";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from "playwright-core";
import { server, type Harness } from "./server.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

let announced = false;

/** Skips the calling suite when Chromium is missing, or throws if ANISYNC_REQUIRE_BROWSER=1. */
export function skipWithoutChromium(ctx: Mocha.Context): void {
  if (chromiumInstalled()) return;
  const install = "install it with `apt-get install -y chromium`";
  if (process.env.ANISYNC_REQUIRE_BROWSER === "1")
    throw new Error(`no Chromium at ${CHROMIUM} and ANISYNC_REQUIRE_BROWSER=1: ${install}`);
  if (!announced) {
    announced = true;
    const files = browserTestFiles(ctx).join(", ");
    console.warn(`  skipping browser tests (${files}): no Chromium at ${CHROMIUM}; ${install}`);
  }
  ctx.skip();
}

function chromiumInstalled(): boolean {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The loaded test files under test/browser/, found from the running suite's root. */
function browserTestFiles(ctx: Mocha.Context): string[] {
  let root = ctx.test?.parent;
  while (root?.parent) root = root.parent;
  const files = new Set<string>();
  const visit = (suite: Mocha.Suite) => {
    if (suite.file) files.add(relative(process.cwd(), suite.file));
    suite.suites.forEach(visit);
  };
  if (root) visit(root);
  return [...files].filter((f) => f.startsWith("test/browser/")).sort();
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

export interface ChromiumSuite {
  /** the shared in-process test server (set once the suite's `before` ran) */
  readonly h: Harness;
  /** a fresh browser context, closed after the suite */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
}

/**
 * A browser suite's set-up, in hooks of the calling `describe`: skipped without Chromium, then the
 * shared test server and one Chromium; every context it made and the browser closed afterwards.
 */
export function chromiumSuite(): ChromiumSuite {
  let harness: Harness | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  before(function () {
    skipWithoutChromium(this);
  });
  before(async () => {
    harness = await server();
    browser = await launchChromium();
  });
  after(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
    await browser?.close();
  });
  return {
    get h() {
      if (!harness) throw new Error("the browser suite's before hook has not run");
      return harness;
    },
    async newContext(options) {
      if (!browser) throw new Error("the browser suite's before hook has not run");
      const ctx = await browser.newContext(options);
      contexts.push(ctx);
      return ctx;
    },
  };
}
