/**
 * `npm run local`: Azurite and the local Batch service in the foreground, with the variables the
 * Azure CLI and SDKs read printed one per line, until Ctrl-C.
 */
import { Command, InvalidArgumentError } from "commander";
import { FAULT_NAMES_HELP, FaultSpecError, parseFaultSpec } from "./batch/fault-spec";
import { startLocalCloud, type LocalCloud } from "./index";
import { keepServingOnUnhandledRejections } from "./keep-serving";

/** The command as the operator called it: `batch-ocr local` (tasks/batch-ocr.ts sets it) or `npm run local --`. */
const CALLED_AS = process.env.BATCH_OCR_COMMAND ?? "npm run local --";

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError("must be a port number from 0 to 65535 (0 = any free port)");
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of 1 or more");
  return n;
}

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("must be a whole number of 0 or more");
  return Number(value);
}

/** Checked here so that a bad spec is one error, with the usage, before anything starts. */
function faultSpec(value: string): string {
  try {
    parseFaultSpec(value);
  } catch (err) {
    if (err instanceof FaultSpecError) throw new InvalidArgumentError(err.message);
    throw err;
  }
  return value;
}

interface Options {
  batchPort: number;
  blobPort: number;
  data?: string;
  maxProcesses?: number;
  autoscaleTimeScale?: number;
  scheduleTimeScale?: number;
  faults?: string;
  faultsSeed?: number;
  verbose: boolean;
}

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name(CALLED_AS)
    .description(
      "Starts Azurite (blob storage) and the local Batch service, prints the variables the Azure CLI\n" +
        "and SDKs read (AZURE_BATCH_*, AZURE_STORAGE_CONNECTION_STRING), and runs until Ctrl-C.\n" +
        "The Batch account key is random for each start; Azurite's key is its public development key.\n" +
        "IDENTITY_ENDPOINT and IDENTITY_HEADER are the local managed-identity endpoint: with them set,\n" +
        "DefaultAzureCredential gets Entra ID tokens that the local Batch service accepts (and no other service does).",
    )
    .option("--batch-port <port>", "port of the Batch service (0 = any free port)", port, 0)
    .option("--blob-port <port>", "port of Azurite's blob service (0 = any free port)", port, 0)
    .option(
      "--data <dir>",
      "where the nodes' files, the blobs and the Batch state (pools, nodes, jobs, tasks, packages) live, kept and taken up again on the next start; a temp directory removed on exit by default",
    )
    .option(
      "--max-processes <n>",
      "tasks and start tasks running at once across all nodes (default: this machine's cores)",
      positive,
    )
    .option(
      "--autoscale-time-scale <n>",
      "autoscale runs this many times faster than real time (60: a 5-minute evaluation interval is 5 seconds)",
      positive,
    )
    .option(
      "--schedule-time-scale <n>",
      "job schedules' recurrence intervals and start windows pass this many times faster (60: PT1M is a second)",
      positive,
    )
    .option(
      "--faults <spec>",
      `inject faults into the Batch service, as name=value pairs joined by commas, e.g. throttle=0.05,error=0.02,latency=20,drop=0.01,preempt=0.1/min,bad-node=1 (${FAULT_NAMES_HELP}); each injected fault is logged`,
      faultSpec,
    )
    .option(
      "--faults-seed <n>",
      "seed of the faults' random draws: the seed a run logs replays its decisions (default: a random seed)",
      wholeNumber,
    )
    .option("--verbose", "log every request with its status", false)
    .showHelpAfterError();
  program.parse(argv);
  const opts = program.opts<Options>();
  if (opts.verbose) process.env.BATCH_OCR_TRACE = "1";
  const log = (line: string) => process.stderr.write(`${line}\n`);
  keepServingOnUnhandledRejections(log);

  let cloud: LocalCloud;
  try {
    cloud = await startLocalCloud({
      batchPort: opts.batchPort,
      blobPort: opts.blobPort,
      dataDir: opts.data,
      maxProcesses: opts.maxProcesses,
      autoscaleTimeScale: opts.autoscaleTimeScale,
      scheduleTimeScale: opts.scheduleTimeScale,
      faults: opts.faults,
      faultsSeed: opts.faultsSeed,
      // Given a data directory, a user expects to come back to it as they left it, as on Azure.
      persistState: opts.data !== undefined,
      log,
    });
  } catch (err) {
    process.stderr.write(`${CALLED_AS.replace(/ --$/, "")}: could not start: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }

  process.stdout.write(
    [
      `AZURE_BATCH_ENDPOINT=${cloud.batchEndpoint}`,
      `AZURE_BATCH_ACCOUNT=${cloud.batchAccountName}`,
      `AZURE_BATCH_ACCESS_KEY=${cloud.batchAccountKey}`,
      `IDENTITY_ENDPOINT=${cloud.managedIdentity.endpoint}`,
      `IDENTITY_HEADER=${cloud.managedIdentity.header}`,
      `AZURE_STORAGE_CONNECTION_STRING=${cloud.storageConnectionString}`,
      `ready: local Batch service at ${cloud.batchEndpoint}, Azurite blobs at ${cloud.blobEndpoint}, data in ${cloud.dataDir} (Ctrl-C stops both)`,
    ].join("\n") + "\n",
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping the local Batch service and Azurite\n`);
    cloud.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`could not stop cleanly: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`${CALLED_AS.replace(/ --$/, "")}: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
