/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser); playwright gives it a fresh
 * profile. The executable is CHROMIUM_PATH (default /usr/bin/chromium). Every browser suite calls
 * `skipWithoutChromium(this)` first in a `before`: without Chromium the suite is skipped and one line
 * names the skipped files and how to install it (`apt-get install -y chromium`); with
 * ANISYNC_REQUIRE_BROWSER=1 (set by .ci/run) a missing Chromium fails the suite instead.
 */
import { accessSync, constants } from "node:fs";
import { relative } from "node:path";
import { chromium, type Browser } from "playwright-core";

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
