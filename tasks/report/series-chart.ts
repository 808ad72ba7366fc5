/**
 * Readings over time, one inline SVG per meter: the readings that stand joined by a line, those
 * the series check refused marked apart (a red cross), each point titled with its photo, time and
 * reading. Drawn when the report is written, so the page needs no charting code.
 */
import type { SeriesPoint } from "../series-points";
import { escapeHtml } from "./html-text";

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 70, right: 16, top: 12, bottom: 40 };

function scale(value: number, min: number, max: number, from: number, to: number): number {
  return max === min ? (from + to) / 2 : from + ((value - min) / (max - min)) * (to - from);
}

/** The meter's time as written, shortened to the minute for an axis label. */
function shortTime(time: string): string {
  return time.replace("T", " ").slice(0, 16);
}

export function meterChart(meter: string, points: readonly SeriesPoint[]): string {
  const sorted = [...points].sort((a, b) => a.ms - b.ms);
  const xs = sorted.map((p) => p.ms);
  const ys = sorted.map((p) => Number(p.reading));
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const at = (p: SeriesPoint) =>
    [
      scale(p.ms, x0, x1, PAD.left, WIDTH - PAD.right),
      scale(Number(p.reading), y0, y1, HEIGHT - PAD.bottom, PAD.top),
    ] as const;
  const line = sorted
    .filter((p) => !p.implausible)
    .map((p) =>
      at(p)
        .map((v) => v.toFixed(1))
        .join(","),
    )
    .join(" ");
  const marks = sorted.map((p) => {
    const [x, y] = at(p);
    const title = `<title>${escapeHtml(`${p.photo}: ${p.reading} at ${p.time}${p.implausible ? " (refused: breaks the series)" : ""}`)}</title>`;
    return p.implausible
      ? `<g class="implausible" data-photo="${escapeHtml(p.photo)}">${title}<path d="M${x - 5},${y - 5}L${x + 5},${y + 5}M${x - 5},${y + 5}L${x + 5},${y - 5}"/></g>`
      : `<circle class="plausible" data-photo="${escapeHtml(p.photo)}" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4">${title}</circle>`;
  });
  const first = sorted[0] as SeriesPoint;
  const last = sorted[sorted.length - 1] as SeriesPoint;
  const axes = [
    `<line class="axis" x1="${PAD.left}" y1="${HEIGHT - PAD.bottom}" x2="${WIDTH - PAD.right}" y2="${HEIGHT - PAD.bottom}"/>`,
    `<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${HEIGHT - PAD.bottom}"/>`,
    `<text x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${y1}</text>`,
    `<text x="${PAD.left - 6}" y="${HEIGHT - PAD.bottom}" text-anchor="end">${y0}</text>`,
    `<text x="${PAD.left}" y="${HEIGHT - PAD.bottom + 18}">${escapeHtml(shortTime(first.time))}</text>`,
    `<text x="${WIDTH - PAD.right}" y="${HEIGHT - PAD.bottom + 18}" text-anchor="end">${escapeHtml(shortTime(last.time))}</text>`,
  ];
  const refused = sorted.filter((p) => p.implausible).length;
  return `<figure class="chart" data-meter="${escapeHtml(meter)}"><figcaption>meter ${escapeHtml(meter)}: ${sorted.length} reading(s), ${refused} refused by the series check</figcaption><svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="readings of meter ${escapeHtml(meter)} over time">${axes.join("")}${line ? `<polyline class="series" points="${line}"/>` : ""}${marks.join("")}</svg></figure>`;
}

/** A chart per meter, meters in name order; empty when no reading had a meter and a time. */
export function seriesCharts(points: readonly SeriesPoint[]): string {
  const byMeter = new Map<string, SeriesPoint[]>();
  for (const p of points) byMeter.set(p.meter, [...(byMeter.get(p.meter) ?? []), p]);
  return [...byMeter]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([meter, ps]) => meterChart(meter, ps))
    .join("\n");
}
