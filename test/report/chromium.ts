/**
 * Debian's chromium driven by playwright-core: the report is tested in a real browser, and a
 * machine without one fails the test with what to do, never skips it.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(
  (p): p is string => Boolean(p),
);

export async function launchChromium(candidates: readonly string[] = CANDIDATES): Promise<Browser> {
  const executablePath = candidates.find((p) => existsSync(p));
  if (!executablePath)
    throw new Error(
      `no chromium at ${candidates.join(" or ")}: run .ci/run, which installs Debian's chromium with the other packages the tests need (or set CHROMIUM_PATH)`,
    );
  // --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, args: ["--no-sandbox"] });
}
