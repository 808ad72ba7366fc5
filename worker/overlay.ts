/**
 * Pictures of where the worker found the counter: the photo with the located band's outline, a
 * line at each wheel's edge, and what the photo read (or why not), drawn by one `convert` per
 * photo. Written by `npm run profile` and `npm run eval -- --debug DIR`.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { ResultRecord } from "../contracts/result-record";
import { run } from "./exec";
import { inspectPhotos } from "./inspect";

/** Four corners in photo pixels: top-left, top-right, bottom-right, bottom-left of the band. */
export type Quad = [number, number][];

export interface Overlay {
  /** The band's corners in the photo; absent when no counter was found (only the text is drawn). */
  corners?: Quad;
  /** Where wheels meet, as shares (0..1) of the band's width from its left edge. */
  cuts?: number[];
  /** What the photo read, or why not; one line per entry. */
  lines: string[];
  /** A trusted reading (drawn green) or not (orange). */
  ok: boolean;
}

/** Where wheels meet in a band `bandWidth` columns wide, from the located cells ([x0, x1] each). */
export function cellCuts(cells: [number, number][], bandWidth: number): number[] {
  const cuts = new Set<number>();
  for (const [x0, x1] of cells) for (const x of [x0, x1 + 1]) if (x > 0 && x < bandWidth) cuts.add(x / bandWidth);
  return [...cuts].sort((a, b) => a - b);
}

/**
 * Where wheels meet for a record, which keeps only their number: the locator spaces its wheels
 * evenly along the band (cell k starts at k·pitch), so k / wheels is cell k's left edge.
 */
export function evenCuts(wheels: number): number[] {
  return Array.from({ length: Math.max(0, wheels - 1) }, (_, i) => (i + 1) / wheels);
}

/** What a record came to, in a line: `read 00530 (confidence 0.99)`, or its status and reason. */
export function outcomeLine(record: ResultRecord): string {
  if (record.status === "ok")
    return `read ${record.reading ?? ""}${record.confidence !== null ? ` (confidence ${record.confidence})` : ""}`;
  return `${record.status}: ${record.error ?? "no reason given"}`;
}

/** The overlay of a result record: its counter, if found, and its reading or reason. */
export function recordOverlay(record: ResultRecord): Overlay {
  const lines = [outcomeLine(record)];
  if (record.counter) lines.push(`${record.counter.wheels} wheels, skew ${record.counter.skew}°`);
  return {
    ...(record.counter ? { corners: record.counter.corners, cuts: evenCuts(record.counter.wheels) } : {}),
    lines,
    ok: record.status === "ok",
  };
}

const fmt = (n: number) => String(Math.round(n * 10) / 10);
const point = (p: [number, number]) => `${fmt(p[0])},${fmt(p[1])}`;
const along = (a: [number, number], b: [number, number], t: number): [number, number] => [
  a[0] + t * (b[0] - a[0]),
  a[1] + t * (b[1] - a[1]),
];

/**
 * ImageMagick reads `%` in -annotate text as an image property and a leading `@` as a file to
 * read the text from; both are taken literally here.
 */
function literal(text: string): string {
  const escaped = text.replace(/\\/g, "\\\\").replace(/%/g, "%%");
  return escaped.trimStart().startsWith("@") ? `\\${escaped.trimStart()}` : escaped;
}

/** Words of `text` in lines of at most `width` characters (a longer word keeps a line of its own). */
export function wrapped(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

/** Photo pixels (the shorter side, so either way up) per point of text. */
const PIXELS_PER_POINT = 27;
/** DejaVu Sans's mean advance, in points per character. */
const CHAR_WIDTH = 0.56;

/**
 * The `convert` arguments that draw `overlay` on `photo` (as displayed: EXIF orientation applied)
 * into `out` as PNG. Text is sized and wrapped to fit the photo's shorter side (`size`), lines to
 * the band's height.
 */
export function overlayArgs(
  photo: string,
  overlay: Overlay,
  out: string,
  size: { width: number; height: number },
): string[] {
  const args = [`${photo}[0]`, "-auto-orient", "-colorspace", "sRGB", "-type", "TrueColor"];
  const colour = overlay.ok ? "#00d000" : "#ff8c00";
  if (overlay.corners && overlay.corners.length === 4) {
    const [tl, tr, br, bl] = overlay.corners as [
      [number, number],
      [number, number],
      [number, number],
      [number, number],
    ];
    const height = (Math.hypot(bl[0] - tl[0], bl[1] - tl[1]) + Math.hypot(br[0] - tr[0], br[1] - tr[1])) / 2;
    args.push(
      "-fill",
      "none",
      "-stroke",
      colour,
      "-strokewidth",
      fmt(Math.max(2, height / 40)),
      "-draw",
      `polygon ${[tl, tr, br, bl].map(point).join(" ")}`,
    );
    // A cut at share t of the band's width: from t along its top edge to t along its bottom edge.
    args.push("-stroke", "#ffe000", "-strokewidth", fmt(Math.max(1, height / 60)));
    for (const t of overlay.cuts ?? [])
      args.push("-draw", `line ${point(along(tl, tr, t))} ${point(along(bl, br, t))}`);
  }
  const side = Math.min(size.width, size.height);
  const pointsize = Math.round(Math.min(96, Math.max(12, side / PIXELS_PER_POINT)));
  const perLine = Math.max(20, Math.floor((side - 16) / (CHAR_WIDTH * pointsize)));
  args.push(
    "-stroke",
    "none",
    "-font",
    "DejaVu-Sans",
    "-pointsize",
    String(pointsize),
    "-gravity",
    "NorthWest",
    "-undercolor",
    "#000000b0",
    "-fill",
    colour,
  );
  overlay.lines
    .flatMap((line) => wrapped(line, perLine))
    .forEach((line, i) => args.push("-annotate", `+8+${8 + Math.round(i * pointsize * 1.3)}`, literal(line)));
  args.push(`png:${out}`);
  return args;
}

/** Draws one overlay: one `convert` (and the folder it goes in, if need be). */
export async function drawOverlay(
  photo: string,
  overlay: Overlay,
  out: string,
  size: { width: number; height: number },
): Promise<void> {
  await mkdir(path.dirname(out), { recursive: true });
  const { code, stderr } = await run("convert", overlayArgs(photo, overlay, out, size));
  if (code !== 0)
    throw new Error(`cannot draw the overlay of ${photo}: ${stderr.trim().split("\n")[0] ?? "convert failed"}`);
}

/** The overlay's file for a photo in `dir`: the photo's name with `.png` added (meter-001.jpg.png). */
export function overlayFile(dir: string, photoName: string): string {
  return path.join(dir, `${path.basename(photoName)}.png`);
}

/**
 * Draws every record's overlay into `dir` (records of photos that could not be decoded have no
 * picture); `photoOf` gives a record's photo file. Returns the files written.
 */
export async function drawRecordOverlays(
  records: ResultRecord[],
  photoOf: (record: ResultRecord) => string,
  dir: string,
  concurrency = 2,
): Promise<string[]> {
  const drawable = records.filter((r) => r.status !== "error");
  const sizes = await inspectPhotos(drawable.map(photoOf));
  const written: string[] = [];
  for (let start = 0; start < drawable.length; start += concurrency) {
    const files = await Promise.all(
      drawable.slice(start, start + concurrency).map(async (r) => {
        const out = overlayFile(dir, r.photo);
        const info = sizes.get(photoOf(r));
        await drawOverlay(photoOf(r), recordOverlay(r), out, info?.ok ? info : { width: 800, height: 600 });
        return out;
      }),
    );
    written.push(...files);
  }
  return written;
}
