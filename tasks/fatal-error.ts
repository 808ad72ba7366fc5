/**
 * What a command prints when it stops on an error, split by whose it is. What the operator can
 * fix (bad input, a service that says no, a sign-in missing) is one line and exit 1. A mistake in
 * the code (the errors JavaScript itself raises for one, or a thrown non-Error) is a bug: the
 * stack, the version and where to report it, and exit 70 (EX_SOFTWARE), so scripts can tell them apart.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "./outputs";
import { red, type StreamLike } from "./terminal";

export const OPERATOR_EXIT = 1;
export const BUG_EXIT = 70;

/** The errors the language raises for a mistake in the code; the project's own errors say what the operator should do. */
const BUG_ERRORS = new Set([
  "TypeError",
  "ReferenceError",
  "RangeError",
  "SyntaxError",
  "EvalError",
  "URIError",
  "AssertionError",
]);

export function isBug(err: unknown): boolean {
  if (!(err instanceof Error)) return true;
  // Node's fetch reports a network that cannot be reached as a TypeError: the network's fault, not the code's.
  if (err.name === "TypeError" && err.message === "fetch failed") return false;
  return BUG_ERRORS.has(err.name) || BUG_ERRORS.has(err.constructor.name);
}

interface PackageInfo {
  version: string;
  bugs?: string;
}

export function packageInfo(): PackageInfo {
  const pkg = JSON.parse(readFileSync(path.join(projectRoot(), "package.json"), "utf8")) as {
    version: string;
    bugs?: string | { url?: string };
  };
  const bugs = typeof pkg.bugs === "string" ? pkg.bugs : pkg.bugs?.url;
  return { version: pkg.version, ...(bugs ? { bugs } : {}) };
}

export interface FatalOptions {
  /** The command as the operator called it: `ocr`, `batch-ocr ocr`. */
  command: string;
  /** The operator's error's details and stack too. */
  verbose?: boolean;
  /** How the project explains its errors (tasks/cli.ts explainError): first line what failed, details after. */
  explain?: (err: unknown) => string;
  stream?: StreamLike;
  env?: NodeJS.ProcessEnv;
  /** An operator's error's own exit code, where it has one (1 otherwise). */
  exitCode?: (err: unknown) => number | undefined;
  /** An operator's error whose every line is for the operator (a command to run), not a detail. */
  wholeMessage?: (err: unknown) => boolean;
}

/** The text to print (ending in a newline) and the exit code. */
export function fatal(err: unknown, options: FatalOptions): { text: string; exitCode: number } {
  const stream = options.stream ?? process.stderr;
  if (isBug(err)) {
    const { version, bugs } = packageInfo();
    const stack = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : `thrown: ${String(err)}`;
    const where = bugs
      ? `at ${bugs}`
      : "to the maintainers of batch-ocr (the issue tracker of the repository you got it from)";
    return {
      text: `${red(`${options.command}: internal error, a bug in batch-ocr ${version} (not in what you did):`, stream, options.env)}\n${stack}\nPlease report it ${where}, with the command you ran and all of this output.\n`,
      exitCode: BUG_EXIT,
    };
  }
  const [first = "", ...details] = (options.explain?.(err) ?? (err as Error).message).split("\n");
  const more = details.filter((l) => l.trim() !== "");
  if (options.wholeMessage?.(err)) {
    const stack = options.verbose ? `${(err as Error).stack ?? ""}\n` : "";
    return {
      text: `${red(`${options.command}:`, stream, options.env)} ${[first, ...more].join("\n")}\n${stack}`,
      exitCode: options.exitCode?.(err) ?? OPERATOR_EXIT,
    };
  }
  const tail = options.verbose ? [...more, (err as Error).stack ?? ""].filter(Boolean).join("\n") : "";
  const hint = !options.verbose && more.length > 0 ? " (--verbose for the details)" : "";
  return {
    text: `${red(`${options.command}:`, stream, options.env)} ${first}${hint}\n${tail ? `${tail}\n` : ""}`,
    exitCode: options.exitCode?.(err) ?? OPERATOR_EXIT,
  };
}

/**
 * Runs a command to its exit code; a throw is printed as {@link fatal} says. `options` is read
 * only then, so that it can carry what the command learnt from its arguments (--verbose).
 */
export function runToExit(command: () => Promise<number>, options: () => FatalOptions): void {
  command().then(
    (code) => process.exit(code),
    (err: unknown) => {
      const { text, exitCode } = fatal(err, options());
      process.stderr.write(text);
      process.exit(exitCode);
    },
  );
}
