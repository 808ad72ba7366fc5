import { InvalidArgumentError } from "commander";

/** A commander parser for a whole number of 1 or more. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of 1 or more");
  return n;
}
