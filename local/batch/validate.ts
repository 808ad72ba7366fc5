/** Request body checks that answer as Batch does: which property is missing or wrong, and why. */
import { invalidProperty, missingProperty } from "./errors";
import { normalisedDuration } from "./durations";

export type Body = Record<string, unknown>;

export function asBody(body: unknown): Body {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw missingProperty("(request body)");
  return body as Body;
}

/** Batch ids: letters, digits, hyphens and underscores, 1–64 characters. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function requireId(body: Body, name = "id"): string {
  const v = body[name];
  if (v === undefined || v === null || v === "") throw missingProperty(name);
  if (typeof v !== "string" || !ID.test(v))
    throw invalidProperty(name, v, "ids use letters, digits, hyphens and underscores, at most 64 characters");
  return v;
}

export function requireString(body: Body, name: string): string {
  const v = body[name];
  if (v === undefined || v === null || v === "") throw missingProperty(name);
  if (typeof v !== "string") throw invalidProperty(name, v, "must be a string");
  return v;
}

export function optionalInt(body: Body, name: string, min: number, max: number): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    throw invalidProperty(name, v, `must be a whole number from ${min} to ${max}`);
  return v;
}

export function optionalEnum<T extends string>(body: Body, name: string, values: readonly T[]): T | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  const found = typeof v === "string" ? values.find((x) => x.toLowerCase() === v.toLowerCase()) : undefined;
  if (!found) throw invalidProperty(name, v, `must be one of ${values.join(", ")}`);
  return found;
}

/** The duration as Batch stores it (years and months as days), so it is kept as Azure would return it. */
export function optionalDuration(body: Body | undefined, name: string): string | undefined {
  const v = body?.[name];
  if (v === undefined || v === null) return undefined;
  const stored = typeof v === "string" ? normalisedDuration(v) : undefined;
  if (stored === undefined) throw invalidProperty(name, v, "must be an ISO 8601 duration such as PT1H");
  return stored;
}
