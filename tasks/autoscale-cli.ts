/**
 * `npm run autoscale`: replays a timeline of pending tasks (a CSV, or a finished job's task
 * history read from Batch) through an autoscale formula (a file, or the one a stack deploys) and
 * prints the nodes it would have asked for and the node-hours.
 * Exit codes: 0 replayed (even if some runs failed, which the table shows), 1 bad use or input,
 * including a formula Batch would refuse when autoscale is enabled, and a job Batch does not have.
 */
import { readFile } from "node:fs/promises";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { parse } from "csv-parse/sync";
import { checkFormula } from "../shared/autoscale-language/evaluate";
import { FormulaSyntaxError } from "../shared/autoscale-language/formula-errors";
import { loadStackConfig } from "../shared/config";
import { poolSpec } from "../shared/pool-spec";
import { replayCost, replayFormula, type NodePrices, type PendingPoint, type Replay } from "./autoscale-replay";
import { readJobTimeline } from "./job-history";
import { projectRoot } from "./outputs";
import type { JobTimeline } from "./pending-timeline";
import { PROCESS_IO, type CommandIo } from "./terminal";

interface Options {
  formula?: string;
  stack?: string;
  timeline?: string;
  job?: string;
  outputs?: string;
  interval?: number;
  until?: number;
  pricePerNodeHour?: number;
  spotPricePerNodeHour?: number;
  json?: boolean;
}

/** Batch's default evaluation interval. */
const DEFAULT_INTERVAL_MINUTES = 15;

function price(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("must be a price, 0 or more");
  return n;
}

function minutes(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("must be a number of minutes, 0 or more");
  return n;
}

/** `minute,pending` rows, with a header. */
export async function readTimeline(file: string): Promise<PendingPoint[]> {
  const rows = parse(await readFile(file, "utf8"), { columns: true, skip_empty_lines: true, trim: true }) as Record<
    string,
    string
  >[];
  return rows.map((row, i) => {
    const minute = Number(row.minute);
    const pending = Number(row.pending);
    if (!Number.isFinite(minute) || minute < 0 || !Number.isInteger(pending) || pending < 0) {
      throw new Error(
        `${file} row ${i + 2}: wants a minute (0 or more) and a whole number of pending tasks, got ${JSON.stringify(row)}`,
      );
    }
    return { minute, pending };
  });
}

async function formulaOf(opts: Options): Promise<{ formula: string; intervalMinutes: number; source: string }> {
  if (opts.formula) {
    return {
      formula: await readFile(opts.formula, "utf8"),
      intervalMinutes: opts.interval ?? DEFAULT_INTERVAL_MINUTES,
      source: opts.formula,
    };
  }
  const stack = opts.stack ?? "dev";
  const cfg = loadStackConfig(stack, projectRoot());
  return {
    formula: poolSpec(cfg).autoScaleFormula,
    intervalMinutes: opts.interval ?? cfg.autoscaleIntervalMinutes,
    source: `stack ${stack}`,
  };
}

/** Four decimals below 1, as report.html shows a cost: a replay of a short job costs cents. */
function money(amount: number): string {
  return amount.toFixed(amount < 1 ? 4 : 2);
}

function costLine(replay: Replay, prices: NodePrices): string {
  const { cost, unpricedLowPriorityNodeHours } = replayCost(replay, prices);
  const spot =
    prices.lowPriority !== undefined
      ? ` and ${replay.lowPriorityNodeHours.toFixed(2)} Spot/low-priority at ${prices.lowPriority}`
      : unpricedLowPriorityNodeHours > 0
        ? `; ${unpricedLowPriorityNodeHours.toFixed(2)} Spot/low-priority node-hours not priced (--spot-price-per-node-hour)`
        : "";
  return `cost: ${money(cost)} (${replay.dedicatedNodeHours.toFixed(2)} dedicated node-hours at ${prices.dedicated}${spot})`;
}

export function replayTable(replay: Replay, prices?: NodePrices): string {
  const lines = ["minute  pending  dedicated  spot  nodes"];
  for (const s of replay.steps) {
    const bar = "#".repeat(Math.min(60, s.dedicated)) + "s".repeat(Math.min(60, s.lowPriority));
    lines.push(
      `${String(s.minute).padStart(6)}  ${String(s.pending).padStart(7)}  ${String(s.dedicated).padStart(9)}  ${String(s.lowPriority).padStart(4)}  ${s.error ? `(kept: ${s.error})` : bar}`,
    );
  }
  lines.push(
    `node-hours: ${replay.dedicatedNodeHours.toFixed(2)} dedicated, ${replay.lowPriorityNodeHours.toFixed(2)} Spot/low-priority ` +
      "(nodes counted from the moment they are asked for until they are released: a floor under the bill)",
  );
  if (prices) lines.push(costLine(replay, prices));
  return lines.join("\n");
}

function jobLine(jobId: string, timeline: JobTimeline): string {
  const peak = Math.max(...timeline.points.map((p) => p.pending));
  const end = timeline.unfinished
    ? `${timeline.unfinished} not completed yet (pending until now, minute ${timeline.endMinute.toFixed(2)})`
    : `the last completed at minute ${timeline.endMinute.toFixed(2)}`;
  return `job ${jobId}: ${timeline.tasks} task(s) from ${new Date(timeline.start).toISOString()} (minute 0), ${end}; at most ${peak} pending`;
}

/**
 * The timeline to replay and until when: a job's is replayed two evaluations past its last task,
 * for a formula whose window is as long as the interval to forget the work and release the nodes.
 */
async function timelineOf(
  opts: Options,
  intervalMinutes: number,
  env: NodeJS.ProcessEnv,
): Promise<{ points: PendingPoint[]; untilMinute?: number; start?: number; job?: JobTimeline }> {
  if (opts.timeline) return { points: await readTimeline(opts.timeline), untilMinute: opts.until };
  if (!opts.job) throw new Error("say what to replay: --timeline FILE or --job ID");
  const job = await readJobTimeline(opts.job, opts, env);
  const tail = job.unfinished ? 0 : 2 * intervalMinutes;
  return { points: job.points, untilMinute: opts.until ?? job.endMinute + tail, start: job.start, job };
}

function refuseAsBatchWould(formula: string): void {
  try {
    checkFormula(formula);
  } catch (err) {
    if (err instanceof FormulaSyntaxError)
      throw new Error(`Batch would refuse this formula (${err.code}): ${err.message}`);
    throw err;
  }
}

/** The command to its exit code; `argv` as process.argv has it (node, script, then the arguments). */
export async function runAutoscale(
  argv: string[],
  io: CommandIo = PROCESS_IO,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const program = new Command()
    .name("npm run autoscale --")
    // Usage errors and --help come back as a CommanderError with the exit code, instead of process.exit.
    .exitOverride()
    .configureOutput({ writeOut: (text) => void io.stdout.write(text), writeErr: (text) => void io.stderr.write(text) })
    .description(
      "Replays pending tasks over time (a CSV minute,pending, or a job's task history in Batch) through an autoscale formula " +
        "and prints the nodes it asks for and the node-hours.\n" +
        "With --job, Batch is reached as npm run ocr reaches it: the --outputs file, or the --stack's outputs (the Pulumi CLI); " +
        "Microsoft Entra ID, or the shared key in AZURE_BATCH_ACCESS_KEY (as npm run local prints it) for an account that accepts one.",
    )
    .option("--formula <file>", "the formula's text (default: the --stack's formula)")
    .option(
      "--stack <name>",
      "the stack whose formula is replayed (unless --formula) and, with --job and no --outputs, where the job ran (default: dev)",
    )
    .addOption(
      new Option(
        "--timeline <file>",
        "CSV with a header: minute,pending (pending tasks from that minute on)",
      ).conflicts("job"),
    )
    .option(
      "--job <id>",
      "replay this job's pending tasks (active + running, as $PendingTasks counts them) from its task history in Batch; " +
        "the job must still be there (npm run ocr --keep-job)",
    )
    .option("--outputs <file>", "with --job: the stack outputs as JSON, as npm run ocr --outputs reads them")
    .option("--interval <minutes>", "evaluation interval (default: the stack's, or Batch's 15 for --formula)", minutes)
    .option(
      "--until <minute>",
      "replay until this minute (default: the timeline's last; for --job two intervals past its last task's completion)",
      minutes,
    )
    .option(
      "--price-per-node-hour <amount>",
      "price of one dedicated node-hour of the pool's VM size, for a cost line (in your currency)",
      price,
    )
    .option(
      "--spot-price-per-node-hour <amount>",
      "price of one Spot/low-priority node-hour, for the cost line with --price-per-node-hour",
      price,
    )
    .option("--json", "print the replay as JSON (with --job, the job's timeline too)")
    .showHelpAfterError();
  try {
    program.parse(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
  const opts = program.opts<Options>();
  try {
    // Bad use is refused before the formula is read or Batch is asked for the job's tasks.
    if (opts.outputs && !opts.job) throw new Error("--outputs says where a --job ran: give --job ID with it");
    if (opts.spotPricePerNodeHour !== undefined && opts.pricePerNodeHour === undefined)
      throw new Error(
        "--spot-price-per-node-hour prices the Spot node-hours of a cost line: give --price-per-node-hour too",
      );
    const { formula, intervalMinutes, source } = await formulaOf(opts);
    if (intervalMinutes < 5) throw new Error("Batch evaluates at most every 5 minutes: --interval must be 5 or more");
    refuseAsBatchWould(formula);
    const { points, untilMinute, start, job } = await timelineOf(opts, intervalMinutes, env);
    const replay = replayFormula({ formula, intervalMinutes, timeline: points, untilMinute, start });
    const prices =
      opts.pricePerNodeHour === undefined
        ? undefined
        : { dedicated: opts.pricePerNodeHour, lowPriority: opts.spotPricePerNodeHour };
    const costJson = prices && { cost: replayCost(replay, prices).cost, prices };
    const jobHeader = job && opts.job ? `${jobLine(opts.job, job)}\n` : "";
    const jobJson = job && { job: { id: opts.job, ...job, start: new Date(job.start).toISOString() } };
    io.stdout.write(
      opts.json
        ? `${JSON.stringify({ ...jobJson, ...replay, ...costJson }, null, 2)}\n`
        : `${jobHeader}formula: ${source}, evaluated every ${intervalMinutes} min\n${replayTable(replay, prices)}\n`,
    );
  } catch (err) {
    io.stderr.write(`npm run autoscale: ${(err as Error).message}\n`);
    return 1;
  }
  return 0;
}

if (require.main === module) {
  void runAutoscale(process.argv).then((code) => {
    process.exitCode = code;
  });
}
