/**
 * The installed command (package.json `bin`) as a shell calls it: --version, and errors split into
 * what the operator did (one line, exit 1) and what is a bug (the stack and where to report it, exit 70).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BUG_EXIT, fatal, isBug, OPERATOR_EXIT } from "../../tasks/fatal-error";
import { ROOT } from "./run-cli";

const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  version: string;
  bin: Record<string, string>;
};

/** Where the project says bugs go (package.json `bugs`), which the bug message must name. */
const BUGS_URL = "https://github.com/batch-ocr/batch-ocr/issues";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function node(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    // Colour and TTY variables of the machine running the tests left out: each test says what it sets.
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !["NO_COLOR", "FORCE_COLOR", "TERM"].includes(k)),
    );
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...base, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const batchOcr = (args: string[], env?: NodeJS.ProcessEnv) =>
  node([path.join(ROOT, pkg.bin["batch-ocr"] as string), ...args], env);

/** A real process that runs a command through the same exit path as `batch-ocr ocr`, the command being `body`. */
const exitPath = (body: string, env?: NodeJS.ProcessEnv) =>
  node(
    [
      "--import",
      "tsx",
      "-e",
      `require(${JSON.stringify(path.join(ROOT, "tasks", "fatal-error.ts"))}).runToExit(async () => { ${body} }, () => ({ command: "batch-ocr ocr" }))`,
    ],
    env,
  );

describe("batch-ocr, the installed command", () => {
  test("--version prints the package's version, at the top and on ocr", async () => {
    for (const args of [["--version"], ["-V"], ["ocr", "--version"]]) {
      const run = await batchOcr(args);
      expect([run.code, run.stdout, run.stderr]).toEqual([0, `${pkg.version}\n`, ""]);
    }
  });

  test("--help lists ocr, local and eval; each command's help is named as called", async () => {
    const top = await batchOcr(["--help"]);
    expect(top.code).toBe(0);
    for (const c of ["ocr", "local", "eval"]) expect(top.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
    const ocr = await batchOcr(["ocr", "--help"]);
    expect(ocr.stdout).toMatch(/^Usage: batch-ocr ocr \[options\]/);
    for (const flag of ["--json", "--verbose", "--price-per-node-hour", "--version"])
      expect(ocr.stdout).toContain(flag);
    // The other commands' help names them as called too, not as `npm run` does.
    for (const c of ["local", "eval"])
      expect((await batchOcr([c, "--help"])).stdout).toMatch(new RegExp(`^Usage: batch-ocr ${c} \\[options\\]`));
  });

  test("what the operator did wrong: one line that says what, exit 1, no stack", async () => {
    const missing = await batchOcr([
      "ocr",
      "--outputs",
      path.join(tmpdir(), `batch-ocr-no-such-outputs-${process.pid}.json`),
      "--input",
      path.join(ROOT, "samples"),
    ]);
    expect(missing.code).toBe(OPERATOR_EXIT);
    expect(missing.stderr).toMatch(
      /^batch-ocr ocr: cannot read the outputs file .*no-such-outputs-\d+\.json: ENOENT\n$/,
    );
    expect(missing.stderr.split("\n")).toHaveLength(2);
    const unknown = await batchOcr(["recognise"]);
    expect([unknown.code, unknown.stderr]).toEqual([
      OPERATOR_EXIT,
      'batch-ocr: unknown command "recognise": the commands are ocr, local, eval (batch-ocr --help)\n',
    ]);
  });

  test("a bug: the stack, the version and where to report it (package.json's bugs URL), exit 70", async () => {
    const run = await exitPath("const record = JSON.parse('null'); return record.status;");
    expect(run.code).toBe(BUG_EXIT);
    expect(run.stderr).toContain(
      `batch-ocr ocr: internal error, a bug in batch-ocr ${pkg.version} (not in what you did):\nTypeError: Cannot read properties of null (reading 'status')\n    at `,
    );
    expect(run.stderr).toMatch(/Please report it .*, with the command you ran and all of this output\.\n$/);
    expect(run.stderr).toContain(`Please report it at ${BUGS_URL}, with the command you ran`);
  });

  test("colour only where allowed: none in a pipe, red with FORCE_COLOR, none when NO_COLOR is set as well", async () => {
    const body = "throw new Error('the input directory is empty');";
    expect((await exitPath(body)).stderr).toBe("batch-ocr ocr: the input directory is empty\n");
    expect((await exitPath(body, { FORCE_COLOR: "1" })).stderr).toBe(
      "\u001b[31mbatch-ocr ocr:\u001b[39m the input directory is empty\n",
    );
    expect((await exitPath(body, { FORCE_COLOR: "1", NO_COLOR: "1" })).stderr).toBe(
      "batch-ocr ocr: the input directory is empty\n",
    );
  });

  test("which errors are bugs: the language's own errors and non-Errors; not the project's errors, nor a network that cannot be reached", () => {
    expect([new TypeError("x"), new RangeError("x"), new SyntaxError("x"), "a string"].map(isBug)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    class InputError extends Error {
      override name = "InputError";
    }
    expect(
      [new InputError("no photos"), new Error("pool p does not exist"), new TypeError("fetch failed")].map(isBug),
    ).toEqual([false, false, false]);
    // Details of an operator's error only with --verbose; without, the one line says they exist.
    const explain = () => "cannot get a token: sign in with az login\nEnvironmentCredential: not set";
    expect(fatal(new InputError("x"), { command: "ocr", explain, env: {} }).text).toBe(
      "ocr: cannot get a token: sign in with az login (--verbose for the details)\n",
    );
    expect(fatal(new InputError("x"), { command: "ocr", explain, verbose: true, env: {} }).text).toMatch(
      /^ocr: cannot get a token: sign in with az login\nEnvironmentCredential: not set\nInputError: x\n {4}at /,
    );
  });
});
