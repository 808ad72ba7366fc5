/**
 * `npm run ocr` (or `batch-ocr ocr`): the parallel OCR job end to end, against a stack's outputs,
 * or locally. Exit codes: 0 every photo has a result (a reading or an explicit "unreadable"), 2
 * some photos failed, 3 storage or Batch stayed unreachable (the message says how to resume), 1
 * another fatal error (bad use, pool that cannot run tasks), 70 a bug (tasks/fatal-error.ts).
 */
import path from "node:path";
import type { BatchServiceClient } from "@azure/batch";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { StackOutputs } from "../contracts/stack-outputs";
import { NOT_IN_YET, summaryTable } from "./collect";
import { connect, DEFAULT_BATCH_API_VERSION, sharedKeysFromEnv, type SharedKeys } from "./credentials";
import { collectWhatIsThere, prepareInput, runOcrJob, type DispatchReport, type TaskStorageMode } from "./dispatch";
import { startLocalTarget } from "./local-target";
import { prepareOutDir } from "./out-dir";
import { outputsFromFile, outputsFromStack, projectRoot } from "./outputs";
import { outlastOutages, resumeCommand, ServiceUnreachableError } from "./outage";
import { fatal, packageInfo, runToExit, type FatalOptions } from "./fatal-error";
import { followPoolBack, PoolSizeLog } from "./pool-size";
import { describe } from "./retry";
import { PROCESS_IO, type CommandIo } from "./terminal";
import { PROFILE_ERROR } from "../contracts/record-errors";

interface CliOptions {
  stack?: string;
  outputs?: string;
  local?: boolean;
  input?: string;
  profile?: string;
  manifest?: string;
  out: string;
  jobId?: string;
  imagesPerTask?: number;
  wait: boolean;
  json?: boolean;
  keepJob?: boolean;
  apiVersion: string;
  taskStorage: TaskStorageMode;
  localNodes?: number;
  poll?: number;
  followSymlinks?: boolean;
  outageLimit: number;
  pricePerNodeHour?: number;
  verbose?: boolean;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of 1 or more");
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a number above 0");
  return n;
}

/** A job id Batch accepts and an operator can read back: ocr-YYYYMMDD-HHMMSS. */
export function defaultJobId(now = new Date()): string {
  return `ocr-${now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)}`;
}

/** Set from --verbose once the arguments are parsed, for the error line of {@link runOcr}. */
let verbose = false;

/** How the operator called it, for help and error lines: `npm run ocr --` or `batch-ocr ocr`. */
export const NPM_NAME = "npm run ocr --";

function program(name: string, io: CommandIo): Command {
  return (
    new Command()
      .name(name)
      // Usage errors and --help come back as a CommanderError with the exit code, instead of process.exit.
      .exitOverride()
      .configureOutput({
        writeOut: (text) => void io.stdout.write(text),
        writeErr: (text) => void io.stderr.write(text),
      })
      .version(packageInfo().version)
      .description(
        "Reads water-meter photos at scale on Azure Batch: uploads the photos, runs the OCR worker over the pool, and writes " +
          "<out>/<job-id>/results.csv, results.json, report.html (to look at and review by hand) and a text file per photo.\n" +
          "With no target it runs locally (a local Batch service and Azurite started in-process, the dev stack's pool deployed to them); " +
          "with no target and no --input it reads the bundled sample photos with samples/profile.json.\n" +
          "Exit codes: 0 every photo has a result (a reading or an explicit 'unreadable'), 2 some photos failed, " +
          "3 storage or Batch stayed unreachable longer than --outage-limit (the message gives the command that resumes), 1 another fatal error (what the message says to fix), 70 a bug (the stack, and where to report it).",
      )
      .addOption(
        new Option("--stack <name>", "read the outputs of this Pulumi stack (pulumi stack output --json)").conflicts([
          "outputs",
          "local",
        ]),
      )
      .addOption(
        new Option(
          "--outputs <file>",
          "read stack outputs from this JSON file (for a machine without the Pulumi CLI)",
        ).conflicts(["local"]),
      )
      .option("--local", "run against the local cloud started in-process (the default when no target is given)")
      .option(
        "--input <dir>",
        "directory of photos (jpg, png, tif, heic, webp, bmp, gif; subdirectories included; dot files and dot folders left out; " +
          "every entry left out is named on stderr, a photo or folder that cannot be read also gets an error row)",
      )
      .option(
        "--follow-symlinks",
        "also follow links that lead out of --input (links inside it are always followed; loops and broken links are reported, never followed)",
      )
      .option(
        "--profile <file>",
        "meter profile JSON (where the counter is and how to read it); none: the whole photo is searched",
      )
      .option(
        "--manifest <file>",
        "CSV photo,meter,time[,maxRatePerDay]: which meter each photo shows and when (ISO 8601; an empty time takes the photo's EXIF time), " +
          "for the series check (a meter's readings must not go down, nor rise faster than maxRatePerDay, the column's or the profile's); " +
          "without it a photo's first sub-folder is its meter and its EXIF time its time",
      )
      .option("--out <dir>", "where results are written (<out>/<job-id>/)", "out")
      .option("--job-id <id>", "job id; the same id again resumes an interrupted run (default: ocr-<date>-<time>)")
      .option(
        "--images-per-task <n>",
        "photos per task (default: chosen from the photo count and the pool's task slots)",
        positiveInt,
      )
      .option("--no-wait", "submit and return; run again with the same --job-id to follow the job and collect")
      .option(
        "--json",
        "print the report as JSON on stdout instead of the table (its `summary`: counts, wall time, photos/s, node-hours, cost)",
      )
      .option(
        "--verbose",
        "on a fatal error, its details and stack too; in local mode, every request to the local Batch service",
      )
      .option("--keep-job", "keep the Batch job after collecting (it is deleted by default)")
      .option("--api-version <version>", "Batch data-plane API version", DEFAULT_BATCH_API_VERSION)
      .addOption(
        new Option(
          "--task-storage <mode>",
          "how tasks reach storage: the pool's managed identity, or short-lived SAS URLs",
        )
          .choices(["identity", "sas"])
          .default("identity"),
      )
      .option(
        "--local-nodes <n>",
        "a fixed node count for the local pool (local mode; default: it autoscales with the stack's formula, as on Azure)",
        positiveInt,
      )
      .option(
        "--outage-limit <seconds>",
        "how long storage or Batch may stay unreachable before the run stops (resumable with the same --job-id)",
        positiveNumber,
        120,
      )
      .option(
        "--price-per-node-hour <amount>",
        "price of one node-hour of the pool's VM size, for the report's cost estimate (in your currency)",
        positiveNumber,
      )
      .option(
        "--poll <seconds>",
        "seconds between progress polls (default: 3 on Azure, 0.5 against a local cloud)",
        positiveNumber,
      )
      .showHelpAfterError()
  );
}

interface Target {
  outputs: StackOutputs;
  keys: SharedKeys;
  /** Whether the deployment outlives this command, so that a re-run can continue the job. */
  outlivesCommand: boolean;
  stop(): Promise<void>;
}

async function resolveTarget(opts: CliOptions, root: string, log: (l: string) => void): Promise<Target> {
  const none = async () => undefined;
  if (opts.stack)
    return {
      outputs: await outputsFromStack(opts.stack, { projectDir: root }),
      keys: sharedKeysFromEnv(),
      outlivesCommand: true,
      stop: none,
    };
  if (opts.outputs)
    return {
      outputs: await outputsFromFile(opts.outputs),
      keys: sharedKeysFromEnv(),
      outlivesCommand: true,
      stop: none,
    };
  log("local: starting the local Batch service and Azurite");
  return { ...(await startLocalTarget({ projectDir: root, nodes: opts.localNodes, log })), outlivesCommand: false };
}

/** How long the in-process local cloud is kept for its pool to shrink back: two evaluations at its clock, and room. */
const LOCAL_SCALE_DOWN_WAIT_MS = 30_000;

/**
 * The in-process local cloud stops with the command: waiting for its pool to release the nodes
 * shows the scale-down as well as the scale-up, at a cost of seconds on its faster clock.
 */
async function showScaleDown(
  client: BatchServiceClient,
  poolSizes: PoolSizeLog,
  target: Target,
  pollMs: number,
  log: (line: string) => void,
): Promise<void> {
  const poolId = target.outputs.poolId;
  const seconds = LOCAL_SCALE_DOWN_WAIT_MS / 1000;
  // The results are written and printed by now: a failed look at the pool must not fail the run.
  const size = await followPoolBack(client, poolSizes, poolId, {
    pollMs,
    timeoutMs: LOCAL_SCALE_DOWN_WAIT_MS,
    onWait: () =>
      log(`pool ${poolId}: waiting up to ${seconds} s for autoscale to release its nodes before the local cloud stops`),
  }).catch((err: unknown) => void log(`pool ${poolId}: its scale-down could not be followed: ${describe(err)}`));
  const left = size ? size.dedicated + size.lowPriority : 0;
  if (size?.autoscale && left > 0)
    log(`pool ${poolId}: still ${left} node(s) after ${seconds} s; the local cloud stops with them`);
}

function printReport(report: DispatchReport, json: boolean, io: CommandIo): void {
  if (json) {
    io.stdout.write(
      `${JSON.stringify(report, (key, value: unknown) => (key === "rawText" || key === "bandImage" || key === "counter" ? undefined : value), 2)}\n`,
    );
    return;
  }
  const c = report.collected;
  if (!c) return;
  io.stdout.write(`${summaryTable(c.rows)}\n`);
  const count = (s: string) => c.rows.filter((r) => r.status === s).length;
  const ignored = report.ignored.length
    ? `; ${report.ignored.length} input entr${report.ignored.length === 1 ? "y" : "ies"} ignored (named on stderr)`
    : "";
  io.stdout.write(
    `\n${c.rows.length} photo(s): ${count("ok")} read, ${count("unreadable")} unreadable, ${count("error")} failed -> ${path.join(c.dir, "results.csv")}${ignored}\n`,
  );
  // With thousands of photos the table shows a few: a profile that fits none of them is said once, plainly.
  const profileErrors = c.rows.filter((r) => r.error?.startsWith(PROFILE_ERROR));
  if (profileErrors.length > 0 && profileErrors.length === c.rows.length)
    io.stderr.write(`\nno photo could be read because of the profile (--profile): ${profileErrors[0]?.error}\n`);
  if (report.reportFile) io.stdout.write(`report: ${report.reportFile}\n`);
  for (const t of c.failedTasks) {
    io.stderr.write(
      `\n${t.reason}\n${t.stderrTail ? `--- stderr (last lines) ---\n${t.stderrTail}\n` : "(no stderr)\n"}`,
    );
  }
}

/** `argv` as process.argv has it (node, script, then the arguments). */
async function main(argv: string[], name: string, io: CommandIo): Promise<number> {
  const cmd = program(name, io);
  cmd.parse(argv);
  const opts = cmd.opts<CliOptions>();
  verbose = Boolean(opts.verbose);
  // The in-process local cloud reads it when it starts (local/batch/service.ts), as `npm run local --verbose` sets it.
  if (verbose) process.env.BATCH_OCR_TRACE = "1";
  const root = projectRoot();
  const log = (line: string) => void io.stderr.write(`${line}\n`);
  const samples = !opts.stack && !opts.outputs && !opts.input;
  const inputDir = path.resolve(opts.input ?? path.join(root, "samples"));
  const profileFile = opts.profile
    ? path.resolve(opts.profile)
    : samples
      ? path.join(root, "samples", "profile.json")
      : undefined;
  if (samples)
    log(
      `no --input: reading the bundled sample photos (${path.relative(process.cwd(), inputDir) || inputDir}) with their profile`,
    );
  if (!opts.stack && !opts.outputs && !opts.local) log("no --stack or --outputs: running locally");
  if ((opts.stack || opts.outputs) && opts.input === undefined)
    throw new UsageError("--input DIR is required with --stack or --outputs");
  if (!opts.wait && !opts.stack && !opts.outputs)
    throw new UsageError(
      "--no-wait needs a deployment that outlives this command (--stack or --outputs); the in-process local cloud stops when the command ends",
    );
  const jobId = opts.jobId ?? defaultJobId();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(jobId))
    throw new UsageError("--job-id must be 1-64 letters, digits, hyphens or underscores");

  await prepareOutDir(path.resolve(opts.out), jobId);
  const input = await prepareInput(inputDir, profileFile, opts.manifest ? path.resolve(opts.manifest) : undefined, {
    followSymlinks: Boolean(opts.followSymlinks),
  });
  const target = await resolveTarget(opts, root, log);
  const onSignal = (signal: NodeJS.Signals) => {
    log(
      target.outlivesCommand
        ? `\ninterrupted (${signal}): run the same command with --job-id ${jobId} to continue`
        : `\ninterrupted (${signal}): the in-process local cloud stops with this command, so this run cannot be continued; run it again`,
    );
    void target.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const access = connect(target.outputs, {
      keys: target.keys,
      apiVersion: opts.apiVersion,
      retry: { onRetry: (i) => log(`retrying a Batch call in ${Math.round(i.delayMs)} ms (${i.reason})`) },
    });
    log(
      `job ${jobId} on pool ${target.outputs.poolId} (${target.outputs.batchAccountEndpoint}; Batch auth: ${access.batch === "entra" ? "Microsoft Entra ID" : "shared key"}, storage auth: ${access.storage === "entra" ? "Microsoft Entra ID" : "shared key"})`,
    );
    const poolSizes = new PoolSizeLog(target.outputs.poolId, log);
    // A local cloud answers a poll in a millisecond; Azure's task counts are worth fewer calls.
    const pollMs = (opts.poll ?? (target.outputs.location === "local" ? 0.5 : 3)) * 1000;
    const run = () =>
      runOcrJob({
        outputs: target.outputs,
        access,
        input,
        outDir: path.resolve(opts.out),
        jobId,
        imagesPerTask: opts.imagesPerTask,
        wait: opts.wait,
        keepJob: Boolean(opts.keepJob),
        taskStorage: opts.taskStorage,
        log,
        progress: true,
        pricePerNodeHour: opts.pricePerNodeHour,
        pollMs,
        poolSizes,
      });
    const report = await outlastOutages(run, {
      outputs: target.outputs,
      limitMs: opts.outageLimit * 1000,
      resume: { command: resumeCommand(argv.slice(2), jobId), possible: target.outlivesCommand },
      log,
      keepWhatIsThere: async () => {
        const kept = await collectWhatIsThere({
          outputs: target.outputs,
          access,
          input,
          outDir: path.resolve(opts.out),
          jobId,
        });
        if (!kept) return undefined;
        const withRecord = kept.rows.filter((r) => !r.error?.includes(NOT_IN_YET)).length;
        return `The results written so far are kept: ${withRecord} of ${kept.rows.length} photo(s) in ${path.join(kept.dir, "results.csv")} (the others say they are not in yet).`;
      },
    });
    printReport(report, Boolean(opts.json), io);
    if (report.outcome && !target.outlivesCommand)
      await showScaleDown(access.batchClient, poolSizes, target, pollMs, log);
    return report.exitCode;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await target.stop();
  }
}

export class UsageError extends Error {
  override name = "UsageError";
}

const ENTRA_ERRORS = new Set([
  "AggregateAuthenticationError",
  "CredentialUnavailableError",
  "AuthenticationError",
  "AuthenticationRequiredError",
]);

/** The fatal error as the operator should read it: what failed first, the details after. */
export function explainError(err: unknown): string {
  const name = (err as { name?: string } | undefined)?.name ?? "";
  if (ENTRA_ERRORS.has(name)) {
    return `cannot get a Microsoft Entra ID token: sign in with "az login" (or set AZURE_TENANT_ID, AZURE_CLIENT_ID and a secret or certificate, or run where a managed identity is available).\n${describe(err)}`;
  }
  return describe(err);
}

function fatalOptions(prefix: string): FatalOptions {
  return {
    command: prefix,
    verbose,
    explain: explainError,
    exitCode: (err) => (err instanceof ServiceUnreachableError ? 3 : undefined),
    wholeMessage: (err) => err instanceof ServiceUnreachableError,
  };
}

/**
 * The command to its exit code, its errors printed as tasks/fatal-error.ts says; `argv` as
 * process.argv has it (node, script, then the arguments).
 */
export async function runOcrCommand(
  argv: string[],
  io: CommandIo = PROCESS_IO,
  name = NPM_NAME,
  prefix = "ocr",
): Promise<number> {
  try {
    return await main(argv, name, io);
  } catch (err) {
    // Commander has printed the usage error or the help already.
    if (err instanceof CommanderError) return err.exitCode;
    const { text, exitCode } = fatal(err, { ...fatalOptions(prefix), stream: io.stderr });
    io.stderr.write(text);
    return exitCode;
  }
}

/** Runs the command and exits with its code. */
export function runOcr(argv: string[], name = NPM_NAME, prefix = "ocr"): void {
  runToExit(
    () => runOcrCommand(argv, PROCESS_IO, name, prefix),
    () => fatalOptions(prefix),
  );
}

if (require.main === module) runOcr(process.argv);
