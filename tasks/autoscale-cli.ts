/**
 * `npm run autoscale`: replays a timeline of pending tasks through an autoscale formula (a file,
 * or the one a stack deploys) and prints the nodes it would have asked for and the node-hours.
 * Exit codes: 0 replayed (even if some runs failed, which the table shows), 1 bad use or input,
 * including a formula Batch would refuse when autoscale is enabled.
 */
import { readFile } from "node:fs/promises";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { parse } from "csv-parse/sync";
import { checkFormula } from "../shared/autoscale-language/evaluate";
import { FormulaSyntaxError } from "../shared/autoscale-language/formula-errors";
import { loadStackConfig } from "../shared/config";
import { poolSpec } from "../shared/pool-spec";
import { replayFormula, type PendingPoint, type Replay } from "./autoscale-replay";
import { projectRoot } from "./outputs";
import { PROCESS_IO, type CommandIo } from "./terminal";

interface Options {
  formula?: string;
  stack?: string;
  timeline: string;
  interval?: number;
  until?: number;
  json?: boolean;
}

/** Batch's default evaluation interval. */
const DEFAULT_INTERVAL_MINUTES = 15;

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

export function replayTable(replay: Replay): string {
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
  return lines.join("\n");
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
export async function runAutoscale(argv: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  const program = new Command()
    .name("npm run autoscale --")
    // Usage errors and --help come back as a CommanderError with the exit code, instead of process.exit.
    .exitOverride()
    .configureOutput({ writeOut: (text) => void io.stdout.write(text), writeErr: (text) => void io.stderr.write(text) })
    .description(
      "Replays a timeline of pending tasks (CSV: minute,pending) through an autoscale formula and prints the nodes it asks for and the node-hours.",
    )
    .addOption(new Option("--formula <file>", "the formula's text").conflicts("stack"))
    .option("--stack <name>", "the formula the Pulumi program deploys for this stack (default: dev)")
    .requiredOption("--timeline <file>", "CSV with a header: minute,pending (pending tasks from that minute on)")
    .option("--interval <minutes>", "evaluation interval (default: the stack's, or Batch's 15 for --formula)", minutes)
    .option("--until <minute>", "replay until this minute (default: the timeline's last)", minutes)
    .option("--json", "print the replay as JSON")
    .showHelpAfterError();
  try {
    program.parse(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
  const opts = program.opts<Options>();
  try {
    const { formula, intervalMinutes, source } = await formulaOf(opts);
    if (intervalMinutes < 5) throw new Error("Batch evaluates at most every 5 minutes: --interval must be 5 or more");
    refuseAsBatchWould(formula);
    const replay = replayFormula({
      formula,
      intervalMinutes,
      timeline: await readTimeline(opts.timeline),
      untilMinute: opts.until,
    });
    io.stdout.write(
      opts.json
        ? `${JSON.stringify(replay, null, 2)}\n`
        : `formula: ${source}, evaluated every ${intervalMinutes} min\n${replayTable(replay)}\n`,
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
