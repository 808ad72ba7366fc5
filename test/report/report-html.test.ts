/** The parts of report.html that a run on the samples does not reach: a band image, hostile names, the series points. */
import { bandImageOf, type PhotoResult } from "../../tasks/collect";
import { RESULT_SCHEMA, type ResultRecord } from "../../contracts/result-record";
import { reportHtml } from "../../tasks/report/report-html";
import { reportSummary } from "../../tasks/report/summary";
import { seriesPoints } from "../../tasks/series-points";
import { checkSeries } from "../../shared/series";
import { launchChromium } from "./chromium";

const PNG =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==";

const record = (extra: Record<string, unknown>): ResultRecord =>
  ({
    schema: RESULT_SCHEMA,
    photo: "a.jpg",
    status: "ok",
    reading: "1",
    confidence: 1,
    rawText: "",
    error: null,
    mode: "auto",
    timings: { convertMs: 0, ocrMs: 0, totalMs: 0 },
    ...extra,
  }) as ResultRecord;

const row = (photo: string, extra: Partial<PhotoResult> = {}): PhotoResult => ({
  photo,
  reading: "00530",
  confidence: 0.9,
  status: "ok",
  error: null,
  taskId: "t1",
  rawText: "",
  ...extra,
});

function page(rows: PhotoResult[]): string {
  return reportHtml({
    jobId: "j",
    rows,
    thumbnails: new Map(),
    seriesPoints: [],
    summary: reportSummary(rows, new Set(), { wallMs: null, nodeHours: null, nodes: 0 }),
    script: "",
  });
}

describe("report.html, written", () => {
  test("a machine without chromium fails the browser test with what to do, it does not skip it", async () => {
    await expect(launchChromium(["/nonexistent/chromium"])).rejects.toThrow(
      "no chromium at /nonexistent/chromium: run .ci/run, which installs Debian's chromium",
    );
  });

  test("a record's band image is shown in its slot, and only an inline image is taken", () => {
    expect(bandImageOf(record({ bandImage: PNG }))).toBe(PNG);
    expect(bandImageOf(record({ band: PNG }))).toBe(PNG);
    for (const bad of [
      "https://example.com/band.png",
      "javascript:alert(1)",
      "data:text/html;base64,PGI+",
      "file:///etc/passwd",
      42,
    ])
      expect(bandImageOf(record({ bandImage: bad }))).toBeUndefined();
    const html = page([row("a.jpg", { bandImage: PNG }), row("b.jpg")]);
    expect(html).toContain(`<figure class="band"><img src="${PNG}" alt="the counter as located"></figure>`);
    expect(html.match(/no band image in the record/g)).toHaveLength(1);
  });

  test("the counter's outline on the thumbnail: where the record found it, else the profile's window; numbers only", () => {
    const corners: [number, number][] = [
      [10, 20],
      [110, 20],
      [110, 50],
      [10, 50],
    ];
    const rows = [
      row("found.jpg", { counter: { corners, skew: 0, wheels: 5 } }),
      row("profiled.jpg"),
      row("hostile.jpg", {
        counter: {
          corners: [
            ['1"/><script>', 2],
            [3, 4],
            [5, 6],
          ] as unknown as [number, number][],
          skew: 0,
          wheels: 5,
        },
      }),
    ];
    const thumbnails = new Map(rows.map((r, i) => [r.photo, { file: `thumbs/${i}.jpg`, width: 800, height: 600 }]));
    const html = reportHtml({
      jobId: "j",
      rows,
      thumbnails,
      profileCorners: [
        [1, 1],
        [2, 1],
        [2, 2],
        [1, 2],
      ],
      seriesPoints: [],
      summary: reportSummary(rows, new Set(), { wallMs: null, nodeHours: null, nodes: 0 }),
      script: "",
    });
    expect(html).toContain(
      '<svg viewBox="0 0 800 600" preserveAspectRatio="none" aria-hidden="true"><polygon class="outline" data-source="record" points="10,20 110,20 110,50 10,50">',
    );
    expect(html).toContain('data-source="profile" points="1,1 2,1 2,2 1,2"');
    expect(html.match(/class="outline"/g)).toHaveLength(2);
    expect(html).not.toContain('"/><script>');
  });

  test("names and reasons are text, never markup, even in the page's data", () => {
    const html = page([
      row("<img src=x onerror=alert(1)>.jpg", {
        status: "unreadable",
        reading: null,
        error: "</script><script>alert(2)</script>",
      }),
    ]);
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("<script>alert(2)");
    expect(html).toContain("&#60;img src=x onerror=alert(1)&#62;.jpg");
  });

  test("the chart's points: ok readings with a meter and a time, the ones the series check refused marked", () => {
    const rows = [
      row("m1/a.jpg", { reading: "100", takenAt: "2026-01-01T10:00:00" }),
      row("m1/b.jpg", { reading: "900", takenAt: "2026-01-02T10:00:00" }),
      row("m1/c.jpg", { reading: "110", takenAt: "2026-01-03T10:00:00" }),
      row("m1/d.jpg", { reading: "120", takenAt: "2026-01-04T10:00:00" }),
      row("m1/e.jpg", { reading: "130" }),
      row("top.jpg", { reading: "5", takenAt: "2026-01-01T10:00:00" }),
      row("m1/f.jpg", { status: "unreadable", reading: null, error: "x", takenAt: "2026-01-05T10:00:00" }),
    ];
    const { records } = checkSeries(rows);
    expect(seriesPoints(rows, records).map((p) => [p.photo, p.meter, p.reading, p.implausible])).toEqual([
      ["m1/a.jpg", "m1", "100", false],
      ["m1/b.jpg", "m1", "900", true],
      ["m1/c.jpg", "m1", "110", false],
      ["m1/d.jpg", "m1", "120", false],
    ]);
  });
});
