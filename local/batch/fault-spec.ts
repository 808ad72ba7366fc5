/**
 * The `--faults` spec of the local Batch service: comma-separated `name=value` pairs, e.g.
 * `throttle=0.05,error=0.02,latency=20,drop=0.01,preempt=0.1/min,bad-node=1`. Strict: a name it
 * does not know, a name given twice, a value out of range, or request shares that add up to more
 * than 1 are one error that says which pair and why.
 */

export interface FaultSpec {
  /** Share of requests answered 429 TooManyRequests with `Retry-After`. */
  throttle: number;
  /** Seconds in that `Retry-After` (and in a 503's). */
  retryAfterSeconds: number;
  /** Share of requests answered 500 InternalError or 503 ServerBusy, half each. */
  error: number;
  /** Share of requests whose connection is cut before any answer. */
  drop: number;
  /** Milliseconds every request waits before it is handled. */
  latencyMs: number;
  /** Evictions per Spot/low-priority node per minute. */
  preemptPerMinute: number;
  /** Seconds a preempted node stays preempted before it comes back. */
  preemptedForSeconds: number;
  /** Nodes that go bad (unusable) while running a task. */
  badNodes: number;
}

export const NO_FAULTS: FaultSpec = {
  throttle: 0,
  retryAfterSeconds: 1,
  error: 0,
  drop: 0,
  latencyMs: 0,
  preemptPerMinute: 0,
  preemptedForSeconds: 10,
  badNodes: 0,
};

export class FaultSpecError extends Error {}

const share = (value: string): number => {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) throw new Error("must be a share from 0 to 1");
  return n;
};

const wholeNumber = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new Error("must be a whole number of 0 or more");
  return Number(value);
};

const milliseconds = (value: string): number => wholeNumber(value.replace(/ms$/, ""));

const seconds = (value: string): number => {
  const n = Number(value.replace(/s$/, ""));
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new Error("must be seconds, 0 or more");
  return n;
};

const PER_MINUTE: Record<string, number> = { s: 60, min: 1, h: 1 / 60 };

const ratePerMinute = (value: string): number => {
  const m = /^(\d+(?:\.\d+)?)\/(s|min|h)$/.exec(value);
  if (!m) throw new Error("must be a rate per node such as 0.1/min (per s, min or h)");
  return Number(m[1]) * PER_MINUTE[m[2]!]!;
};

/** Each name, the field it sets, how its value is read, and what it means (for --help and the docs). */
const NAMES: Record<string, { field: keyof FaultSpec; parse: (value: string) => number; means: string }> = {
  throttle: { field: "throttle", parse: share, means: "share of requests answered 429 with Retry-After" },
  "retry-after": { field: "retryAfterSeconds", parse: wholeNumber, means: "seconds in Retry-After (default 1)" },
  error: { field: "error", parse: share, means: "share of requests answered 500 InternalError or 503 ServerBusy" },
  drop: { field: "drop", parse: share, means: "share of requests whose connection is cut before an answer" },
  latency: { field: "latencyMs", parse: milliseconds, means: "milliseconds added to every request" },
  preempt: { field: "preemptPerMinute", parse: ratePerMinute, means: "Spot node evictions per node, e.g. 0.1/min" },
  "preempt-for": {
    field: "preemptedForSeconds",
    parse: seconds,
    means: "seconds a preempted node stays away (default 10)",
  },
  "bad-node": { field: "badNodes", parse: wholeNumber, means: "nodes that go unusable while running a task" },
};

/** One line per name, for `--help`. */
export const FAULT_NAMES_HELP = Object.entries(NAMES)
  .map(([name, { means }]) => `${name}: ${means}`)
  .join("; ");

export function parseFaultSpec(text: string): FaultSpec {
  const spec: FaultSpec = { ...NO_FAULTS };
  const seen = new Set<string>();
  const pairs = text.split(",").map((p) => p.trim());
  if (pairs.every((p) => p === "")) throw new FaultSpecError("is empty: give name=value pairs such as throttle=0.05");
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq).trim();
    const entry = NAMES[name];
    if (!entry)
      throw new FaultSpecError(`"${pair}": no fault named "${name}" (known: ${Object.keys(NAMES).join(", ")})`);
    if (eq < 0) throw new FaultSpecError(`"${pair}": give it a value (${name}=...)`);
    if (seen.has(name)) throw new FaultSpecError(`"${pair}": ${name} is given twice`);
    seen.add(name);
    try {
      spec[entry.field] = entry.parse(pair.slice(eq + 1).trim());
    } catch (err) {
      throw new FaultSpecError(`"${pair}": ${name} ${(err as Error).message}`);
    }
  }
  // One draw decides a request's fault, so the shares must fit in one.
  const total = spec.throttle + spec.error + spec.drop;
  if (total > 1)
    throw new FaultSpecError(`throttle + error + drop is ${Number(total.toFixed(6))}: they must add up to 1 at most`);
  return spec;
}

/** The spec written back as it would be typed: what the service logs it runs with. */
export function describeFaultSpec(spec: FaultSpec): string {
  const parts: string[] = [];
  for (const [name, { field }] of Object.entries(NAMES)) {
    if (spec[field] === NO_FAULTS[field]) continue;
    parts.push(`${name}=${field === "preemptPerMinute" ? `${spec[field]}/min` : spec[field]}`);
  }
  return parts.join(",") || "none";
}
