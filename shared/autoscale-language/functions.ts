/**
 * The documented functions. Those over a doubleVecList take any mix of doubles and doubleVecs
 * and read them as one vector: `avg(v, 7)` is `avg(1, 2, 3, 7)` when v is [1, 2, 3].
 */
import { FormulaEvaluationError } from "./formula-errors";
import type { Position } from "./tokens";
import { double, doubleVec, timestamp, type Value } from "./values";

function flatten(args: Value[], name: string, at: Position): number[] {
  return args.flatMap((arg) => {
    if (arg.type === "double") return [arg.value];
    if (arg.type === "doubleVec") return arg.values;
    throw new FormulaEvaluationError(`${name}() takes doubles and doubleVecs, not a ${arg.type}`, at);
  });
}

function nonEmpty(values: number[], name: string, at: Position): number[] {
  if (values.length === 0) throw new FormulaEvaluationError(`${name}() of an empty list`, at);
  return values;
}

const total = (values: number[]): number => values.reduce((a, b) => a + b, 0);

const LIST_FUNCTIONS: Record<string, (values: number[], at: Position) => number> = {
  avg: (v, at) => total(nonEmpty(v, "avg", at)) / v.length,
  len: (v) => v.length,
  max: (v, at) => Math.max(...nonEmpty(v, "max", at)),
  min: (v, at) => Math.min(...nonEmpty(v, "min", at)),
  norm: (v) => Math.sqrt(total(v.map((x) => x * x))),
  range: (v, at) => Math.max(...nonEmpty(v, "range", at)) - Math.min(...v),
  std: (v, at) => {
    // The sample standard deviation, as documented: n - 1 in the denominator.
    if (v.length < 2) throw new FormulaEvaluationError("std() needs at least two values", at);
    const mean = total(v) / v.length;
    return Math.sqrt(total(v.map((x) => (x - mean) ** 2)) / (v.length - 1));
  },
  sum: (v) => total(v),
};

const LOGARITHMS: Record<string, (x: number) => number> = { lg: Math.log2, ln: Math.log, log: Math.log10 };

function asDouble(value: Value | undefined, what: string, at: Position): number {
  if (value?.type !== "double")
    throw new FormulaEvaluationError(`${what} must be a double, not a ${value?.type ?? "nothing"}`, at);
  return value.value;
}

function asVector(value: Value | undefined, what: string, at: Position): number[] {
  if (value?.type === "doubleVec") return value.values;
  if (value?.type === "double") return [value.value];
  throw new FormulaEvaluationError(`${what} must be a doubleVec, not a ${value?.type ?? "nothing"}`, at);
}

/** W3C-DTF and RFC 1123, the two formats the documentation names; both are what Date.parse reads. */
function parseTime(text: string, at: Position): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new FormulaEvaluationError(`time() cannot read '${text}' as W3C-DTF or RFC 1123`, at);
  return ms;
}

export interface FunctionEnvironment {
  now: number;
  random: () => number;
}

/** Calls a documented function other than stop(), which the evaluator handles itself. */
export function callFunction(name: string, args: Value[], env: FunctionEnvironment, at: Position): Value {
  const listFunction = LIST_FUNCTIONS[name];
  if (listFunction) return double(listFunction(flatten(args, name, at), at));
  const logarithm = LOGARITHMS[name];
  if (logarithm) {
    const [arg] = args;
    if (arg?.type === "doubleVec") return doubleVec(arg.values.map(logarithm));
    return double(logarithm(asDouble(arg, `${name}()'s argument`, at)));
  }
  switch (name) {
    case "percentile": {
      // The element at the p-th percentile by nearest rank: the documentation says it returns an element.
      const sorted = [...nonEmpty(asVector(args[0], "percentile()'s vector", at), "percentile", at)].sort(
        (a, b) => a - b,
      );
      const p = asDouble(args[1], "percentile()'s percent", at);
      if (p < 0 || p > 100)
        throw new FormulaEvaluationError(`percentile() takes a percent from 0 to 100, not ${p}`, at);
      return double(sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!);
    }
    case "rand":
      return double(env.random());
    case "time": {
      const [arg] = args;
      if (arg === undefined || (arg.type === "string" && arg.value === "")) return timestamp(env.now);
      if (arg.type !== "string") throw new FormulaEvaluationError(`time() takes a string, not a ${arg.type}`, at);
      return timestamp(parseTime(arg.value, at));
    }
    case "val": {
      const vector = asVector(args[0], "val()'s vector", at);
      const index = asDouble(args[1], "val()'s index", at);
      const element = Number.isInteger(index) ? vector[index] : undefined;
      if (element === undefined)
        throw new FormulaEvaluationError(`val() index ${index} is outside a vector of ${vector.length}`, at);
      return double(element);
    }
  }
  throw new FormulaEvaluationError(`unknown function '${name}'`, at);
}
