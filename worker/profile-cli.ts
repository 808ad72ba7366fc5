/**
 * `npm run profile -- PHOTO... [--digits N] [--invert|--no-invert] [--out FILE] [--overlay-dir DIR]`:
 * a first profile for a meter from a few of its photos. The counter is located in each whole
 * photo; the profile (crop, rotate, invert, digits) is written; then the photos are read with it,
 * as a batch would read them, and an overlay per photo shows where the counter was found and what
 * it read.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { parseMeterProfile } from "../contracts/meter-profile";
import type { ResultRecord } from "../contracts/result-record";
import { runBatch } from "./batch";
import { positiveInt } from "./cli-args";
import { draftProfile, redWheelsAtEnd, searchPhoto, type PhotoSearch } from "./draft-profile";
import { inspectPhotos } from "./inspect";
import { cellCuts, drawOverlay, outcomeLine, overlayFile, recordOverlay, type Overlay } from "./overlay";

export class ProfileCliError extends Error {
  override name = "ProfileCliError";
}

interface Options {
  digits?: number;
  invert?: boolean;
  out: string;
  overlayDir?: string;
  force?: boolean;
  concurrency: number;
}

function digitsOption(value: string): number {
  const n = positiveInt(value);
  if (n > 12) throw new InvalidArgumentError("must be from 1 to 12");
  return n;
}

const corners = (c: [number, number][]) => c.map(([x, y]) => `(${Math.round(x)},${Math.round(y)})`).join(" ");

function command(): Command {
  return new Command()
    .name("npm run profile --")
    .description(
      "Writes a meter profile from a few photos of one meter: the counter is located in each whole photo, and the profile gives a crop " +
        "round all of them (25 % margin on each side), the rotation that levels the digits (median), invert and digits (what most photos show). " +
        "The photos are then read with the profile, as a batch reads them, and an overlay per photo (PNG) shows the band found, its wheels, and the reading or why there is none.",
    )
    .argument("[photos...]", "photos of one meter")
    .option(
      "--digits <n>",
      "integer wheels on the counter, leading zeros included, red decimal wheels not (default: as many as most photos show)",
      digitsOption,
    )
    .option("--invert", "light digits on dark wheels (default: found from the photos)")
    .option("--no-invert", "dark digits on light wheels")
    .option("--out <file>", "the profile to write", "profile.json")
    .option("--overlay-dir <dir>", "where the overlays go (default: profile-overlays/ next to the profile)")
    .option("--force", "overwrite the profile if it exists")
    .option("--concurrency <n>", "Tesseract processes at once", positiveInt, cpus().length);
}

/** Runs the command; `log` gets every line of the report. */
export async function main(argv: string[], log: (line: string) => void = console.log): Promise<void> {
  const cmd = command().parse(argv, { from: "user" });
  const photos = cmd.args;
  const opts = cmd.opts<Options>();
  if (photos.length === 0) throw new ProfileCliError("no photos given: npm run profile -- PHOTO... (see --help)");
  if (existsSync(opts.out) && !opts.force)
    throw new ProfileCliError(`${opts.out} exists: give --force to overwrite it`);

  const inspected = await inspectPhotos(photos);
  for (const photo of photos) {
    const info = inspected.get(photo);
    if (!info?.ok) throw new ProfileCliError(`${photo}: ${info && !info.ok ? info.error : "not inspected"}`);
  }

  const work = await mkdtemp(path.join(tmpdir(), "ocr-profile-"));
  try {
    const hints = {
      ...(opts.digits !== undefined ? { digits: opts.digits } : {}),
      ...(opts.invert !== undefined ? { invert: opts.invert } : {}),
    };
    log(
      `Looking for the counter in ${photos.length} whole photo${photos.length === 1 ? "" : "s"}${opts.digits ? ` (${opts.digits} wheels)` : ""}:`,
    );
    const searched: PhotoSearch[] = [];
    for (const photo of photos) {
      const s = await searchPhoto(photo, hints, work).catch((err: Error) => {
        throw new ProfileCliError(err.message);
      });
      searched.push(s);
      if (s.result.ok) {
        const l = s.result.located;
        log(
          `  ${photo}: ${l.cells.length} wheels (${l.found} whole digits), ${l.inverted ? "light digits on dark" : "dark digits on light"}, skew ${l.skew}°, corners ${corners(l.corners)}`,
        );
      } else {
        log(`  ${photo}: counter not found (${s.result.reason}): crop it closer or give --digits`);
      }
    }
    const found = searched.filter((s): s is PhotoSearch & { result: { ok: true } } => s.result.ok);
    if (found.length === 0) {
      const missed = searched.map((s) => s.photo).join(", ");
      throw new ProfileCliError(
        `counter not found in ${missed}: crop ${photos.length === 1 ? "it" : "them"} closer or give --digits`,
      );
    }
    // Red wheels at the end of the row are decimals, which `digits` leaves out.
    const redAtEnd =
      opts.digits === undefined
        ? await Promise.all(found.map((f) => redWheelsAtEnd(f.photo, f.result.located)))
        : undefined;
    const { profile, warnings } = draftProfile(found, opts.digits, redAtEnd);
    for (const w of warnings) log(`warning: ${w}`);
    // What the batch will be given: checked as it will check it.
    parseMeterProfile(JSON.parse(JSON.stringify(profile)), opts.out);
    await mkdir(path.dirname(opts.out), { recursive: true });
    await writeFile(opts.out, JSON.stringify(profile, null, 2) + "\n", { flag: opts.force ? "w" : "wx" });
    log(`Wrote ${opts.out}: ${JSON.stringify(profile)}`);

    log(`Reading the photos with it:`);
    const records = await runBatch({
      photos,
      profile,
      outDir: path.join(work, "batch"),
      concurrency: opts.concurrency,
      nameOf: (p) => p,
    });
    const byPhoto = new Map(records.map((r) => [r.photo, r]));
    const overlayDir = opts.overlayDir ?? path.join(path.dirname(opts.out), "profile-overlays");
    const names = overlayNames(photos);
    for (const [i, photo] of photos.entries()) {
      const r = byPhoto.get(photo);
      if (!r) continue;
      log(
        `  ${photo}: ${outcomeLine(r)}${r.counter ? `; counter at ${corners(r.counter.corners)}, skew ${r.counter.skew}°, ${r.counter.wheels} wheels` : ""}`,
      );
      if (r.status === "error") continue;
      const search = searched[i] as PhotoSearch;
      await drawOverlay(photo, overlayOf(r, search), overlayFile(overlayDir, names[i] as string), search);
    }
    const count = (status: ResultRecord["status"]) => records.filter((r) => r.status === status).length;
    log(
      `${photos.length} photo${photos.length === 1 ? "" : "s"}: ${count("ok")} read, ${count("unreadable")} unreadable, ${count("error")} failed; the counter found in ${found.length} whole photo${found.length === 1 ? "" : "s"}.`,
    );
    log(
      `Overlays in ${overlayDir}${path.sep}. Read a folder with the profile: npm run ocr -- --input DIR --profile ${opts.out}`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The record's overlay; where the batch, searching the profile's crop, found no counter, the band
 * the whole-photo search found is drawn instead, and the text says so.
 */
function overlayOf(record: ResultRecord, search: PhotoSearch): Overlay {
  const overlay = recordOverlay(record);
  if (overlay.corners || !search.result.ok) return overlay;
  const l = search.result.located;
  return {
    ...overlay,
    corners: l.corners,
    cuts: cellCuts(l.cells, l.band.width),
    lines: [...overlay.lines, "band: where the whole-photo search found it"],
  };
}

/** Overlay names: the photos' names, numbered where two photos share one. */
function overlayNames(photos: string[]): string[] {
  const base = photos.map((p) => path.basename(p));
  return base.map((b, i) => (base.indexOf(b) !== base.lastIndexOf(b) ? `${i + 1}-${b}` : b));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`profile: ${(err as Error).message}`);
    process.exit(1);
  });
}
