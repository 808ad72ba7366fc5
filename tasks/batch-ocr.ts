/**
 * `batch-ocr <command>`: the project's commands behind one installed name (package.json `bin`),
 * each given the arguments after its name exactly as `npm run <command> --` would give them.
 */
import path from "node:path";
import { fatal, OPERATOR_EXIT, packageInfo } from "./fatal-error";

/** Commands whose module runs itself when loaded, reading process.argv. */
const SELF_RUNNING: Record<string, { module: string; what: string }> = {
  local: {
    module: path.join(__dirname, "..", "local", "cli.ts"),
    what: "start Azurite and the local Batch service, and print the variables clients read",
  },
  eval: {
    module: path.join(__dirname, "..", "worker", "eval-cli.ts"),
    what: "the worker's accuracy report on a folder of photos",
  },
};

function usage(): string {
  const { version } = packageInfo();
  return [
    `batch-ocr ${version}: reads water-meter photos at scale on Azure Batch, or locally.`,
    "",
    "Usage: batch-ocr <command> [options]   (batch-ocr <command> --help for its options)",
    "",
    "Commands:",
    "  ocr     run the OCR job: upload, run the worker over the pool, collect results.csv and report.html",
    ...Object.entries(SELF_RUNNING).map(([name, c]) => `  ${name.padEnd(7)} ${c.what}`),
    "",
    "Options:",
    "  -V, --version  the version",
    "  -h, --help     this help",
    "",
  ].join("\n");
}

class UnknownCommandError extends Error {
  override name = "UnknownCommandError";
}

export function run(args: readonly string[]): void {
  const [command, ...rest] = args;
  if (command === "--version" || command === "-V") {
    process.stdout.write(`${packageInfo().version}\n`);
    return;
  }
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(usage());
    return;
  }
  // Loaded only when called: the dispatcher pulls in the Azure SDKs, seconds that --version and --help need not wait for.
  if (command === "ocr") {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when called
    const cli = require("./cli") as typeof import("./cli");
    return cli.runOcr([process.argv0, "batch-ocr ocr", ...rest], "batch-ocr ocr", "batch-ocr ocr");
  }
  const self = SELF_RUNNING[command];
  if (!self) {
    const { text } = fatal(
      new UnknownCommandError(
        `unknown command "${command}": the commands are ocr, ${Object.keys(SELF_RUNNING).join(", ")} (batch-ocr --help)`,
      ),
      { command: "batch-ocr" },
    );
    process.stderr.write(text);
    process.exitCode = OPERATOR_EXIT;
    return;
  }
  // Such a module parses process.argv as node gives it to a script: the node binary, the script, then the arguments.
  process.argv = [process.argv[0] as string, self.module, ...rest];
  // Its --help and messages then name it as the operator called it, not as `npm run` does.
  process.env.BATCH_OCR_COMMAND = `batch-ocr ${command}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading it is what runs it
  require(self.module);
}
