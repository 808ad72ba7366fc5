/**
 * `npm run bench`: the project's performance as ratios against baselines measured in the same run,
 * on the same photos, interleaved, medians over repetitions. Prints a table and writes JSON.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import {
  goal,
  PLAN_RSS_GROWTH,
  SUBMIT_PEAK_RSS_MB,
  UPLOAD_GOAL_LATENCY_MS,
  UPLOAD_VS_SEQUENTIAL,
  type Goal,
} from "./goals";
import { machineInfo, versions } from "./machine";
import { benchOcr, type OcrResult } from "./ocr";
import { makePhotoSet } from "./photos";
import { benchScale, type ScaleResult } from "./scale";
import { benchSubmission, type SubmissionResult } from "./submission";
import { benchUpload, type UploadResult } from "./upload";

const SECTIONS = ["ocr", "submission", "upload", "scale"] as const;
type Section = (typeof SECTIONS)[number];

interface Options {
  quick: boolean;
  photos: number;
  reps: number;
  tasks: number;
  scale: number;
  uploadLatencyMs: number;
  only?: Section[];
  out: string;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of 1 or more");
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a whole number of 0 or more");
  return n;
}

function sectionList(value: string): Section[] {
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (bad.length > 0)
    throw new InvalidArgumentError(`unknown section(s) ${bad.join(", ")}; choose from ${SECTIONS.join(", ")}`);
  return names as Section[];
}

const ROOT = path.resolve(__dirname, "..");

function parseOptions(argv: string[]): Options {
  const program = new Command()
    .name("bench")
    .description("Performance figures of batch-ocr, each a ratio against a baseline measured in the same run.")
    .option("--quick", "tiny sizes and one repetition (a smoke run, well under a minute)", false)
    .option("--photos <n>", "photos for the OCR and upload sections", positiveInt)
    .option("--reps <n>", "repetitions of each contender (interleaved)", positiveInt)
    .option("--tasks <n>", "tasks for the submission section", positiveInt)
    .option("--scale <n>", "photos for the dispatcher scale section", positiveInt)
    .option(
      "--upload-latency-ms <ms>",
      `delay added to every request to storage in the upload section; 0 for none (default ${UPLOAD_GOAL_LATENCY_MS}, the goal's)`,
      nonNegativeInt,
    )
    .option("--only <sections>", `run only these sections (${SECTIONS.join(",")})`, sectionList)
    .option("--out <file>", "where the results JSON is written", path.join(ROOT, "bench", "results.json"))
    .showHelpAfterError();
  program.parse(argv);
  const o = program.opts<Partial<Options> & { quick: boolean; out: string }>();
  const quick = o.quick;
  return {
    quick,
    photos: o.photos ?? (quick ? 6 : 200),
    reps: o.reps ?? (quick ? 1 : 3),
    tasks: o.tasks ?? (quick ? 200 : 10_000),
    scale: o.scale ?? (quick ? 1_000 : 100_000),
    uploadLatencyMs: o.uploadLatencyMs ?? UPLOAD_GOAL_LATENCY_MS,
    ...(o.only ? { only: o.only } : {}),
    out: path.resolve(o.out),
  };
}

type SectionResult<T> = T | { status: "skipped" | "failed"; reason: string };

/** A section that throws is recorded as failed (with why) so the other sections still report. */
async function attempt<T>(
  name: string,
  fn: () => Promise<T>,
  log: (l: string) => void,
): Promise<T | { status: "failed"; reason: string }> {
  try {
    return await fn();
  } catch (err) {
    // A Batch RestError's message is Batch's {lang, value} object, not a string.
    const body = (err as { body?: { code?: string; message?: { value?: string } } }).body;
    const reason = body?.message?.value
      ? `${body.code ?? "error"}: ${body.message.value}`
      : String((err as Error).message);
    log(`  ${name} failed: ${reason}\n${(err as Error).stack ?? ""}`);
    return { status: "failed", reason };
  }
}

function fmt(n: number | null | undefined, digits = 2): string {
  return n === null || n === undefined || !Number.isFinite(n) ? "-" : n.toFixed(digits);
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")).join("\n");
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv);
  const wanted = (s: Section) => !opts.only || opts.only.includes(s);
  const log = (line: string) => console.error(line);
  const cores = machineInfo().cores;
  const work = await mkdtemp(path.join(tmpdir(), "bench-"));
  const skipped = { status: "skipped" as const, reason: "not selected with --only" };
  try {
    const set = await makePhotoSet(ROOT, path.join(work, "photos"), opts.photos);
    log(`${set.photos.length} photos (${set.source}), ${opts.reps} repetition(s), ${cores} cores`);

    let ocr: SectionResult<OcrResult> = skipped;
    if (wanted("ocr")) {
      log("OCR throughput");
      ocr = await attempt("ocr", () => benchOcr(ROOT, set, path.join(work, "ocr"), cores, opts.reps, log), log);
    }
    let submission: SectionResult<SubmissionResult> = skipped;
    if (wanted("submission")) {
      log("Task submission");
      submission = await attempt("submission", () => benchSubmission(opts.tasks, opts.reps, log), log);
    }
    let upload: SectionResult<UploadResult> = skipped;
    if (wanted("upload")) {
      log("Upload");
      upload = await attempt("upload", () => benchUpload(set, opts.reps, opts.uploadLatencyMs, log), log);
    }
    let scale: SectionResult<ScaleResult> = skipped;
    if (wanted("scale")) {
      log("Dispatcher scale");
      scale = await attempt("scale", () => benchScale(ROOT, opts.scale, log), log);
    }

    const o = "ratios" in ocr ? ocr : undefined;
    const u = "ratios" in upload ? upload : undefined;
    const sub = "ratios" in submission ? submission : undefined;
    const sc = "largest" in scale ? scale : undefined;
    const goals: Goal[] = [
      goal("OCR pipeline vs per-photo shell loop (x)", "min", 3, o?.ratios.vsLoop),
      goal("OCR pipeline vs GNU parallel (x)", "min", 1.3, o?.ratios.vsParallel),
      goal("OCR pipeline fraction of the floor", "min", 0.75, o?.ratios.fractionOfFloor),
      goal("submission tasks per second", "min", 1000, sub?.medians.submitter),
      goal("submission vs az batch task create in a loop (x)", "min", 20, sub?.ratios.vsAzLoop),
      goal("submission vs one SDK call per task, in process (x)", "min", 20, sub?.ratios.vsOneByOne),
      // Stated at one latency: a ratio at another says nothing of it (it is still in the table).
      goal(
        `upload vs sequential, ${UPLOAD_GOAL_LATENCY_MS} ms per request (x)`,
        "min",
        UPLOAD_VS_SEQUENTIAL,
        u?.latencyMs === UPLOAD_GOAL_LATENCY_MS ? u.ratios.vsSequential : undefined,
      ),
      goal("second upload photo bytes sent", "max", 0, u?.secondRunBytesSent),
      goal(
        `${sc?.largest.photos ?? opts.scale} photos planned+submitted, peak RSS (MB)`,
        "max",
        SUBMIT_PEAK_RSS_MB,
        sc?.largest.maxRssMB,
      ),
      goal(
        `${sc?.planOnly[1]?.photos ?? opts.scale * 10} photos planned, peak RSS over ${sc?.planOnly[0]?.photos ?? opts.scale}'s (x)`,
        "max",
        PLAN_RSS_GROWTH,
        sc?.planRssGrowth,
      ),
    ];

    const results = {
      schema: "batch-ocr/bench@1",
      startedBy: "npm run bench",
      date: new Date().toISOString(),
      options: opts,
      machine: machineInfo(),
      versions: versions(ROOT),
      sections: { ocr, submission, upload, scale },
      goals,
    };
    await mkdir(path.dirname(opts.out), { recursive: true });
    await writeFile(opts.out, JSON.stringify(results, null, 2) + "\n");

    const rows: string[][] = [["figure", "value", "goal", "status"]];
    if (o) {
      rows.push(["OCR pipeline (npm run ocr, local) photos/s", fmt(o.medians.pipeline), "", ""]);
      rows.push(["OCR pipeline fixed cost per run, s", fmt(o.pipelineFixedSeconds), "", ""]);
      rows.push(["OCR pipeline once started, photos/s", fmt(o.pipelineMarginalRate), "", ""]);
      rows.push(["OCR worker alone photos/s", fmt(o.medians.workerAlone), "", ""]);
      if (o.accuracy)
        rows.push([
          "OCR worker alone, same run: exact / unreadable / wrong",
          `${o.accuracy.exact} / ${o.accuracy.unreadable} / ${o.accuracy.wrong} of ${o.accuracy.scored}`,
          "0 wrong",
          o.accuracy.wrong === 0 ? "met" : "missed",
        ]);
      rows.push(["OCR shell loop photos/s", fmt(o.medians.loop), "", ""]);
      rows.push(["OCR GNU parallel photos/s", fmt(o.medians.parallel), "", ""]);
      rows.push(["OCR floor photos/s", fmt(o.medians.floor), "", ""]);
    }
    if (u)
      rows.push([
        `upload sequential / dispatcher photos/s, ${u.latencyMs} ms per request`,
        `${fmt(u.medians.sequential)} / ${fmt(u.medians.dispatcher)}`,
        "",
        "",
      ]);
    if (u && u.latencyMs !== UPLOAD_GOAL_LATENCY_MS)
      rows.push([`upload vs sequential, ${u.latencyMs} ms per request (x)`, fmt(u.ratios.vsSequential), "", ""]);
    if (sub)
      rows.push([
        "submission one SDK call per task / az loop, tasks/s",
        `${fmt(sub.medians.oneByOne)} / ${fmt(sub.medians.azLoop)}`,
        "",
        "",
      ]);
    if (sub)
      for (const l of sub.listing)
        rows.push([`listing maxresults=${l.maxResults}`, `${l.counted}/${l.expected} in ${l.pages} pages`, "", ""]);
    if (sc)
      for (const x of sc.samples)
        rows.push([
          `scale ${x.photos} photos (${x.tasks} tasks)`,
          `${fmt(x.planSeconds + x.submitSeconds)} s, ${fmt(x.maxRssMB, 0)} MB`,
          "",
          "",
        ]);
    if (sc) rows.push(["scale time per photo, largest ÷ smallest", fmt(sc.linearity), "", ""]);
    if (sc)
      for (const x of sc.planLive)
        rows.push([`planned only ${x.photos} photos, live heap`, `${fmt(x.maxLiveHeapMB, 1)} MB`, "", ""]);
    if (sc) rows.push(["planned only, live heap growth (x)", fmt(sc.planLiveGrowth), "", ""]);
    if (sc)
      for (const x of sc.planOnly)
        rows.push([
          `planned only ${x.photos} photos (${x.tasks} tasks)`,
          `${fmt(x.planSeconds)} s, ${fmt(x.maxRssMB, 0)} MB`,
          "",
          "",
        ]);
    for (const g of goals)
      rows.push([
        g.goal,
        fmt(g.measured),
        `${g.kind === "min" ? ">=" : "<="} ${g.target}`,
        g.status + (g.shortBy !== undefined ? ` (short by ${(g.shortBy * 100).toFixed(0)}%)` : ""),
      ]);
    for (const [name, s] of Object.entries(results.sections))
      if ("reason" in s && s.reason) rows.push([`[${name}] ${s.status}`, s.reason, "", ""]);
    console.log(table(rows));
    console.log(`\nwritten ${opts.out}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
