/**
 * Turns a zod schema's complaints into the lines a user reads: each names the field as it is
 * written in the file (`crop.x`, `corners.1`, `tasks.0.blobs`) followed by the message the
 * schema declares for it ("must be an integer ≥ 0"), so a contract's wording lives beside its
 * checks. Unknown fields come first, since a misspelt key usually explains the other lines.
 */
import type * as z from "zod/mini";

export interface ProblemWording {
  /** How a field path appears in a message (the stack config writes its namespace before it). */
  field?: (path: string) => string;
  /** The line for a field the contract does not know. */
  unknown?: (field: string) => string;
}

/** A field's path as written in JSON or YAML: keys and array indices joined with dots. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}

/** One line per problem, in the schema's declaration order after the unknown fields. */
export function problemLines(issues: readonly z.core.$ZodIssue[], wording: ProblemWording = {}): string[] {
  const field = wording.field ?? ((p: string) => p);
  const unknown = wording.unknown ?? ((f: string) => `unknown field "${f}"`);
  const unknownLines: string[] = [];
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) unknownLines.push(unknown(fieldPath([...issue.path, key])));
    } else if (issue.path.length === 0) {
      // Issues about the whole value (or across fields) carry their own subject.
      lines.push(issue.message);
    } else {
      lines.push(`${field(fieldPath(issue.path))} ${issue.message}`);
    }
  }
  return [...unknownLines, ...lines];
}

/** The input value an error message quotes, as JSON (so a string shows its quotes). */
export function quoted(input: unknown): string {
  return input === undefined ? "nothing" : JSON.stringify(input);
}

/**
 * For a versioned document: a version this reader does not know is the only problem named, since
 * the other fields of another version are not this version's to judge.
 */
export function versionedProblemLines(issues: readonly z.core.$ZodIssue[], versionField: string): string[] {
  const version = issues.filter((issue) => issue.path.length === 1 && issue.path[0] === versionField);
  return problemLines(version.length > 0 ? version : issues);
}
