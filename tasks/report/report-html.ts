/**
 * report.html: one page that opens from disk with no network. Everything it shows is written in
 * the HTML (so it reads without its script); the inline script adds filters, sorting and the
 * review export. Thumbnails are files in a folder beside it; band images are inline data URIs.
 */
import type { PhotoResult } from "../collect";
import type { SeriesPoint } from "../series-points";
import { formatDuration } from "../progress";
import { DATA_ELEMENT_ID, FILTERS, SORTS, type PageData } from "./page-data";
import { escapeHtml } from "./html-text";
import { seriesCharts } from "./series-chart";
import type { ReportSummary } from "./summary";
import type { Thumbnail } from "./thumbnails";

export interface ReportInput {
  jobId: string;
  rows: readonly PhotoResult[];
  /** By photo; photos the input could not read have none. */
  thumbnails: ReadonlyMap<string, Thumbnail>;
  seriesPoints: readonly SeriesPoint[];
  summary: ReportSummary;
  /** The profile's counter window, for rows whose record has no `counter`. */
  profileCorners?: [number, number][];
  /** Inline script (page-bundle.ts). */
  script: string;
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#222;background:#fafafa}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
dl.summary{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.5rem}
dl.summary div{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.5rem .75rem}
dl.summary dt{font-size:.8rem;color:#666}dl.summary dd{margin:0;font-size:1.05rem;font-weight:600}
.controls{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:1rem 0}
button[aria-pressed=true]{background:#234;color:#fff}
#entries{display:grid;grid-template-columns:repeat(auto-fill,minmax(22rem,1fr));gap:.75rem}
.entry{background:#fff;border:1px solid #ddd;border-left:6px solid #2a7;border-radius:6px;padding:.6rem;display:grid;grid-template-columns:160px 1fr;gap:.6rem}
.entry[data-status=unreadable]{border-left-color:#d90}.entry[data-status=error]{border-left-color:#c33}
.thumbwrap{position:relative;display:inline-block;line-height:0}.entry img.thumb{max-width:160px;max-height:120px}
.thumbwrap svg{position:absolute;inset:0;width:100%;height:100%}.outline{fill:none;stroke:#f0c;stroke-width:1.5;vector-effect:non-scaling-stroke}.entry .photo{font-weight:600;word-break:break-all}
.reading{font:600 1.3rem ui-monospace,monospace}.reason{color:#a40;font-size:.9rem}
.band{margin:.3rem 0}.band img{max-width:100%;image-rendering:pixelated}.none{color:#999;font-size:.8rem}
input.review{font:1rem ui-monospace,monospace;width:9rem}input.review:invalid{outline:2px solid #c33}
.chart svg{background:#fff;border:1px solid #ddd;max-width:100%;height:auto}
.chart text{font-size:11px;fill:#555}.axis{stroke:#999}.series{fill:none;stroke:#27a;stroke-width:1.5}
.plausible{fill:#27a}.implausible path{stroke:#c33;stroke-width:2.5}
`;

function figure(label: string, value: string, key: string): string {
  return `<div data-key="${key}"><dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd></div>`;
}

function summaryHtml(s: ReportSummary): string {
  const unknown = "unknown (no task times: the job was deleted before any collection)";
  const cost =
    s.cost !== null
      ? `${s.cost.toFixed(s.cost < 1 ? 4 : 2)} at ${s.pricePerNodeHour} per node-hour`
      : s.pricePerNodeHour === null
        ? "give --price-per-node-hour for an estimate"
        : "unknown (no node-hours)";
  return `<dl class="summary">${[
    figure("photos", String(s.photos), "photos"),
    figure("read", String(s.read), "read"),
    figure("unreadable", `${s.unreadable}${s.implausible ? ` (${s.implausible} implausible)` : ""}`, "unreadable"),
    figure("failed", String(s.failed), "failed"),
    figure("wall time (tasks)", s.run.wallMs === null ? unknown : formatDuration(s.run.wallMs), "wall"),
    figure("photos per second", s.photosPerSecond === null ? "unknown" : s.photosPerSecond.toFixed(2), "rate"),
    figure(
      "node-hours (running tasks)",
      s.run.nodeHours === null ? "unknown" : `${s.run.nodeHours.toFixed(3)} on ${s.run.nodes} node(s)`,
      "node-hours",
    ),
    figure("cost estimate", cost, "cost"),
  ].join(
    "",
  )}</dl><p class="none">Node-hours count each node from its first task's start to its last task's end: boot and idle time are billed too, so the cost is a lower bound.</p>`;
}

/** The counter's outline over the thumbnail, in the photo's own pixels (the SVG is scaled with the picture). */
function outline(thumb: { width: number; height: number }, corners: [number, number][], found: boolean): string {
  // The record's corners are not checked by its parser: numbers only, or no outline.
  const numbers = corners.map((c) => (Array.isArray(c) ? c.map(Number) : []));
  if (numbers.length < 3 || numbers.some((c) => c.length !== 2 || !c.every(Number.isFinite))) return "";
  const points = numbers.map(([x, y]) => `${x},${y}`).join(" ");
  const title = found ? "where the worker found the counter" : "the profile's counter window";
  return `<svg viewBox="0 0 ${thumb.width} ${thumb.height}" preserveAspectRatio="none" aria-hidden="true"><polygon class="outline" data-source="${found ? "record" : "profile"}" points="${points}"><title>${title}</title></polygon></svg>`;
}

function entryHtml(
  r: PhotoResult,
  thumb: Thumbnail | undefined,
  implausible: boolean,
  profileCorners: [number, number][] | undefined,
): string {
  const corners = r.counter?.corners ?? profileCorners;
  const picture =
    thumb && "file" in thumb
      ? `<span class="thumbwrap"><img class="thumb" src="${escapeHtml(thumb.file)}" alt="${escapeHtml(r.photo)}" loading="lazy">${corners ? outline(thumb, corners, Boolean(r.counter)) : ""}</span>`
      : `<span class="none">${escapeHtml(thumb?.missing ?? "no thumbnail: the photo could not be read from the input")}</span>`;
  // The slot for the counter as the worker located and cut it: filled when the record carries the image.
  const band = r.bandImage
    ? `<img src="${escapeHtml(r.bandImage)}" alt="the counter as located">`
    : `<span class="none">no band image in the record</span>`;
  const result =
    r.status === "ok"
      ? `<div class="reading">${escapeHtml(r.reading ?? "")}</div><div>confidence ${r.confidence === null ? "-" : r.confidence.toFixed(2)}</div>`
      : `<div class="status">${r.status === "error" ? "failed" : implausible ? "unreadable (implausible)" : "unreadable"}</div><div class="reason">${escapeHtml(r.error ?? "")}</div>` +
        `<label>reading you see: <input class="review" data-photo="${escapeHtml(r.photo)}" inputmode="numeric" pattern="[0-9]*" autocomplete="off"></label>`;
  return `<article class="entry" data-photo="${escapeHtml(r.photo)}" data-status="${r.status}"><div>${picture}</div><div><div class="photo">${escapeHtml(r.photo)}</div><figure class="band">${band}</figure>${result}</div></article>`;
}

/** JSON for a <script type="application/json">: no "<" at all, so no text in it can close the element. */
function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

export function reportHtml(input: ReportInput): string {
  const implausible = new Set(input.seriesPoints.filter((p) => p.implausible).map((p) => p.photo));
  const data: PageData = {
    jobId: input.jobId,
    rows: input.rows.map((r) => ({
      photo: r.photo,
      reading: r.reading,
      confidence: r.confidence,
      status: r.status,
      error: r.error,
      taskId: r.taskId,
      implausible: implausible.has(r.photo),
    })),
  };
  const charts = seriesCharts(input.seriesPoints);
  const title = `OCR report: ${input.jobId}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data: file:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
${summaryHtml(input.summary)}
${charts ? `<h2>Readings over time</h2>\n<div id="charts">${charts}</div>` : ""}
<h2>Photos</h2>
<div class="controls">
${FILTERS.map((f) => `<button type="button" data-filter="${f}" aria-pressed="${f === "all"}">${f}</button>`).join("")}
<label>sort by <select id="sort">${SORTS.map((s) => `<option value="${s}">${s}</option>`).join("")}</select></label>
<span id="shown"></span>
<button type="button" id="export">export reviewed CSV</button><span id="export-status"></span>
</div>
<div id="entries">
${input.rows.map((r) => entryHtml(r, input.thumbnails.get(r.photo), implausible.has(r.photo), input.profileCorners)).join("\n")}
</div>
<script type="application/json" id="${DATA_ELEMENT_ID}">${inlineJson(data)}</script>
<script>${input.script}</script>
</body></html>
`;
}
