/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * report.html as an operator opens it: from disk, in Debian's chromium, after a real run of the
 * dispatcher on the samples (plus a photo that is not one, and a meter series with an outlier).
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import type { Browser, Page } from "playwright-core";
import { CSV_COLUMNS } from "../../tasks/results-csv";
import { runCli, type CliRun } from "../dispatcher/run-cli";
import { resultsCsv, SAMPLES, type Row } from "../dispatcher/samples";
import { launchChromium } from "./chromium";

/** Samples the worker reads with confidence 0.99, as one meter over five days: meter-011's 76636 breaks the series. */
const SERIES = [
  ["meter-013.jpg", "2026-01-01T08:00"],
  ["meter-004.jpg", "2026-01-02T08:00"],
  ["meter-011.jpg", "2026-01-03T08:00"],
  ["meter-006.jpg", "2026-01-04T08:00"],
  ["meter-007.jpg", "2026-01-05T08:00"],
] as const;

describe("report.html", () => {
  let work: string;
  let jobDir: string;
  let run: CliRun;
  let rows: Row[];
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "ocr-report-"));
    const input = path.join(work, "photos");
    await mkdir(input);
    for (const [photo] of SERIES) await copyFile(path.join(SAMPLES, photo), path.join(input, photo));
    await copyFile(path.join(SAMPLES, "meter-002.jpg"), path.join(input, "meter-002.jpg"));
    await writeFile(path.join(input, "broken.jpg"), "this is not a JPEG");
    const manifest = path.join(work, "manifest.csv");
    await writeFile(manifest, `photo,meter,time\n${SERIES.map(([p, t]) => `${p},M1,${t}`).join("\n")}\n`);
    run = await runCli([
      "--input",
      input,
      "--profile",
      path.join(SAMPLES, "profile.json"),
      "--manifest",
      manifest,
      "--out",
      path.join(work, "out"),
      "--job-id",
      "report-1",
      "--price-per-node-hour",
      "0.5",
      "--json",
    ]);
    jobDir = path.join(work, "out", "report-1");
    rows = await resultsCsv(jobDir);
    browser = await launchChromium();
    page = await browser.newPage({ acceptDownloads: true });
    // Every request the page makes, to prove it needs nothing but its own folder.
    page.on("request", (r) => requested.push(r.url()));
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`file://${path.join(jobDir, "report.html")}`);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await rm(work, { recursive: true, force: true });
  });

  const visible = (p: Page) =>
    p.$$eval("#entries .entry:not([hidden])", (es) => es.map((e) => (e as HTMLElement).dataset.photo ?? ""));

  test("is written by the run and shows one entry per row of results.csv, with its reading or its reason", async () => {
    expect(run.code).toBe(2); // broken.jpg failed
    const json = JSON.parse(run.stdout) as {
      reportFile: string;
      summary: {
        photos: number;
        read: number;
        unreadable: number;
        failed: number;
        implausible: number;
        cost: number;
        pricePerNodeHour: number;
      };
    };
    expect(json.reportFile).toBe(path.join(jobDir, "report.html"));
    const count = (s: string) => rows.filter((r) => r.status === s).length;
    expect(json.summary).toMatchObject({
      photos: rows.length,
      read: count("ok"),
      unreadable: count("unreadable"),
      failed: 1,
      implausible: 1,
      pricePerNodeHour: 0.5,
    });
    expect(rows).toHaveLength(SERIES.length + 2);
    const entries = await page.$$eval("#entries .entry", (es) =>
      es.map((e) => ({
        photo: (e as HTMLElement).dataset.photo ?? "",
        status: (e as HTMLElement).dataset.status ?? "",
        reading: e.querySelector(".reading")?.textContent ?? "",
        reason: e.querySelector(".reason")?.textContent ?? "",
        thumb: e.querySelector("img.thumb")?.getAttribute("src") ?? null,
        outline: e.querySelector("polygon.outline")?.getAttribute("data-source") ?? null,
      })),
    );
    expect(entries.map((e) => [e.photo, e.status, e.reading, e.reason]).sort()).toEqual(
      rows.map((r) => [r.photo, r.status, r.reading, r.status === "ok" ? "" : r.error]).sort(),
    );
    for (const e of entries) {
      // Where the worker found the counter, or else the samples' profile window: outlined on every thumbnail.
      if (e.photo === "broken.jpg") expect([e.thumb, e.outline]).toEqual([null, null]);
      else
        expect([e.thumb, ["record", "profile"].includes(e.outline ?? "")]).toEqual([
          expect.stringMatching(/^thumbs\/\d+\.jpg$/),
          true,
        ]);
    }
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>("img.thumb")].every((i) => i.complete && i.naturalWidth > 0),
    );
    // Beside each read photo's thumbnail, the band the worker read, from its record, as the browser decoded it.
    const bands = await page.$$eval("#entries .entry", (es) =>
      es.map((e) => {
        const img = e.querySelector<HTMLImageElement>("figure.band img");
        return {
          status: (e as HTMLElement).dataset.status ?? "",
          src: img?.getAttribute("src")?.slice(0, 22) ?? null,
          width: img?.naturalWidth ?? 0,
        };
      }),
    );
    const read = bands.filter((b) => b.status === "ok");
    expect(read.length).toBeGreaterThan(0);
    for (const b of read) expect([b.src, b.width > 0 && b.width <= 200]).toEqual(["data:image/png;base64,", true]);
    const summary = Object.fromEntries(
      await page.$$eval("dl.summary div", (ds) =>
        ds.map((d) => [(d as HTMLElement).dataset.key, d.querySelector("dd")?.textContent ?? ""]),
      ),
    );
    expect(summary).toMatchObject({
      photos: String(rows.length),
      read: String(rows.filter((r) => r.status === "ok").length),
      failed: "1",
    });
    expect(summary.cost).toBe(`${json.summary.cost.toFixed(4)} at 0.5 per node-hour`);
    expect(requested.filter((u) => !u.startsWith("file://"))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  test("filters the entries: all, unreadable, failed, implausible", async () => {
    const photos = (pick: (r: Row) => boolean) =>
      rows
        .filter(pick)
        .map((r) => r.photo)
        .sort();
    await page.click('[data-filter="failed"]');
    expect((await visible(page)).sort()).toEqual(["broken.jpg"]);
    await page.click('[data-filter="unreadable"]');
    expect((await visible(page)).sort()).toEqual(photos((r) => r.status === "unreadable"));
    await page.click('[data-filter="implausible"]');
    expect(await visible(page)).toEqual(["meter-011.jpg"]);
    await page.click('[data-filter="all"]');
    expect((await visible(page)).sort()).toEqual(photos(() => true));
  });

  test("sorts by confidence, least sure first", async () => {
    await page.selectOption("#sort", "confidence");
    const conf = new Map(rows.map((r) => [r.photo, r.confidence === "" ? -1 : Number(r.confidence)]));
    const order = (await visible(page)).map((p) => conf.get(p) as number);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBeGreaterThan(1);
  });

  test("charts the meter's readings over time with the refused one marked", async () => {
    const chart = await page.$eval('.chart[data-meter="M1"]', (c) => ({
      plausible: [...c.querySelectorAll<SVGElement>(".plausible")].map((e) => e.dataset.photo),
      implausible: [...c.querySelectorAll<SVGElement>(".implausible")].map((e) => e.dataset.photo),
    }));
    expect(chart.implausible).toEqual(["meter-011.jpg"]);
    expect(chart.plausible.sort()).toEqual(
      SERIES.map(([p]) => p)
        .filter((p) => p !== "meter-011.jpg")
        .sort(),
    );
  });

  test("exports results.csv with a reviewed column holding what the operator typed for refused photos", async () => {
    const refused = rows
      .filter((r) => r.status !== "ok")
      .map((r) => r.photo)
      .sort();
    expect(refused).toEqual(expect.arrayContaining(["broken.jpg", "meter-011.jpg"]));
    await page.fill('input.review[data-photo="meter-011.jpg"]', "02000");
    // Not a reading: refused by the field, and not exported.
    await page.fill('input.review[data-photo="broken.jpg"]', "12a");
    expect(
      await page.$eval('input.review[data-photo="broken.jpg"]', (i) => (i as HTMLInputElement).validity.valid),
    ).toBe(false);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
    expect(download.suggestedFilename()).toBe("report-1-reviewed.csv");
    const text = await readFile((await download.path()) as string, "utf8");
    const original = await readFile(path.join(jobDir, "results.csv"), "utf8");
    const [header, ...lines] = text.trimEnd().split("\n");
    expect(header).toBe([...CSV_COLUMNS, "reviewed"].join(","));
    const exported = parse(text, { columns: true }) as (Row & { reviewed: string })[];
    // Every row as results.csv has it, cell for cell, with the reviewed reading after.
    expect(exported.map(({ reviewed: _r, ...r }) => r)).toEqual(parse(original, { columns: true }));
    expect(Object.fromEntries(exported.filter((r) => r.reviewed !== "").map((r) => [r.photo, r.reviewed]))).toEqual({
      "meter-011.jpg": "02000",
    });
    expect(lines).toHaveLength(rows.length);
    expect(await page.textContent("#export-status")).toContain("1 reading(s) reviewed");
  });
});
