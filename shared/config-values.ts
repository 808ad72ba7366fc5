/**
 * The kinds of value a stack config key holds, as zod schemas that take them as YAML gives them
 * (typed) or as Pulumi's Config gives them (every value a string), and say what they accept in
 * the words a user reads after the key's name: "must be an integer (got "many")".
 */
import * as z from "zod/mini";
import { quoted } from "../contracts/schema-problems";

/** Pulumi's Config hands numbers over as text; anything else passes on to be refused as it is. */
function numberFromText(value: unknown): unknown {
  return typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
}

function booleanFromText(value: unknown): unknown {
  return value === "true" || value === "false" ? value === "true" : value;
}

/** A string; `missing` is what a required key says when it is not set. */
export function text(missing?: string) {
  return z.string({
    error: (issue) =>
      issue.input === undefined && missing !== undefined ? missing : `must be a string (got ${quoted(issue.input)})`,
  });
}

/** A whole number; `range` checks carry the message for a number out of bounds. */
export function integer(...range: z.core.$ZodCheck<number>[]) {
  return z.pipe(
    z.transform(numberFromText),
    z.int({ error: (issue) => `must be an integer (got ${quoted(issue.input)})` }).check(...range),
  );
}

export function decimal(...range: z.core.$ZodCheck<number>[]) {
  return z.pipe(
    z.transform(numberFromText),
    z.number({ error: (issue) => `must be a number (got ${quoted(issue.input)})` }).check(...range),
  );
}

export function flag() {
  return z.pipe(
    z.transform(booleanFromText),
    z.boolean({ error: (issue) => `must be true or false (got ${quoted(issue.input)})` }),
  );
}

/** One of a few names; `why` follows the list when a wrong name has consequences worth saying. */
export function oneOf<const T extends readonly [string, ...string[]]>(names: T, joined: string, why = "") {
  return z.enum(names, { error: (issue) => `must be ${joined} (got ${quoted(issue.input)})${why}` });
}

/** A string in a shape a regular expression can say; `accepts` finishes "must be ...". */
export function shaped(shape: RegExp, accepts: string) {
  return text().check(z.regex(shape, { error: `must be ${accepts}`, abort: true }));
}

/** A key's documentation (Pulumi.yaml's `description`, tested equal) and, when it has one, its default. */
export function described<S extends z.ZodMiniType>(schema: S, description: string) {
  return schema.check(z.describe(description));
}

export function defaulted<S extends z.ZodMiniType>(
  schema: S,
  value: z.core.util.NoUndefined<z.output<S>>,
  description: string,
) {
  return z._default(schema, value).check(z.describe(description));
}
