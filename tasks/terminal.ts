/**
 * What a stream may be sent: colour only where a person reads it (a terminal, or FORCE_COLOR set)
 * and NO_COLOR (https://no-color.org) is not set; a progress bar only on a terminal that can
 * move its cursor (not TERM=dumb). Pipes and CI logs get plain text.
 */
export interface StreamLike {
  isTTY?: boolean;
}

/** Where a command writes, so that a test can run it in-process and read what an operator would see. */
export interface CommandIo {
  stdout: StreamLike & { write(text: string): unknown };
  stderr: StreamLike & { write(text: string): unknown };
}

export const PROCESS_IO: CommandIo = { stdout: process.stdout, stderr: process.stderr };

export function colorAllowed(stream: StreamLike, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

export function barAllowed(stream: StreamLike, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

/** `text` in red where colour is allowed, as it is otherwise. */
export function red(text: string, stream: StreamLike, env: NodeJS.ProcessEnv = process.env): string {
  return colorAllowed(stream, env) ? `\u001b[31m${text}\u001b[39m` : text;
}
