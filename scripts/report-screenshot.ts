/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The README's picture of the report: `npx tsx scripts/report-screenshot.ts out/<job>/report.html docs/report.png`,
 * taken in Debian's chromium as the report's test opens it, so the picture is of the page as it is.
 */
import path from "node:path";
import { launchChromium } from "../test/report/chromium";

async function main(): Promise<void> {
  const [report, png] = process.argv.slice(2);
  if (!report || !png) throw new Error("usage: tsx scripts/report-screenshot.ts REPORT_HTML OUT_PNG");
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 820 } });
    await page.goto(`file://${path.resolve(report)}`);
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>("img.thumb")].every((i) => i.complete),
    );
    // Refused photos first: what an operator opens the report for.
    await page.selectOption("#sort", "status");
    await page.screenshot({ path: png });
  } finally {
    await browser.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
