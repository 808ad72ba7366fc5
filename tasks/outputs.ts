/**
 * Where the stack outputs come from: `pulumi stack output --json --stack NAME`, a file of the same
 * shape (`--outputs FILE`), or the local cloud (see local-target.ts).
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseStackOutputs, StackOutputsError, type StackOutputs } from "../contracts/stack-outputs";

export { StackOutputsError };

/** The stacks this project declares (one `Pulumi.<stack>.yaml` each). */
export function knownStacks(projectDir: string): string[] {
  return readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

export async function outputsFromFile(file: string): Promise<StackOutputs> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new StackOutputsError(
      `cannot read the outputs file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StackOutputsError(`${file} is not JSON: ${(err as Error).message}`);
  }
  return parseStackOutputs(json, file);
}

export interface PulumiOptions {
  projectDir: string;
  /** The Pulumi CLI executable (`pulumi` on PATH by default). */
  pulumi?: string;
}

/** Runs the Pulumi CLI for a stack's outputs; every failure becomes a message an operator can act on. */
export async function outputsFromStack(stack: string, options: PulumiOptions): Promise<StackOutputs> {
  const stacks = knownStacks(options.projectDir);
  if (!stacks.includes(stack)) {
    throw new StackOutputsError(
      `unknown stack "${stack}": this project has ${stacks.length ? stacks.join(", ") : "no stacks"} (no Pulumi.${stack}.yaml in ${options.projectDir})`,
    );
  }
  const pulumi = options.pulumi ?? "pulumi";
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      pulumi,
      ["stack", "output", "--json", "--stack", stack],
      { cwd: options.projectDir, maxBuffer: 16 * 1024 * 1024 },
      (err, out, errOut) => {
        if (!err) return resolve(out);
        if ((err as NodeJS.ErrnoException).code === "ENOENT") {
          return reject(
            new StackOutputsError(
              `the Pulumi CLI (${pulumi}) is not installed or not on PATH; install it (https://www.pulumi.com/docs/install/) or pass --outputs FILE with the stack outputs as JSON`,
            ),
          );
        }
        const detail = errOut.trim().split("\n").slice(-3).join(" ") || err.message;
        reject(new StackOutputsError(`pulumi stack output --stack ${stack} failed: ${detail}`));
      },
    );
  });
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new StackOutputsError(`pulumi stack output --stack ${stack} did not print JSON`);
  }
  return parseStackOutputs(json, `stack ${stack}`);
}

/** The project root: the directory with package.json above this file. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("cannot find the project root (package.json)");
    dir = up;
  }
  return dir;
}
