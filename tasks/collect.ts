/**
 * Collecting: every task's records from the results container, one row per photo the operator
 * handed over (a photo with no record gets an error row saying why), written as CSV, JSON and a
 * text file per photo, with the stderr tail of every task that failed.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { BatchServiceClient, BatchServiceModels } from "@azure/batch";
import type { ContainerClient } from "@azure/storage-blob";
import pLimit from "p-limit";
import { RECORDS_FILE } from "../contracts/node-setup";
import { parseResultRecords, type CounterSeen, type ResultRecord, type ResultStatus } from "../contracts/result-record";
import { ifFound } from "./if-found";
import type { NotReadEntry } from "./input-listing";
import { listJobTasks } from "./job-tasks";
import type { JobManifest } from "./manifest";
import { BLOB_PREFIX } from "./photos";
import { CSV_COLUMNS, csvText } from "./results-csv";
import { rememberedRunStats, runStats, type RunStats } from "./run-stats";
import { seriesPoints, type SeriesPoint } from "./series-points";
import { taskResultPath } from "./task-spec";
import { checkSeries, type SeriesOptions, type SeriesSummary } from "../shared/series";

export interface PhotoResult {
  photo: string;
  reading: string | null;
  confidence: number | null;
  status: ResultStatus;
  error: string | null;
  taskId: string;
  rawText: string;
  /** The photo's EXIF time, from its record (`contracts/result-record.ts`). */
  takenAt?: string;
  /** The counter as the worker located and cut it, a `data:image/...` URI, when the record carries one (see {@link bandImageOf}). */
  bandImage?: string;
  /** Where the worker found the counter (auto mode), from its record. */
  counter?: CounterSeen;
}

export interface FailedTask {
  taskId: string;
  reason: string;
  stderrTail: string;
}

export interface Collected {
  dir: string;
  rows: PhotoResult[];
  failedTasks: FailedTask[];
  /** What the series check did to the rows. */
  series: SeriesSummary;
  /** The readings the series check saw, for the report's chart. */
  seriesPoints: SeriesPoint[];
  /** Wall time and node-hours of the job's tasks. */
  run: RunStats;
}

type TaskView = Pick<BatchServiceModels.CloudTask, "id" | "state" | "executionInfo" | "nodeInfo">;

const STDERR_TAIL_LINES = 20;

/** How a row says its task's record was not in storage when Batch could not be asked why. */
export const NOT_IN_YET = "has written no record yet";

/** The job's tasks; none when the job is gone (deleted after an earlier collection): the records are what counts. */
async function listTasks(client: BatchServiceClient, jobId: string): Promise<Map<string, TaskView>> {
  const tasks = new Map<string, TaskView>();
  for (const t of (await listJobTasks(client, jobId, "id,state,executionInfo,nodeInfo")) ?? [])
    if (t.id) tasks.set(t.id, t);
  return tasks;
}

async function download(container: ContainerClient, blobName: string): Promise<string | undefined> {
  return (await ifFound(container.getBlockBlobClient(blobName).downloadToBuffer()))?.toString("utf8");
}

/** Why the job ended, when Batch ended it (wall-clock limit, a user's terminate...). */
async function jobEndReason(client: BatchServiceClient, jobId: string): Promise<string | undefined> {
  const job = await ifFound(client.job.get(jobId, { jobGetOptions: { select: "id,state,executionInfo" } }));
  const reason = job?.executionInfo?.terminateReason;
  return job?.state === "completed" && reason && reason !== "AllTasksComplete" ? reason : undefined;
}

/** Why a task left no record for a photo, in words an operator can act on. */
function taskOutcome(
  taskId: string,
  task: TaskView | undefined,
  jobEnded: string | undefined,
): { failed: boolean; reason: string } {
  if (!task) return { failed: true, reason: `task ${taskId} is not in the job (it was never added)` };
  const info = task.executionInfo;
  if (task.state !== "completed")
    return {
      failed: true,
      reason: `task ${taskId} did not complete (state ${task.state})${jobEnded ? `: the job ended (${jobEnded})` : ""}`,
    };
  if (info?.result === "failure" || (info?.exitCode ?? 0) !== 0) {
    const why = info?.failureInfo?.message ?? `exit code ${info?.exitCode}`;
    return { failed: true, reason: `task ${taskId} failed: ${why}` };
  }
  return { failed: false, reason: `task ${taskId} completed but wrote no record for this photo` };
}

export async function collectResults(
  client: BatchServiceClient,
  results: ContainerClient,
  manifest: JobManifest,
  /** `notRead`: photos and folders of the input that could not be read, so were in no task: an error row each. */
  /**
   * `batchUnreachable`: collect what storage holds without asking Batch about the tasks (it cannot
   * be reached), so the records written so far are kept; the other photos say they are not in yet.
   */
  options: { outDir: string; series?: SeriesOptions; notRead?: readonly NotReadEntry[]; batchUnreachable?: boolean },
): Promise<Collected> {
  const { jobId } = manifest;
  const [tasks, jobEnded] = options.batchUnreachable
    ? [new Map<string, TaskView>(), undefined]
    : await Promise.all([listTasks(client, jobId), jobEndReason(client, jobId)]);
  const records = new Map<string, { record: ResultRecord; taskId: string }>();
  const failedTasks: FailedTask[] = [];
  const reasons = new Map<string, string>();
  const limit = pLimit(8);
  await Promise.all(
    manifest.tasks.map((planned) =>
      limit(async () => {
        const outcome = options.batchUnreachable
          ? {
              failed: false,
              reason: `task ${planned.id} ${NOT_IN_YET} (Batch could not be reached to ask it; resume to finish)`,
            }
          : taskOutcome(planned.id, tasks.get(planned.id), jobEnded);
        let reason = outcome.reason;
        const body = await download(results, taskResultPath(jobId, planned.id, RECORDS_FILE));
        let parsed: ResultRecord[] = [];
        try {
          parsed = body === undefined ? [] : parseResultRecords(body);
        } catch (err) {
          reason = `task ${planned.id} wrote unreadable records: ${(err as Error).message}`;
        }
        for (const record of parsed) records.set(`${BLOB_PREFIX}${record.photo}`, { record, taskId: planned.id });
        const missing = planned.blobs.filter((b) => !records.has(b));
        for (const blob of missing) reasons.set(blob, reason);
        if (outcome.failed || missing.length > 0) {
          const stderr = (await download(results, taskResultPath(jobId, planned.id, "stderr.txt"))) ?? "";
          failedTasks.push({
            taskId: planned.id,
            reason,
            stderrTail: stderr.trimEnd().split("\n").slice(-STDERR_TAIL_LINES).join("\n"),
          });
        }
      }),
    ),
  );
  const taskOf = new Map<string, string>();
  for (const t of manifest.tasks) for (const b of t.blobs) taskOf.set(b, t.id);
  const collected: PhotoResult[] = manifest.photos.map((p) => {
    const hit = records.get(p.blobName);
    if (hit) {
      const r = hit.record;
      const band = bandImageOf(r);
      return {
        photo: p.name,
        reading: r.reading,
        confidence: r.confidence,
        status: r.status,
        error: r.error,
        taskId: hit.taskId,
        rawText: r.rawText,
        ...(r.takenAt ? { takenAt: r.takenAt } : {}),
        ...(band ? { bandImage: band } : {}),
        ...(r.counter ? { counter: r.counter } : {}),
      };
    }
    const taskId = taskOf.get(p.blobName) ?? "";
    return {
      photo: p.name,
      reading: null,
      confidence: null,
      status: "error",
      error: `no result record: ${reasons.get(p.blobName) ?? "the photo was in no task"}`,
      taskId,
      rawText: "",
    };
  });
  // Photos of one meter over time checked against each other: only here are all of them together.
  const { records: checked, summary: series } = checkSeries(collected, options.series);
  const rows = [...checked, ...(options.notRead ?? []).map(notReadRow)];
  failedTasks.sort((a, b) => a.taskId.localeCompare(b.taskId));
  const dir = path.join(options.outDir, jobId);
  await writeResultFiles(dir, rows, failedTasks);
  const run = await rememberedRunStats(
    results,
    jobId,
    runStats(
      [...tasks.values()].map((t) => ({
        nodeId: t.nodeInfo?.nodeId,
        startTime: t.executionInfo?.startTime,
        endTime: t.executionInfo?.endTime,
      })),
    ),
  );
  return { dir, rows, failedTasks, series, seriesPoints: seriesPoints(collected, checked, options.series), run };
}

/**
 * The image of the counter as located, which the worker is to add to its records (DESIGN.md,
 * "record (+ a small image of what was read)"): taken from a `bandImage` or `band` field when it is
 * an inline image, so the report needs no network and a record cannot point it at a file or a script.
 */
export function bandImageOf(record: ResultRecord): string | undefined {
  const fields = record as unknown as Record<string, unknown>;
  for (const value of [fields.bandImage, fields.band]) {
    if (typeof value === "string" && /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/.test(value))
      return value;
  }
  return undefined;
}

function notReadRow(entry: NotReadEntry): PhotoResult {
  return {
    photo: entry.name,
    reading: null,
    confidence: null,
    status: "error",
    error: entry.reason,
    taskId: "",
    rawText: "",
  };
}

export { CSV_COLUMNS };

export function resultsCsv(rows: readonly PhotoResult[]): string {
  return csvText(rows);
}

function photoText(r: PhotoResult): string {
  const head = [
    `photo: ${r.photo}`,
    `status: ${r.status}`,
    `reading: ${r.reading ?? ""}`,
    `confidence: ${r.confidence ?? ""}`,
  ];
  if (r.error) head.push(`error: ${r.error}`);
  return `${head.join("\n")}\n\n${r.rawText}\n`;
}

async function writeResultFiles(
  dir: string,
  rows: readonly PhotoResult[],
  failedTasks: readonly FailedTask[],
): Promise<void> {
  await mkdir(path.join(dir, "text"), { recursive: true });
  await writeFile(path.join(dir, "results.csv"), resultsCsv(rows));
  // The band images and counter outlines are in the report; as text they would only bury the readings.
  const json = rows.map(({ rawText: _raw, bandImage: _band, counter: _counter, ...r }) => r);
  await writeFile(path.join(dir, "results.json"), `${JSON.stringify(json, null, 2)}\n`);
  for (const r of rows) {
    // The row of a folder that could not be listed is named `folder/`: its text file is `folder.txt`, not a dot file inside it.
    const file = path.join(dir, "text", `${r.photo.replace(/\/$/, "")}.txt`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, photoText(r));
  }
  if (failedTasks.length > 0) {
    await mkdir(path.join(dir, "failed-tasks"), { recursive: true });
    for (const t of failedTasks)
      await writeFile(path.join(dir, "failed-tasks", `${t.taskId}.stderr.txt`), `${t.reason}\n\n${t.stderrTail}\n`);
  }
}

/** Rows a terminal table shows before pointing at the files (failed photos first). */
export const TABLE_ROWS = 100;

/** A fixed-width table of the readings, for the terminal; a long one shows failures first and points at the CSV. */
export function summaryTable(allRows: readonly PhotoResult[], maxRows = TABLE_ROWS): string {
  const rows =
    allRows.length <= maxRows
      ? allRows
      : [...allRows.filter((r) => r.status !== "ok"), ...allRows.filter((r) => r.status === "ok")].slice(0, maxRows);
  // A refused photo's confidence is Tesseract's about its characters, not about a reading: shown only for readings.
  const table = [
    ["photo", "reading", "confidence", "status"],
    ...rows.map((r) => [
      r.photo,
      r.reading ?? "-",
      r.confidence === null || r.status !== "ok" ? "-" : r.confidence.toFixed(2),
      r.status === "ok" ? "ok" : `${r.status}: ${r.error ?? ""}`,
    ]),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...table.map((row) => (row[i] ?? "").length)));
  const lines = table.map((row) =>
    row
      .map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell))
      .join("  ")
      .trimEnd(),
  );
  if (allRows.length > rows.length) lines.push(`... and ${allRows.length - rows.length} more photo(s) in results.csv`);
  return lines.join("\n");
}
