/**
 * Batch runs a task's command line without a shell: it splits it into words (honouring quotes)
 * and starts the program directly, so `$VARS`, pipes and globs mean nothing unless the command
 * calls a shell itself (`/bin/bash -c '...'`). The local service does the same, so a command
 * line that needs a shell fails here as it would on a node.
 */
import { parse } from "shell-quote";

export function commandLineArgv(commandLine: string): string[] {
  // The env callback returns each `$NAME` as written: Batch does not expand variables.
  const words = parse(commandLine, (name: string) => `$${name}`);
  return words.map((w) => {
    if (typeof w === "string") return w;
    if ("op" in w && w.op === "glob") return (w as { pattern: string }).pattern;
    if ("op" in w) return w.op;
    return (w as { comment: string }).comment;
  });
}
