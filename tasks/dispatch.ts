/**
 * One OCR job from photos to readings, against any set of stack outputs: upload, plan, submit,
 * monitor, collect, clean up. Each step finds what an earlier, interrupted run with the same job id
 * did and continues from there.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { ContainerClient } from "@azure/storage-blob";
import { parseMeterProfile, type MeterProfile } from "../contracts/meter-profile";
import { RECORDS_FILE } from "../contracts/node-setup";
import type { StackOutputs } from "../contracts/stack-outputs";
import { collectResults, type Collected } from "./collect";
import type { Access } from "./credentials";
import { ifFound } from "./if-found";
import {
  readManifest,
  resumeMismatch,
  writeManifest,
  ManifestError,
  MANIFEST_SCHEMA,
  type JobManifest,
} from "./manifest";
import { monitorProgressBar, waitForJob, type JobOutcome } from "./monitor";
import type { IgnoredEntry, NotReadEntry } from "./input-listing";
import { findPhotos, inputLines, InputError, type LocalPhoto } from "./photos";
import { planTasks, type PlannedTask } from "./plan";
import { poolCapacity } from "./pool";
import { PoolSizeLog } from "./pool-size";
import { sleep } from "./retry";
import { taskSasUrls } from "./sas";
import { createProgress } from "./progress";
import { addTasks, ensureJob, MAX_TASKS_PER_CALL, sealJob, type AddTasksResult } from "./submit";
import { buildTask, maxWallClockMinutes, type TaskStorageAccess } from "./task-spec";
import { uploadPhotos, uploadProgressBar, type UploadResult } from "./upload";
import type { ReportSummary } from "./report/summary";
import { writeReport } from "./report/write-report";
import { checkManifestPhotos, readSeriesManifest, seriesLine, type SeriesOptions } from "../shared/series";

export type TaskStorageMode = "identity" | "sas";

export interface DispatchOptions {
  outputs: StackOutputs;
  access: Access;
  input: PreparedInput;
  outDir: string;
  jobId: string;
  imagesPerTask?: number;
  wait: boolean;
  keepJob: boolean;
  taskStorage: TaskStorageMode;
  log: (line: string) => void;
  /** Progress bars (TTY) or lines; off, only the log's step lines are written. */
  progress?: boolean;
  pollMs?: number;
  /** For the report's cost estimate (`--price-per-node-hour`). */
  pricePerNodeHour?: number;
  /** Follows the pool's size while the job runs (one of its own, logging to `log`, by default). */
  poolSizes?: PoolSizeLog;
}

export interface DispatchReport {
  jobId: string;
  photos: number;
  /** Entries of the input left out on purpose, with the reason (what could not be read is in the rows). */
  ignored: IgnoredEntry[];
  upload: UploadResult;
  tasks: { planned: number; added: number; existed: number; resumed: boolean };
  outcome?: JobOutcome;
  collected?: Collected;
  /** report.html beside results.csv, once collected. */
  reportFile?: string;
  /** The report's summary: counts, wall time, photos/s, node-hours and cost. */
  summary?: ReportSummary;
  jobDeleted: boolean;
  /** 0: every photo has a result (a reading or an explicit "unreadable"); 2: some photos failed. */
  exitCode: 0 | 2;
}

export interface PreparedInput {
  dir: string;
  photos: LocalPhoto[];
  /** Entries of the input left out on purpose, each with its reason (reported, not read). */
  ignored: IgnoredEntry[];
  /** Photos and folders that could not be read: reported, and an error row each in the results. */
  notRead: NotReadEntry[];
  /** `corners`: the profile's counter window, drawn on the report's thumbnails where a record says no better. */
  profile: { json?: string; sha256: string | null; corners?: [number, number][] };
  /**
   * How collection checks photos of one meter over time: the `--manifest` (meter and time per
   * photo) and the profile's `maxRatePerDay`. Used only when collecting, so a resumed run may
   * add or change the manifest.
   */
  series: SeriesOptions;
}

/** Reads the photos, the profile and the series manifest before anything is started, so bad input fails at once. */
export async function prepareInput(
  dir: string,
  profileFile: string | undefined,
  manifestFile?: string,
  listing: { followSymlinks?: boolean } = {},
): Promise<PreparedInput> {
  const { value, ...profile } = await readProfile(profileFile);
  const manifest = manifestFile ? await readSeriesManifest(manifestFile) : undefined;
  const { photos, ignored, notRead } = await findPhotos(dir, listing);
  // An unreadable photo is still in the input: the manifest may name it (it gets an error row).
  if (manifest)
    checkManifestPhotos(
      manifest,
      [...photos, ...notRead].map((p) => p.name),
    );
  return {
    dir,
    photos,
    ignored,
    notRead,
    profile: { ...profile, ...(value?.corners ? { corners: value.corners } : {}) },
    series: { manifest, maxRatePerDay: value?.maxRatePerDay },
  };
}

async function readProfile(
  file: string | undefined,
): Promise<{ json?: string; sha256: string | null; value?: MeterProfile }> {
  if (!file) return { sha256: null };
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new InputError(`cannot read the meter profile ${file}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`the meter profile ${file} is not JSON: ${(err as Error).message}`);
  }
  const profile = parseMeterProfile(value, file);
  const json = JSON.stringify(profile);
  return { json, sha256: createHash("sha256").update(json).digest("hex"), value: profile };
}

async function taskStorage(options: DispatchOptions, jobMinutes: number): Promise<TaskStorageAccess> {
  const { outputs, access } = options;
  const images = access.blobService.getContainerClient(outputs.imagesContainer);
  const results = access.blobService.getContainerClient(outputs.resultsContainer);
  if (options.taskStorage === "identity") {
    return {
      kind: "identity",
      identityResourceId: outputs.poolIdentityResourceId,
      imagesUrl: images.url,
      resultsUrl: results.url,
    };
  }
  const expiresOn = new Date(Date.now() + (jobMinutes + 15) * 60_000);
  const sas = await taskSasUrls(
    access.blobService,
    { images: outputs.imagesContainer, results: outputs.resultsContainer },
    expiresOn,
    access.storageSharedKey,
  );
  return { kind: "sas", imagesUrlWithSas: sas.imagesUrlWithSas, resultsUrlWithSas: sas.resultsUrlWithSas };
}

export async function runOcrJob(options: DispatchOptions): Promise<DispatchReport> {
  const { outputs, access, jobId, log } = options;
  const client = access.batchClient;
  const showProgress = options.progress ?? true;
  const { photos } = options.input;
  for (const line of inputLines(options.input.dir, options.input)) log(line);

  const images = access.blobService.getContainerClient(outputs.imagesContainer);
  const results = access.blobService.getContainerClient(outputs.resultsContainer);
  const upload = await uploadPhotos(images, photos, { progress: showProgress ? uploadProgressBar : undefined });
  if (!showProgress) log(`upload: ${upload.uploaded} photo(s) sent, ${upload.skipped} already there`);

  const { plan, resumed } = await loadOrPlan(options, results);

  // A resumed job may not exist: never created (stopped right after planning), or deleted after
  // a collection or by hand. Tasks whose records are in the results container are not run again.
  let pending = plan.tasks;
  if (resumed && (await currentJobState(client, jobId)) === undefined) {
    const done = await tasksWithRecords(results, jobId);
    pending = plan.tasks.filter((t) => !done.has(t.id));
    log(
      `plan: no job ${jobId} in the account (not created yet, or deleted); ${plan.tasks.length - pending.length} task(s) have their records already, ${pending.length} to run`,
    );
  }
  let submitted: AddTasksResult = { added: 0, existed: 0, calls: 0, retries: 0, splits: 0 };
  const poolSizes = options.poolSizes ?? new PoolSizeLog(outputs.poolId, log);
  if (pending.length > 0) {
    // The size before the tasks arrive, so that the monitor's first look already shows autoscale reacting to them.
    if (options.wait) poolSizes.observe(await client.pool.get(outputs.poolId));
    submitted = await submitTasks(options, plan, pending);
  }
  const report: DispatchReport = {
    jobId,
    photos: photos.length,
    ignored: options.input.ignored,
    upload,
    tasks: { planned: plan.tasks.length, added: submitted.added, existed: submitted.existed, resumed },
    jobDeleted: false,
    exitCode: 0,
  };
  if (!options.wait) {
    log(
      `not waiting (--no-wait): run the same command with --job-id ${jobId} to follow the job and collect its results`,
    );
    return report;
  }

  if (pending.length > 0) {
    report.outcome = await waitForJob(client, jobId, outputs.poolId, pending.length, {
      pollMs: options.pollMs,
      log,
      progress: showProgress ? monitorProgressBar : undefined,
      photos: pending.reduce((n, t) => n + t.blobs.length, 0),
      poolSizes,
    });
    log(`job: ${report.outcome.counts.succeeded} task(s) succeeded, ${report.outcome.counts.failed} failed`);
  }
  report.collected = await collectResults(client, results, plan, {
    outDir: options.outDir,
    series: options.input.series,
    notRead: options.input.notRead,
  });
  ({ file: report.reportFile, summary: report.summary } = await writeReport(report.collected, {
    jobId,
    inputDir: options.input.dir,
    photos: photos.map((p) => p.name),
    profileCorners: options.input.profile.corners,
    pricePerNodeHour: options.pricePerNodeHour,
  }));
  const { series } = report.collected;
  // Silent only where nothing could be a series: no manifest and no photo in a meter's sub-folder.
  if (options.input.series.manifest || series.checked + series.unchecked.noTime + series.unchecked.mixedZones > 0)
    log(seriesLine(series));
  report.exitCode = report.collected.rows.some((r) => r.status === "error") ? 2 : 0;
  if (!options.keepJob && pending.length > 0) {
    await ifFound(client.job.deleteMethod(jobId));
    report.jobDeleted = true;
  }
  return report;
}

/**
 * With Batch unreachable: the records the job's tasks have written so far, collected from storage
 * into `<out>/<job-id>/` (the photos without one say so), so an outage does not leave the
 * operator with nothing. Undefined if the job was never planned.
 */
export async function collectWhatIsThere(
  options: Pick<DispatchOptions, "outputs" | "access" | "input" | "outDir" | "jobId">,
): Promise<Collected | undefined> {
  const results = options.access.blobService.getContainerClient(options.outputs.resultsContainer);
  const plan = await readManifest(results, options.jobId);
  if (!plan) return undefined;
  return collectResults(options.access.batchClient, results, plan, {
    outDir: options.outDir,
    series: options.input.series,
    notRead: options.input.notRead,
    batchUnreachable: true,
  });
}

/**
 * The job's plan: the manifest an earlier run with this job id wrote (refused if it was for other
 * photos or another profile), or a new plan for the pool's capacity, written before any task is added.
 */
async function loadOrPlan(
  options: DispatchOptions,
  results: ContainerClient,
): Promise<{ plan: JobManifest; resumed: boolean }> {
  const { outputs, jobId, log } = options;
  const { photos, profile } = options.input;
  const manifestPhotos = photos.map((p) => ({ name: p.name, blobName: p.blobName, size: p.size }));
  const existing = await readManifest(results, jobId);
  if (existing) {
    const mismatch = resumeMismatch(existing, manifestPhotos, profile.sha256);
    if (mismatch) throw new ManifestError(mismatch);
    log(`plan: resuming job ${jobId} (${existing.tasks.length} task(s) planned by an earlier run)`);
    return { plan: existing, resumed: true };
  }
  const pool = await ifFound(options.access.batchClient.pool.get(outputs.poolId));
  if (!pool)
    throw new Error(
      `pool ${outputs.poolId} does not exist in Batch account ${outputs.batchAccountName}; deploy the stack (pulumi up) first`,
    );
  const capacity = poolCapacity(pool);
  const tasks = planTasks(
    photos.map((p) => p.blobName),
    { capacity, imagesPerTask: options.imagesPerTask },
  );
  const plan: JobManifest = {
    schema: MANIFEST_SCHEMA,
    jobId,
    createdAt: new Date().toISOString(),
    capacity,
    profileSha256: profile.sha256,
    photos: manifestPhotos,
    tasks,
  };
  await writeManifest(results, plan);
  log(`plan: ${tasks.length} task(s) of up to ${tasks[0]?.blobs.length ?? 0} photo(s) for ${capacity} task slot(s)`);
  return { plan, resumed: false };
}

/** The job's state, or undefined when there is no such job; waits out a deletion in progress. */
async function currentJobState(client: Access["batchClient"], jobId: string): Promise<string | undefined> {
  for (let waited = 0; ; waited += JOB_GONE_POLL_MS) {
    const job = await ifFound(client.job.get(jobId, { jobGetOptions: { select: "id,state" } }));
    if (!job) return undefined;
    if (job.state !== "deleting") return job.state;
    if (waited > JOB_GONE_TIMEOUT_MS)
      throw new Error(`job ${jobId} is still being deleted; re-run later with the same --job-id`);
    await sleep(JOB_GONE_POLL_MS);
  }
}

const JOB_GONE_POLL_MS = 1000;
const JOB_GONE_TIMEOUT_MS = 5 * 60_000;

/** Ids of the tasks whose records.jsonl is in the results container: one listing under the job's prefix. */
async function tasksWithRecords(results: ContainerClient, jobId: string): Promise<Set<string>> {
  const done = new Set<string>();
  for await (const blob of results.listBlobsFlat({ prefix: `${jobId}/` })) {
    const [, taskId, file] = blob.name.split("/");
    if (taskId && file === RECORDS_FILE) done.add(taskId);
  }
  return done;
}

/** Creates the job (or finds it), adds the tasks not yet there, and seals the job so it ends when they do. */
async function submitTasks(
  options: DispatchOptions,
  plan: JobManifest,
  pending: PlannedTask[],
): Promise<AddTasksResult> {
  const { outputs, access, jobId, log } = options;
  const client = access.batchClient;
  // The job's wall-clock limit: an hour for the pool to grow, then every wave at its tasks' limit.
  const perTask = Math.max(...pending.map((t) => t.blobs.length));
  const jobMinutes = 60 + Math.ceil(pending.length / plan.capacity) * maxWallClockMinutes(perTask);
  const job = await ensureJob(client, {
    jobId,
    poolId: outputs.poolId,
    displayName: `OCR of ${plan.photos.length} photo(s)`,
    maxWallClockMinutes: jobMinutes,
  });
  if (job.onAllTasksComplete === "terminatejob") {
    log(`submit: every task was added by an earlier run (job ${job.state})`);
    return { added: 0, existed: pending.length, calls: 0, retries: 0, splits: 0 };
  }
  const storage = await taskStorage(options, jobMinutes);
  const context = {
    jobId,
    applicationId: outputs.applicationId,
    applicationVersion: outputs.applicationVersion,
    storage,
    profileJson: options.input.profile.json,
  };
  // Built as the submitter takes them: only the chunks in flight are ever held as task bodies.
  const params = (function* () {
    for (const t of pending) yield buildTask(t, context);
  })();
  const progress =
    (options.progress ?? true) && pending.length > MAX_TASKS_PER_CALL
      ? createProgress({ label: "submit", total: pending.length })
      : undefined;
  let submitted: AddTasksResult;
  try {
    submitted = await addTasks(client, jobId, params, {
      total: pending.length,
      onProgress: (done, total) => progress?.update(done, `${done}/${total} task(s) sent`),
    });
  } finally {
    progress?.stop();
  }
  await sealJob(client, jobId);
  log(
    `submit: ${submitted.added} task(s) added${submitted.existed ? `, ${submitted.existed} already there` : ""} in ${submitted.calls} call(s)`,
  );
  return submitted;
}
