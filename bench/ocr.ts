/**
 * OCR throughput: the whole pipeline (`npm run ocr` against the local Batch service: start-up,
 * upload, tasks, worker, collect) against a per-photo shell loop and GNU parallel on the same
 * photos, the worker alone for context, and the floor, Tesseract's own recognition time with the
 * model loaded once, spread over the cores.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { parseResultRecords } from "../contracts/result-record";
import { RECORDS_FILE } from "../contracts/node-setup";
import { score } from "../worker/eval";
import { cleanOps } from "../worker/prepare";
import { bundleWorker } from "../worker/package";
import type { PhotoSet } from "./photos";
import { interleave, medianRate, medianSeconds, ratio, timed, type Contender, type Sample } from "./stats";

const exec = promisify(execFile);
const OCR_ENV = { ...process.env, OMP_THREAD_LIMIT: "1" };

export interface OcrResult {
  status: "measured";
  photos: number;
  cores: number;
  /** What "pipeline" measured. */
  pipelineKind: string;
  /** Seconds `npm run ocr` takes for one photo: start-up and teardown every run pays. */
  pipelineFixedSeconds: number;
  /** Photos per second once started: (photos − 1) ÷ (median run − the one-photo run). */
  pipelineMarginalRate: number | null;
  samples: Sample[];
  floor: Floor;
  medians: Record<string, number>;
  ratios: { vsLoop: number | null; vsParallel: number | null; fractionOfFloor: number | null };
  /** What the worker read in the last run measured: a fast run that reads nothing is no result. */
  accuracy: Accuracy | null;
}

/** The worker's readings of the bench photos against their truth (integer part). */
export interface Accuracy {
  scored: number;
  exact: number;
  unreadable: number;
  wrong: number;
  errors: number;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The per-photo pipeline a user would write by hand, with the worker's own clean-up steps. */
function perPhotoCommand(ops: string[], input: string, outBase: string): string {
  const convert = ["convert", input, ...ops, `${outBase}.tif`]
    .map((a) => (a.startsWith("{") ? a : shellQuote(a)))
    .join(" ");
  return `${convert} && tesseract ${outBase}.tif ${outBase} --psm 7 digits 2>/dev/null`;
}

async function loop(set: PhotoSet, work: string): Promise<number> {
  const list = path.join(work, "photos.txt");
  await writeFile(list, set.photos.join("\n") + "\n");
  const script = `while IFS= read -r f; do ${perPhotoCommand(cleanOps(set.profile), "{f}", path.join(work, "out"))}; done < ${shellQuote(list)}`;
  await exec("bash", ["-c", script.replace("{f}", '"$f"')], { env: OCR_ENV, maxBuffer: 1 << 26 });
  return set.photos.length;
}

async function gnuParallel(set: PhotoSet, work: string, cores: number): Promise<number> {
  const list = path.join(work, "photos.txt");
  await writeFile(list, set.photos.join("\n") + "\n");
  const cmd = perPhotoCommand(cleanOps(set.profile), "{}", path.join(work, "out-{#}"));
  await exec("parallel", ["-j", String(cores), "-a", list, cmd], { env: OCR_ENV, maxBuffer: 1 << 26 });
  return set.photos.length;
}

/** The worker, bundled as a node runs it, over every photo with one Tesseract per core. */
async function workerAlone(workerJs: string, set: PhotoSet, work: string, cores: number): Promise<number> {
  const out = path.join(work, "results");
  await rm(out, { recursive: true, force: true });
  const args = [workerJs, "--out", out, "--concurrency", String(cores), "--input", set.dir];
  if (set.profilePath) args.push("--profile", set.profilePath);
  await exec(process.execPath, args, { maxBuffer: 1 << 26 });
  return set.photos.length;
}

async function workerAccuracy(set: PhotoSet, work: string): Promise<Accuracy | null> {
  if (set.truth.size === 0) return null;
  const records = parseResultRecords(await readFile(path.join(work, "results", RECORDS_FILE), "utf8"));
  const r = score(records, (photo) => set.truth.get(photo));
  return { scored: r.photos - r.noTruth, exact: r.exact, unreadable: r.unreadable, wrong: r.wrong, errors: r.errors };
}

/** `npm run ocr` as an operator runs it, local: everything from start-up to the results files. */
async function dispatcherRun(
  root: string,
  dir: string,
  profilePath: string | undefined,
  out: string,
  expected: number,
): Promise<number> {
  await rm(out, { recursive: true, force: true });
  const args = [path.join(root, "tasks", "cli.ts"), "--input", dir, "--out", out, "--json", "--job-id", "bench"];
  if (profilePath) args.push("--profile", profilePath);
  const { stdout } = await exec(path.join(root, "node_modules", ".bin", "tsx"), args, {
    cwd: root,
    maxBuffer: 1 << 28,
  }).catch((err: { stderr?: string; message: string }) => {
    throw new Error(`npm run ocr failed: ${err.stderr?.split("\n").slice(-5).join(" ") ?? err.message}`);
  });
  const report = JSON.parse(stdout) as { collected?: { rows?: unknown[] } };
  const rows = report.collected?.rows?.length ?? Number.NaN;
  if (rows !== expected) throw new Error(`npm run ocr reported ${rows} photos of ${expected}`);
  return expected;
}

/** Tesseract alone over TIFs prepared beforehand, one process, model loaded once. */
interface Floor {
  tesseractSeconds: number;
  photosPerSecond: number;
  /** Wall time of the ImageMagick step for all photos, one convert per photo, -j cores. */
  prepareSecondsParallel: number;
}

async function floor(set: PhotoSet, work: string, cores: number): Promise<Floor> {
  const tifDir = path.join(work, "floor");
  await mkdir(tifDir, { recursive: true });
  const list = path.join(work, "floor-photos.txt");
  await writeFile(list, set.photos.join("\n") + "\n");
  const ops = cleanOps(set.profile).map(shellQuote).join(" ");
  // Timed too, though not part of the floor: it shows how much of a pipeline's time ImageMagick takes.
  const prepare = await timed(() =>
    exec("parallel", ["-j", String(cores), "-a", list, `convert {} ${ops} ${shellQuote(tifDir)}/{#}.tif`], {
      maxBuffer: 1 << 26,
    }),
  );
  const tifs = (await readdir(tifDir)).filter((f) => f.endsWith(".tif")).map((f) => path.join(tifDir, f));
  const tifList = path.join(work, "tifs.txt");
  await writeFile(tifList, tifs.join("\n") + "\n");
  const { seconds } = await timed(() =>
    exec("tesseract", [tifList, path.join(work, "floor-out"), "--psm", "7", "digits"], {
      env: OCR_ENV,
      maxBuffer: 1 << 26,
    }),
  );
  // Perfect spreading over the cores is the best any pipeline can do with this recogniser.
  return {
    tesseractSeconds: seconds,
    photosPerSecond: tifs.length / (seconds / cores),
    prepareSecondsParallel: prepare.seconds,
  };
}

export async function benchOcr(
  root: string,
  set: PhotoSet,
  work: string,
  cores: number,
  reps: number,
  log: (l: string) => void,
): Promise<OcrResult> {
  await mkdir(work, { recursive: true });
  const workerJs = path.join(work, "worker.js");
  await writeFile(workerJs, await bundleWorker(path.join(root, "worker", "main.ts")));
  const dirs = {
    loop: path.join(work, "loop"),
    parallel: path.join(work, "parallel"),
    pipeline: path.join(work, "pipeline"),
  };
  for (const d of Object.values(dirs)) await mkdir(d, { recursive: true });
  const pipelineKind =
    "npm run ocr, local: in-process local Batch service and Azurite, worker package build, pool deploy, upload, tasks, collect";
  const contenders: Contender[] = [
    { name: "loop", run: async () => ({ units: await loop(set, dirs.loop) }) },
    { name: "parallel", run: async () => ({ units: await gnuParallel(set, dirs.parallel, cores) }) },
    {
      name: "pipeline",
      run: async () => ({
        units: await dispatcherRun(root, set.dir, set.profilePath, dirs.pipeline, set.photos.length),
      }),
    },
    {
      name: "workerAlone",
      run: async () => ({ units: await workerAlone(workerJs, set, path.join(work, "worker"), cores) }),
    },
  ];
  const samples = await interleave(contenders, reps, log);
  const oneDir = path.join(work, "one-photo");
  await mkdir(oneDir, { recursive: true });
  await copyFile(set.photos[0]!, path.join(oneDir, path.basename(set.photos[0]!)));
  const fixed = await timed(() => dispatcherRun(root, oneDir, set.profilePath, path.join(work, "one-out"), 1));
  log(`  npm run ocr on one photo (fixed cost): ${fixed.seconds.toFixed(2)} s`);
  const accuracy = await workerAccuracy(set, path.join(work, "worker"));
  if (accuracy)
    log(
      `  worker accuracy: ${accuracy.exact} of ${accuracy.scored} exact, ${accuracy.unreadable} unreadable, ${accuracy.wrong} wrong`,
    );
  const fl = await floor(set, work, cores);
  log(
    `  floor: tesseract ${fl.tesseractSeconds.toFixed(2)} s for ${set.photos.length} photos -> ${fl.photosPerSecond.toFixed(2)} photos/s over ${cores} cores; ImageMagick step ${fl.prepareSecondsParallel.toFixed(2)} s with -j ${cores}`,
  );
  const medians = {
    loop: medianRate(samples, "loop"),
    parallel: medianRate(samples, "parallel"),
    pipeline: medianRate(samples, "pipeline"),
    workerAlone: medianRate(samples, "workerAlone"),
    floor: fl.photosPerSecond,
  };
  const marginal = (set.photos.length - 1) / (medianSeconds(samples, "pipeline") - fixed.seconds);
  return {
    status: "measured",
    photos: set.photos.length,
    cores,
    pipelineKind,
    pipelineFixedSeconds: fixed.seconds,
    pipelineMarginalRate: Number.isFinite(marginal) && marginal > 0 ? marginal : null,
    samples,
    floor: fl,
    medians,
    ratios: {
      vsLoop: ratio(medians.pipeline, medians.loop),
      vsParallel: ratio(medians.pipeline, medians.parallel),
      fractionOfFloor: ratio(medians.pipeline, medians.floor),
    },
    accuracy,
  };
}
