/**
 * The checks Batch makes on a pool's autoscale settings when a pool is added with autoscale or
 * autoscale is enabled or evaluated: a formula that parses and names only what Batch has, within
 * 8 KB, and an evaluation interval from 5 minutes to 168 hours.
 */
import { checkFormula } from "../../shared/autoscale-language/evaluate";
import { FormulaSyntaxError } from "../../shared/autoscale-language/formula-errors";
import { durationMs } from "./durations";
import { batchError, invalidProperty } from "./errors";
import { optionalDuration, type Body } from "./validate";

const MAX_FORMULA_CHARS = 8192;
const MIN_INTERVAL_MS = 5 * 60_000;
const MAX_INTERVAL_MS = 168 * 3_600_000;

export const DEFAULT_EVALUATION_INTERVAL = "PT15M";

/** The formula, refused as Batch refuses it (400) when it is too long or does not parse. */
export function acceptedFormula(formula: string): string {
  if (formula.length > MAX_FORMULA_CHARS) {
    throw batchError("AutoScaleFormulaTooLong", {}, { MaxLength: String(MAX_FORMULA_CHARS) });
  }
  try {
    checkFormula(formula);
  } catch (err) {
    if (!(err instanceof FormulaSyntaxError)) throw err;
    throw batchError("AutoScalingFormulaSyntaxError", { Message: err.message });
  }
  return formula;
}

/** The body's autoScaleEvaluationInterval, if it has one Batch accepts. */
export function acceptedInterval(body: Body): string | undefined {
  const interval = optionalDuration(body, "autoScaleEvaluationInterval");
  if (interval === undefined) return undefined;
  const ms = durationMs(interval)!;
  if (ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
    throw invalidProperty("autoScaleEvaluationInterval", interval, "must be from 5 minutes to 168 hours");
  }
  return interval;
}
